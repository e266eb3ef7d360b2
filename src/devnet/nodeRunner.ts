/**
 * One devnet node inside its process (./nodeProcess.ts): the node `op-gossip run` builds
 * (src/node.ts's createNode) from the orchestrator's NodeProcessConfig, so the devnet and
 * `bench latency` measure the node users run. Around it, what only a devnet needs: an el-sim
 * behind the node (withEl), the sequencer loop (the sequencer), and the reports to the
 * orchestrator — every accepted block with its first-seen time and the peer it came from, every
 * refused message, periodic stats, the el-sim's head, every block the sequencer published.
 *
 * start() brings the parts up in order (el-sim → node → sequencer → reporters) and says `ready`;
 * stop() takes them down in reverse, logging a failed stop.
 */
import { parseBoolFlag } from '../cli/flagValues.ts'
import type { ElSim } from '../engine/elSim.ts'
import type { HostValidator } from '../gossip/host.ts'
import type { AcceptedBlock, VerdictEvent } from '../gossip/types.ts'
import { DEFAULT_WARM_UP } from '../gossip/warmUp.ts'
import { createNode, type NodeOptions, type OpGossipNode } from '../node.ts'
import { DEFAULT_REDIS_MAXLEN } from '../redis/redisOptions.ts'
import { type NamedStartable, type Startable, stopInReverse } from '../util/lifecycle.ts'
import type { Logger } from '../util/logger.ts'
import { SIGNATURE_SIZE_BYTES } from '../wire/envelope.ts'
import { blocksTopic, blockVersionAt } from '../wire/topics.ts'
import {
  type BlockSize,
  type ChildMessage,
  hiResNow,
  type NodeProcessConfig,
  type NodeStats,
  type VerdictCountEvent,
} from './ipcProtocol.ts'
import { devnetPerIpOptions } from './perIpOptions.ts'
import { cpuSeconds, type IpcByteCounter, readProcessIo } from './processCounters.ts'
import { createSequencerLoop, type SequencerLoop } from './sequencerLoop.ts'

/**
 * A node with no peer at all re-dials its bootnodes this often. The host dials them once at
 * start; on a busy devnet that dial can be refused (libp2p accepts 10 pending inbound
 * connections by default), which would leave the node alone for good.
 */
const BOOTNODE_REDIAL_INTERVAL_MS = 3000
/**
 * After a restart (`restart-node`) the EL head is reported this often instead of every stats
 * interval, so the orchestrator times the catch-up finely; one node, a few small messages a second.
 */
export const RESTART_EL_REPORT_INTERVAL_MS = 100
/** Refused messages are reported, counted by reason, at most this often. */
export const REFUSED_REPORT_INTERVAL_MS = 250

export interface NodeRunnerModules {
  /** Sends a report to the orchestrator */
  send(message: ChildMessage): void
  /** Bytes of the IPC channel, taken out of the process's network bytes */
  ipc: IpcByteCounter
  log: Logger
}

export interface NodeRunner extends Startable {
  start(): Promise<void>
  stop(): Promise<void>
  /** Fresh counters (answers a `snapshot`); null before start() */
  stats(): NodeStats | null
  /** Sequencer only: produce blocks of this size from the next slot on */
  produce(size: BlockSize): void
  /** Sequencer only: stop producing */
  pause(): void
  /** Stops the node but not its el-sim (a CL restart); resolves with the el-sim's head */
  stopNode(): Promise<number | null>
  /** Starts the node again after stopNode(), same key and config; says `ready` again */
  restartNode(): Promise<void>
}

function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.startsWith('0x') ? hex.slice(2) : hex, 'hex'))
}

function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

/**
 * `OP_GOSSIP_P2P_WARMUP`, the environment variable of `op-gossip run --p2p.warmup`, read by the
 * devnet's nodes too (they inherit the environment), so a benchmark can compare a cold start.
 */
export const WARM_UP_ENV = 'OP_GOSSIP_P2P_WARMUP'

