/**
 * Entry module of one devnet node process (the sequencer or a follower), forked by the devnet
 * orchestrator (./devnet.ts). It waits for an `init` message with its configuration, runs a
 * gossip host with the block validator (and optionally an el-sim with the Engine API driver),
 * and reports over the IPC channel: every accepted block with its first-seen time and the peer it
 * came from, periodic stats, and (sequencer) every block it published.
 *
 * The process exits when the parent says `stop`, and also when the IPC channel closes (the
 * parent died), so no node outlives its devnet. SIGINT is ignored: on Ctrl-C the whole process
 * group gets it, and the parent stops the nodes in order.
 */

import type { ElSim } from '../engine/elSim.ts'
import type { EngineDriver } from '../engine/engineDriver.ts'
import type { GossipHost, GossipHostModules, HostValidator } from '../gossip/host.ts'
import type { VerdictEvent } from '../gossip/types.ts'
import { createBlockValidator } from '../gossip/validator.ts'
import { createLogger } from '../util/logger.ts'
import { SIGNATURE_SIZE_BYTES } from '../wire/envelope.ts'
import {
  type ChildMessage,
  hiResNow,
  type NodeProcessConfig,
  type NodeStats,
  type ParentMessage,
} from './ipcProtocol.ts'
import { cpuSeconds, IpcByteCounter, readProcessIo } from './processCounters.ts'
import { createSequencerLoop, type SequencerLoop } from './sequencerLoop.ts'

/** Inbound connections per second from one IP: every devnet node is 127.0.0.1. */
const DEVNET_INBOUND_CONNECTIONS_PER_IP_PER_SECOND = 10_000
/**
 * A node with no peer at all re-dials its bootnodes this often. The host dials them once at
 * start; on a busy devnet that dial can be refused (libp2p accepts 10 pending inbound
 * connections by default), which would leave the node alone for good.
 */
const BOOTNODE_REDIAL_INTERVAL_MS = 3000
/** Give the host this long to stop before exiting anyway. */
const STOP_TIMEOUT_MS = 3000

const ipc = new IpcByteCounter()
/**
 * libp2p and friends take seconds to load: start at once, while the parent still waits for the
 * sequencer to listen, instead of after the configuration arrives.
 */
const hostModule = import('../gossip/host.ts')
hostModule.catch(() => {}) // a failure surfaces where startNode awaits it

function send(message: ChildMessage): void {
  if (process.send === undefined || !process.connected) return
  ipc.onSend(message)
  process.send(message)
}

function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.startsWith('0x') ? hex.slice(2) : hex, 'hex'))
}

function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

interface RunningNode {
  host: GossipHost
  sequencer: SequencerLoop | null
  engine: EngineDriver | null
  elSim: ElSim | null
  statsTimer: NodeJS.Timeout | null
  redialTimer: NodeJS.Timeout | null
  /** The block topic the chain publishes on now */
  topic(): string
}

function memory(): { rssBytes: number; heapUsedBytes: number; externalBytes: number } {
  const m = process.memoryUsage()
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external }
}

function stats(node: RunningNode): NodeStats {
  const io = readProcessIo()
  const counters = node.host.counters()
  const mesh = node.host.meshPeers()[node.topic()] ?? []
  return {
    peers: Object.keys(node.host.peerScores()).length,
    mesh: mesh.length,
    backlog: node.host.validationBacklog,
    counters: {
      atMs: hiResNow(),
      bytesSent: io === null ? null : io.written - ipc.sent,
      bytesReceived: io === null ? null : io.read - ipc.received,
      duplicates: counters.duplicates,
      messagesReceived: counters.received,
      accepted: counters.accepted,
      rejected: counters.rejected,
      ignored: counters.ignored,
      cpuSeconds: cpuSeconds(),
      ...memory(),
    },
  }
}

async function startNode(config: NodeProcessConfig): Promise<RunningNode> {
  const log = createLogger({ level: config.logLevel, format: 'json' }).child({
    node: config.index,
  })
  const { createGossipHost } = await hostModule
  const { blocksTopic, blockVersionAt } = await import('../wire/topics.ts')
  const { chain } = config
  const signer = hexToBytes(config.signer)
  const blockValidator = createBlockValidator({ chain, signer: () => signer })
  // Times every validation by message bytes, so the sequencer can report how long validating its
  // own block took inside the publish call (the host does not expose that).
  const validationTimes = new WeakMap<Uint8Array, number>()
  const validator: HostValidator = {
    validate(topic, data, opts) {
      const t0 = performance.now()
      const result = blockValidator.validate(topic, data, opts)
      validationTimes.set(data, performance.now() - t0)
      return result
    },
  }
  // The shared high-resolution clock: first-seen times comparable across processes to the µs.
  const modules: GossipHostModules = { validator, logger: log, now: hiResNow }
  const host: GossipHost = createGossipHost(
    {
      chain,
      privateKey: hexToBytes(config.peerKey),
      listenIp: config.listenIp,
      listenTcpPort: config.listenTcpPort,
      bootnodes: config.bootnodes,
      dht: true,
      ipColocation: false,
      peers: config.peers,
      router: { D: config.mesh.d, Dlo: config.mesh.lo, Dhi: config.mesh.hi },
      inboundConnectionsPerIpPerSecond: DEVNET_INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
      timing: { discoveryIntervalMs: config.discoveryIntervalMs },
    },
    modules,
  )

  // Accepted blocks: the verdict event carries the timings, the block event the payload; the
  // host emits them back to back for one message, keyed by message ID here.
  const acceptTimings = new Map<string, VerdictEvent>()
  host.events.on('verdict', (v) => {
    if (v.verdict === 'accept') {
      acceptTimings.set(v.messageId, v)
      return
    }
    send({
      type: 'refused',
      index: config.index,
      event: { verdict: v.verdict, reason: String(v.reason) },
    })
  })

  let engine: EngineDriver | null = null
  let elSim: ElSim | null = null
  if (config.el !== null) {
    const { startElSim } = await import('../engine/elSim.ts')
    const { createEngineDriver } = await import('../engine/engineDriver.ts')
    const jwtSecret = hexToBytes(config.el.jwtSecret)
    elSim = await startElSim(
      {
        chain,
        jwtSecret,
        ...(config.el.upstream === null ? {} : { upstream: config.el.upstream }),
      },
      { log },
    )
    engine = createEngineDriver({ chain, engineUrl: elSim.url, jwtSecret }, { log })
    await engine.start()
  }

  host.events.on('block', (b) => {
    const messageId = Buffer.from(b.messageId).toString('hex')
    const timing = acceptTimings.get(messageId)
    acceptTimings.delete(messageId)
    const payload = b.envelope.payload
    send({
      type: 'block',
      index: config.index,
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
    engine?.onBlock(b.envelope, b)
  })

  await host.start()

  let sequencer: SequencerLoop | null = null
  if (config.sequencer !== undefined) {
    sequencer = createSequencerLoop(
      { chain, signerKey: hexToBytes(config.sequencer.signerKey), seed: config.sequencer.seed },
      {
        publish: async (block) => ({
          ...(await host.publish(block)),
          validationMs: validationTimes.get(block.data) ?? null,
        }),
        onPublished(p) {
          send({ type: 'published', index: config.index, ...p.report })
          engine?.onBlock(p.envelope, {
            messageId: hexToBytes(`0x${p.messageId}`),
            fromPeer: host.peerId,
            firstSeenMs: p.report.publishedMs,
            validatedMs: p.report.publishedMs,
          })
        },
        onPublishFailed(number, err) {
          send({
            type: 'publish-failed',
            index: config.index,
            number,
            message: err instanceof Error ? err.message : String(err),
          })
        },
      },
    )
  }

  const node: RunningNode = {
    host,
    sequencer,
    engine,
    elSim,
    statsTimer: null,
    redialTimer: null,
    topic: () => blocksTopic(chain.chainId, blockVersionAt(chain, Math.floor(Date.now() / 1000))),
  }
  node.statsTimer = setInterval(() => {
    send({ type: 'stats', index: config.index, ...stats(node) })
    if (engine !== null) {
      const s = engine.status()
      send({
        type: 'el',
        index: config.index,
        head: s.confirmed?.number ?? 0,
        status: s.state,
      })
    }
  }, config.statsIntervalMs)
  node.statsTimer.unref()
  // The first connection is reported at once: the devnet starts followers in waves on it.
  host.events.once('peer:connect', () =>
    send({ type: 'stats', index: config.index, ...stats(node) }),
  )
  if (config.bootnodes.length > 0) {
    node.redialTimer = setInterval(() => {
      if (Object.keys(host.peerScores()).length > 0) return
      for (const address of config.bootnodes) {
        host.dial(address).catch((err: unknown) => {
          log.warn({ bootnode: address, err: String(err) }, 'bootnode re-dial failed')
        })
      }
    }, BOOTNODE_REDIAL_INTERVAL_MS)
    node.redialTimer.unref()
  }
  send({
    type: 'ready',
    index: config.index,
    peerId: host.peerId,
    addresses: host.listenAddresses(),
    pid: process.pid,
    elUrl: elSim?.url ?? null,
  })
  return node
}

async function stopNode(node: RunningNode | null): Promise<void> {
  if (node === null) return
  if (node.statsTimer !== null) clearInterval(node.statsTimer)
  if (node.redialTimer !== null) clearInterval(node.redialTimer)
  node.sequencer?.stop()
  await Promise.race([
    (async () => {
      await node.engine?.stop()
      await node.elSim?.stop()
      await node.host.stop()
    })(),
    new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref()),
  ])
}

function main(): void {
  if (process.send === undefined) {
    process.stderr.write('nodeProcess.ts is started by `op-gossip devnet` over IPC\n')
    process.exit(2)
  }
  let node: RunningNode | null = null
  let starting: Promise<RunningNode> | null = null
  let index = -1
  let exiting = false

  async function exit(code: number): Promise<void> {
    if (exiting) return
    exiting = true
    try {
      await stopNode(node ?? (starting === null ? null : await starting.catch(() => null)))
    } finally {
      process.exit(code)
    }
  }

  process.on('SIGINT', () => {})
  process.on('SIGTERM', () => void exit(0))
  process.on('disconnect', () => void exit(0))
  process.on('uncaughtException', (err) => {
    send({ type: 'error', index, message: String(err?.stack ?? err), fatal: true })
    void exit(1)
  })
  process.on('message', (raw: unknown) => {
    ipc.onReceive(raw)
    const msg = raw as ParentMessage
    switch (msg.type) {
      case 'init':
        index = msg.config.index
        starting = startNode(msg.config)
        starting.then(
          (n) => {
            node = n
          },
          (err: unknown) => {
            send({
              type: 'error',
              index,
              message: String((err as Error)?.message ?? err),
              fatal: true,
            })
            void exit(1)
          },
        )
        return
      case 'snapshot': {
        if (node !== null) send({ type: 'snapshot', index, id: msg.id, ...stats(node) })
        return
      }
      case 'produce':
        node?.sequencer?.produce(msg.size)
        return
      case 'pause':
        node?.sequencer?.stop()
        return
      case 'stop':
        void exit(0)
        return
    }
  })
}

main()