function warmUpFromEnv(env: NodeJS.ProcessEnv): boolean {
  const text = env[WARM_UP_ENV]
  return text === undefined ? DEFAULT_WARM_UP : parseBoolFlag(WARM_UP_ENV, text)
}

/** The devnet node as NodeOptions: the same settings a user would pass `op-gossip run`. */
export function devnetNodeOptions(
  config: NodeProcessConfig,
  elUrl: string | null,
  env: NodeJS.ProcessEnv = process.env,
): NodeOptions {
  return {
    warmUp: warmUpFromEnv(env),
    chain: config.chain,
    peerKey: hexToBytes(config.peerKey),
    gossip: {
      listenIp: config.listenIp,
      listenTcpPort: config.listenTcpPort,
      bootnodes: config.bootnodes,
      // A Redis-only node has no gossip peers: no bootnode and no DHT to be found through.
      dht: config.road !== 'redis',
      ...devnetPerIpOptions(config.listenIp),
      peers: config.peers,
      router: { D: config.mesh.d, Dlo: config.mesh.lo, Dhi: config.mesh.hi },
      timing: { discoveryIntervalMs: config.discoveryIntervalMs },
    },
    signer: { configuredSigner: config.signer },
    discovery: null,
    redis: config.redis === undefined ? null : { ...config.redis, maxLen: DEFAULT_REDIS_MAXLEN },
    engine:
      config.el === null || elUrl === null
        ? null
        : {
            engineUrl: elUrl,
            jwtSecret: hexToBytes(config.el.jwtSecret),
            ...(typeof config.el.backupRpc === 'string'
              ? { backupUnsafeSyncRpcUrl: config.el.backupRpc, gapFill: 'rpc' as const }
              : {}),
          },
  }
}

function memory(): { rssBytes: number; heapUsedBytes: number; externalBytes: number } {
  const m = process.memoryUsage()
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external }
}

/** A part that runs `fn` every `intervalMs` while started. */
function interval(intervalMs: number, fn: () => void): Startable {
  let timer: NodeJS.Timeout | null = null
  return {
    start() {
      timer ??= setInterval(fn, intervalMs)
      timer.unref()
    },
    stop() {
      if (timer !== null) clearInterval(timer)
      timer = null
    },
  }
}

export function createNodeRunner(
  config: NodeProcessConfig,
  modules: NodeRunnerModules,
): NodeRunner {
  const { send, ipc, log } = modules
  const { chain, index } = config
  /** The el-sim: it outlives a node restart, as an EL outlives a CL restart */
  const elParts: NamedStartable[] = []
  /** The node and what runs on it */
  const nodeParts: NamedStartable[] = []
  let elSim: ElSim | null = null
  let node: OpGossipNode | null = null
  let sequencer: SequencerLoop | null = null

  function stats(running: OpGossipNode): NodeStats {
    const io = readProcessIo()
    const host = running.host
    const counters = host.counters()
    const topic = blocksTopic(chain.chainId, blockVersionAt(chain, Math.floor(Date.now() / 1000)))
    return {
      peers: Object.keys(host.peerScores()).length,
      mesh: (host.meshPeers()[topic] ?? []).length,
      backlog: host.validationBacklog,
      outbound: host.outboundBacklog(),
      counters: {
        atMs: hiResNow(),
        bytesSent: io === null ? null : io.written - ipc.sent,
        bytesReceived: io === null ? null : io.read - ipc.received,
        duplicates: counters.duplicates,
        messagesReceived: counters.received,
        accepted: counters.accepted,
        rejected: counters.rejected,
        ignored: counters.ignored,
        queueFull: counters.queueFull,
        rateLimited: counters.rateLimited,
        cpuSeconds: cpuSeconds(),
        ...memory(),
      },
    }
  }

  async function startPart(parts: NamedStartable[], name: string, part: Startable): Promise<void> {
    parts.push({ name, part })
    await part.start()
  }

  /** Reports an accepted block with its first-seen time. */
  function reportBlock(b: AcceptedBlock, timing: VerdictEvent | undefined): void {
    const payload = b.envelope.payload
    send({
      type: 'block',
      index,
      block: {
        blockHash: toHex(payload.blockHash),
        number: Number(payload.blockNumber),
        firstSeenMs: b.firstSeenMs,
        validatedMs: b.validatedMs,
        queueMs: timing === undefined ? 0 : timing.totalMs - timing.validationMs,
        validationMs: timing?.validationMs ?? 0,
        fromPeer: b.fromPeer,
        bytes: SIGNATURE_SIZE_BYTES + b.envelope.signedBytes.length,
      },
    })
  }

  /**
   * Reports refused messages, counted by verdict and reason (one IPC message per reason every
   * REFUSED_REPORT_INTERVAL_MS: under a flood, one per message cost the node more CPU than
   * judging it), and every accepted block with its first-seen time.
   */
  function reportGossip(running: OpGossipNode): void {
    // The verdict event carries the timings, the block event the payload; the host emits them
    // back to back for one message, keyed by message ID here.
    const acceptTimings = new Map<string, VerdictEvent>()
    const refused = new Map<string, VerdictCountEvent>()
    let flushScheduled = false
    const flushRefused = () => {
      flushScheduled = false
      for (const event of refused.values()) send({ type: 'refused', index, event })
      refused.clear()
    }
    running.host.events.on('verdict', (v) => {
      if (v.verdict === 'accept') {
        acceptTimings.set(v.messageId, v)
        return
      }
      const reason = String(v.reason)
      const key = `${v.verdict}:${reason}`
      const counted = refused.get(key)
      if (counted === undefined) refused.set(key, { verdict: v.verdict, reason, count: 1 })
      else counted.count++
      if (!flushScheduled) {
        flushScheduled = true
        setTimeout(flushRefused, REFUSED_REPORT_INTERVAL_MS)
      }
    })
    running.host.events.on('block', (b) => {
      const messageId = Buffer.from(b.messageId).toString('hex')
      const timing = acceptTimings.get(messageId)
      acceptTimings.delete(messageId)
      reportBlock(b, timing)
    })
  }

  /** The sequencer publishes through the node's host and hands its own blocks to the EL. */
  function createSequencer(
    running: OpGossipNode,
    sequencerConfig: NonNullable<NodeProcessConfig['sequencer']>,
    validationTimes: WeakMap<Uint8Array, number>,
  ): SequencerLoop {
    return createSequencerLoop(
      {
        chain,
        signerKey: hexToBytes(sequencerConfig.signerKey),
        seed: sequencerConfig.seed,
        ...(sequencerConfig.intervalSeconds === undefined
          ? {}
          : { intervalSeconds: sequencerConfig.intervalSeconds }),
      },
      {
        publish: async (block) => ({
          ...(await running.host.publish(block)),
          validationMs: validationTimes.get(block.data) ?? null,
        }),
        onPublished(p) {
          send({ type: 'published', index, ...p.report })
          running.engine?.onBlock(p.envelope, {
            messageId: hexToBytes(`0x${p.messageId}`),
            fromPeer: running.host.peerId,
            firstSeenMs: p.report.publishedMs,
            validatedMs: p.report.publishedMs,
          })
        },
        onPublishFailed(number, err) {
          send({
            type: 'publish-failed',
            index,
            number,
            message: err instanceof Error ? err.message : String(err),
          })
        },
      },
    )
  }

  /**
   * Sequencer only: times every validation by message bytes, so the sequencer can report how
   * long validating its own block took inside the publish call (the host does not expose it).
   */
  function timingValidator(
    times: WeakMap<Uint8Array, number>,
  ): (inner: HostValidator) => HostValidator {
    return (inner) => ({
      validate(topic, data, opts) {
        const t0 = performance.now()
        const result = inner.validate(topic, data, opts)
        times.set(data, performance.now() - t0)
        return result
      },
    })
  }

  async function startElSim(): Promise<void> {
    if (config.el !== null) {
      const { ElSim } = await import('../engine/elSim.ts')
      const upstream = config.el.upstream
      const sim = new ElSim(
        {
          chain,
          jwtSecret: hexToBytes(config.el.jwtSecret),
          ...(upstream === null ? {} : { upstream }),
          ...(config.el.serveHttp === true ? { httpPort: 0 } : {}),
          ...(typeof config.el.backupRpc === 'string' ? { noPeers: true } : {}),
        },
        { log },
      )
      await startPart(elParts, 'el-sim', sim)
      elSim = sim
    }
  }

  /** The node, its sequencer loop and reporters; `restarted` adds the fast EL reports. */
  async function startNodeParts(restarted: boolean): Promise<void> {
    const validationTimes = new WeakMap<Uint8Array, number>()
    const running = createNode(devnetNodeOptions(config, elSim?.url ?? null), {
      logger: log,
      // The shared high-resolution clock: first-seen times comparable across processes to the µs.
      now: hiResNow,
      ...(config.sequencer === undefined
        ? {}
        : { wrapValidator: timingValidator(validationTimes) }),
    })
    reportGossip(running)
    // A Redis-only node's blocks come from the stream, to the node's consumers, not host events.
    if (config.road === 'redis') running.addConsumer({ onBlock: (b) => reportBlock(b, undefined) })
    await startPart(nodeParts, 'node', running)
    node = running
    if (config.sequencer !== undefined) {
      const loop = createSequencer(running, config.sequencer, validationTimes)
      sequencer = loop
      await startPart(nodeParts, 'sequencer', { start() {}, stop: () => loop.stop() })
    }
    const reportEl = () => {
      const engine = running.engine
      if (engine === null) return
      const s = engine.status()
      send({ type: 'el', index, head: s.confirmed?.number ?? 0, status: s.state })
    }
    await startPart(
      nodeParts,
      'stats reports',
      interval(config.statsIntervalMs, () => {
        send({ type: 'stats', index, ...stats(running) })
        reportEl()
      }),
    )
    if (restarted && running.engine !== null) {
      await startPart(nodeParts, 'el reports', interval(RESTART_EL_REPORT_INTERVAL_MS, reportEl))
    }
    // The first connection is reported at once: the devnet starts followers in waves on it.
    running.host.events.once('peer:connect', () =>
      send({ type: 'stats', index, ...stats(running) }),
    )
    if (config.bootnodes.length > 0) {
      await startPart(
        nodeParts,
        'bootnode re-dial',
        interval(BOOTNODE_REDIAL_INTERVAL_MS, () => {
          if (Object.keys(running.host.peerScores()).length > 0) return
          for (const address of config.bootnodes) {
            running.host.dial(address).catch((err: unknown) => {
              log.warn({ bootnode: address, err: String(err) }, 'bootnode re-dial failed')
            })
          }
        }),
      )
    }
    send({
      type: 'ready',
      index,
      peerId: running.host.peerId,
      addresses: running.host.listenAddresses(),
      pid: process.pid,
      elUrl: elSim?.url ?? null,
      elHttpUrl: elSim?.httpUrl ?? null,
    })
  }

  async function stopNode(): Promise<number | null> {
    const parts = nodeParts.splice(0)
    node = null
    sequencer = null
    await stopInReverse(parts, log)
    return elSim?.chainState.head.number ?? null
  }

  async function stop(): Promise<void> {
    await stopNode()
    elSim = null
    await stopInReverse(elParts.splice(0), log)
  }

  return {
    async start() {
      try {
        await startElSim()
        await startNodeParts(false)
      } catch (err) {
        await stop()
        throw err
      }
    },
    stop,
    stopNode,
    async restartNode() {
      try {
        await startNodeParts(true)
      } catch (err) {
        await stopNode()
        throw err
      }
    },
    stats: () => (node === null ? null : stats(node)),
    produce: (size) => sequencer?.produce(size),
    pause: () => sequencer?.stop(),
  }
}
