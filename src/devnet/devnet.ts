/**
 * A local devnet from nothing: a sequencer that builds and signs realistic blocks and N follower
 * nodes, each in its own process (./nodeProcess.ts), all on one machine. The sequencer is also
 * the DHT bootstrap node; followers know only its address and find each other through the DHT.
 *
 * The orchestrator (this module, in the parent process) starts the processes, relays their
 * reports as events, answers "is the mesh up", takes counter snapshots for benchmarks and stops
 * everything: on `stop()`, and — because every node exits when its IPC channel closes — also
 * when the parent dies. The devnet's rollup.json, keys and peer list go to a directory
 * (./devnetDirectory.ts) so an external node can join.
 */
import { EventEmitter } from 'node:events'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ChainConfig } from '../chains/types.ts'
import { writeDevnetDirectory } from './devnetDirectory.ts'
import { type DevnetTransport, gossipFollowerCount, planDevnet } from './devnetPlan.ts'
import { type DevnetRedis, startDevnetRedis } from './devnetRedis.ts'
import type {
  FollowerCaughtUpEvent,
  FollowerRestartedEvent,
  FollowerStoppedEvent,
} from './followerRestart.ts'
import type {
  BlockEvent,
  BlockSize,
  ChildMessage,
  NodeProcessConfig,
  NodeStats,
  PublishedReport,
} from './ipcProtocol.ts'
import { loopbackNetwork, type NetworkPlan } from './network.ts'
import { type DevnetNode, type NodeChild, spawnNodeChild } from './nodeChild.ts'
import { MIN_SEQUENCER_INTERVAL_SECONDS } from './sequencerLoop.ts'

/** @default followers of `op-gossip devnet` */
export const DEFAULT_DEVNET_FOLLOWERS = 6
/** @default seconds between blocks */
export const DEFAULT_DEVNET_BLOCK_TIME_SECONDS = 2
/** @default user transactions per block when no size is given */
export const DEFAULT_DEVNET_TX_COUNT = 20
/** @default where the devnet writes rollup.json, keys, peers and logs */
export const DEFAULT_DEVNET_DIR = '.devnet'
/** Most followers one devnet starts (each is a process of ~100 MB). */
export const MAX_DEVNET_FOLLOWERS = 200
/** A node must report `ready` within this time plus NODE_READY_TIMEOUT_PER_NODE_MS per node. */
export const NODE_READY_TIMEOUT_MS = 30_000
export const NODE_READY_TIMEOUT_PER_NODE_MS = 1000
/**
 * Followers are configured (and dial the bootnode) in waves of this many, below libp2p's limit
 * of 10 pending inbound connections, so the bootnode is not flooded by every follower at once.
 */
export const FOLLOWER_START_WAVE_SIZE = 8
/**
 * A wave's followers get this long to connect to a first peer before the next wave starts. On a
 * busy machine (50 followers on 2 cores) a handshake with the bootnode can take seconds; at 5 s
 * the waves piled onto each other and later followers kept timing out for minutes.
 */
export const FOLLOWER_WAVE_CONNECT_TIMEOUT_MS = 20_000
/**
 * Node.js flags of every node process unless `nodeFlags` says otherwise: a 2 MB young-generation
 * semi-space (V8's default grows to 16 MB) and one V8 helper thread. Together with
 * MALLOC_ARENA_MAX=2 they take tens of MB off each node's RSS on a many-process devnet, with
 * latency unchanged within noise (docs/performance.md). A production node can use
 * the same through NODE_OPTIONS.
 */
export const DEFAULT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--v8-pool-size=1']
/** A snapshot request is answered within this time or the node is left out. */
export const SNAPSHOT_TIMEOUT_MS = 5000

export interface DevnetOptions {
  /** Follower nodes (the sequencer comes on top). @default DEFAULT_DEVNET_FOLLOWERS */
  followers?: number
  /**
   * Seconds between blocks. A fraction (at least MIN_SEQUENCER_INTERVAL_SECONDS, without withEl)
   * keeps rollup.json's block_time whole (devnetPlan.chainBlockTime). @default 2
   */
  blockTimeSeconds?: number
  /** Where rollup.json, keys, peers and node logs go. @default DEFAULT_DEVNET_DIR */
  dir?: string
  /** Run an el-sim behind every node (Engine API driver included). @default false */
  withEl?: boolean
  /** With withEl: `rpc` = followers' ELs have no peers and fill gaps from the sequencer's el-sim. @default 'el' */
  gapFill?: 'el' | 'rpc'
  /** gossipsub mesh degrees. @default op-node's 8 / 6 / 12 */
  mesh?: { d: number; lo: number; hi: number }
  /** Where nodes listen and how they are launched. @default plain loopback */
  network?: NetworkPlan
  /** @default DEFAULT_DEVNET_CHAIN_ID (./devnetPlan.ts) */
  chainId?: number
  /** Node log level (logs go to <dir>/logs). @default 'warn' */
  logLevel?: NodeProcessConfig['logLevel']
  /** Periodic stats interval of every node. @default 1000 ms */
  statsIntervalMs?: number
  /** Node.js flags for the node processes. @default DEFAULT_NODE_FLAGS */
  nodeFlags?: string[]
  /** Block builder seed. @default 1 */
  seed?: number
  /**
   * How followers get blocks (devnetPlan.followerRoad); all but `gossip` start a redis-server in
   * `dir` with one gossip follower publishing to it (devnet --redis = `both`). @default 'gossip'
   */
  transport?: DevnetTransport
}

/** A block the sequencer published, as its node process reported it. */
export type PublishedEvent = PublishedReport

export interface DevnetEvents {
  published: [PublishedEvent]
  block: [{ node: DevnetNode; block: BlockEvent }]
  refused: [{ node: DevnetNode; verdict: string; reason: string; count: number }]
  stats: [DevnetNode]
  el: [{ node: DevnetNode; head: number; status: string }]
  /** A node reported an error or exited unexpectedly */
  problem: [{ node: DevnetNode | null; message: string }]
  /** A follower's node stopped, its el-sim kept (./followerRestart.ts) */
  'follower-stopped': [FollowerStoppedEvent]
  /** A stopped follower's node is up again */
  'follower-restarted': [FollowerRestartedEvent]
  /** A restarted follower's EL head reached the sequencer's newest block */
  'follower-caught-up': [FollowerCaughtUpEvent]
}

export interface Devnet {
  readonly chain: ChainConfig
  /** 0x address of the unsafe-block signer */
  readonly signer: string
  readonly dir: string
  readonly sequencer: DevnetNode
  readonly followers: readonly DevnetNode[]
  readonly events: EventEmitter<DevnetEvents>
  /** The multiaddr external nodes should bootstrap from (the sequencer's) */
  readonly bootnode: string
  /** The devnet's redis-server URL (devnet --redis), else null */
  readonly redisUrl: string | null
  /** Starts block production (or changes the block size when producing). */
  produce(size: BlockSize): void
  /** Stops block production. */
  pause(): void
  /**
   * Fresh counters from every live node, by index; a node that does not answer within
   * SNAPSHOT_TIMEOUT_MS is represented by its latest periodic stats.
   */
  snapshot(): Promise<Map<number, NodeStats>>
  /**
   * Resolves when every node has at least `min(mesh.lo, followers)` mesh peers on the current
   * topic; false after `timeoutMs` without that.
   */
  waitForMesh(timeoutMs: number): Promise<boolean>
  /**
   * Stops follower `index`'s node (a CL restart: its process, key and el-sim with its chain stay);
   * resolves with the el-sim's head once the node is down.
   */
  stopFollower(index: number): Promise<number | null>
  /** Starts a stopped follower's node again; resolves once it listens. */
  restartFollower(index: number): Promise<void>
  stop(): Promise<void>
}

/**
 * Whether node processes run compiled JavaScript (this module runs from dist/, see
 * bin/entryPoint.js) rather than the TypeScript sources; compiled ones use less memory.
 */
export const NODES_RUN_COMPILED = import.meta.url.endsWith('.js')

/** Resolves the node entry: the .ts source, or the compiled .js when running from dist/. */
function nodeEntryPath(): string {
  return new URL(`./nodeProcess.${NODES_RUN_COMPILED ? 'js' : 'ts'}`, import.meta.url).pathname
}

export async function startDevnet(opts: DevnetOptions = {}): Promise<Devnet> {
  const followerCount = opts.followers ?? DEFAULT_DEVNET_FOLLOWERS
  if (
    !Number.isInteger(followerCount) ||
    followerCount < 1 ||
    followerCount > MAX_DEVNET_FOLLOWERS
  ) {
    throw new RangeError(`followers must be an integer in [1, ${MAX_DEVNET_FOLLOWERS}]`)
  }
  const blockTime = opts.blockTimeSeconds ?? DEFAULT_DEVNET_BLOCK_TIME_SECONDS
  if (!Number.isFinite(blockTime) || blockTime < MIN_SEQUENCER_INTERVAL_SECONDS) {
    throw new RangeError(`blockTimeSeconds must be >= ${MIN_SEQUENCER_INTERVAL_SECONDS}`)
  }
  // Several blocks share a timestamp then (./sequencerLoop.ts): an EL wants them increasing.
  if (!Number.isInteger(blockTime) && opts.withEl === true) {
    throw new RangeError('a fractional blockTimeSeconds runs without an EL (withEl)')
  }
  const mesh = opts.mesh ?? { d: 8, lo: 6, hi: 12 }
  const network = opts.network ?? loopbackNetwork()
  const dir = opts.dir ?? DEFAULT_DEVNET_DIR
  const logDir = join(dir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const transport = opts.transport ?? 'gossip'
  const redis: DevnetRedis | null = transport === 'gossip' ? null : await startDevnetRedis(dir)

  const plan = await planDevnet({
    followers: followerCount,
    blockTimeSeconds: blockTime,
    mesh,
    ...(opts.chainId === undefined ? {} : { chainId: opts.chainId }),
    withEl: opts.withEl === true,
    ...(opts.gapFill === undefined ? {} : { gapFill: opts.gapFill }),
    ...(opts.logLevel === undefined ? {} : { logLevel: opts.logLevel }),
    ...(opts.statsIntervalMs === undefined ? {} : { statsIntervalMs: opts.statsIntervalMs }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    redisUrl: redis?.url ?? null,
    transport,
  }).catch(async (err: unknown) => {
    await redis?.stop()
    throw err
  })
  const { chain, signer, totalNodes } = plan
  const events = new EventEmitter<DevnetEvents>()
  const children = new Map<number, NodeChild>()
  const waiters = new Map<number, (s: NodeStats) => void>()
  let stopping = false
  let snapshotId = 0

  await network.setup(totalNodes).catch(async (err: unknown) => {
    await redis?.stop()
    throw err
  })

  function onMessage(node: DevnetNode, msg: ChildMessage): void {
    switch (msg.type) {
      case 'block':
        events.emit('block', { node, block: msg.block })
        return
      case 'published': {
        const { type: _t, index: _i, ...published } = msg
        events.emit('published', published)
        return
      }
      case 'stats':
        events.emit('stats', node)
        return
      case 'snapshot':
        if (node.stats !== null) waiters.get(msg.id * 1000 + node.index)?.(node.stats)
        return
      case 'refused':
        events.emit('refused', { node, ...msg.event })
        return
      case 'el':
        events.emit('el', { node, head: msg.head, status: msg.status })
        return
      case 'publish-failed':
        events.emit('problem', {
          node,
          message: `publish of block ${msg.number} failed: ${msg.message}`,
        })
        return
      case 'error':
        events.emit('problem', { node, message: msg.message })
        return
      case 'node-stopped': // nodeChild settles stopNode / restartNode
      case 'ready':
        return
    }
  }

  function spawnNode(index: number): NodeChild {
    const child = spawnNodeChild(
      {
        index,
        logDir,
        network,
        nodeArgs: [...(opts.nodeFlags ?? DEFAULT_NODE_FLAGS), nodeEntryPath()],
      },
      {
        onMessage,
        onUnexpectedExit: (node, message) => events.emit('problem', { node, message }),
        stopping: () => stopping,
      },
    )
    children.set(index, child)
    return child
  }

  function follower(index: number): NodeChild {
    const child = children.get(index)
    if (index < 1 || child === undefined) throw new RangeError(`no follower ${index}`)
    return child
  }

  async function stop(): Promise<void> {
    if (stopping) return
    stopping = true
    await Promise.all([...children.values()].map((c) => c.stop()))
    await redis?.stop()
    try {
      await network.teardown()
    } catch (err) {
      // Reported, not thrown: the nodes are down; what is left is the network plan's leftovers.
      events.emit('problem', { node: null, message: (err as Error)?.message ?? String(err) })
    }
  }

  try {
    const seqConfig = plan.nodeConfig(0, network.listenIp(0), { bootnode: null, elUpstream: null })
    // Every process starts (and loads its modules) at once; followers get their configuration,
    // which names the bootnode, when the sequencer listens.
    const spawned = Array.from({ length: totalNodes }, (_, i) => spawnNode(i))
    const readyTimeout = NODE_READY_TIMEOUT_MS + NODE_READY_TIMEOUT_PER_NODE_MS * followerCount
    const sequencerChild = spawned[0] as NodeChild
    await sequencerChild.init(seqConfig, readyTimeout)
    const bootnode = pickAddress(sequencerChild.node.addresses, network.listenIp(0))
    const followerChildren: NodeChild[] = []
    for (let first = 1; first <= followerCount; first += FOLLOWER_START_WAVE_SIZE) {
      const last = Math.min(followerCount, first + FOLLOWER_START_WAVE_SIZE - 1)
      const wave = await Promise.all(
        Array.from({ length: last - first + 1 }, (_, k) => {
          const config = plan.nodeConfig(first + k, network.listenIp(first + k), {
            bootnode,
            elUpstream: sequencerChild.node.elUrl,
            elBackupRpc: sequencerChild.node.elHttpUrl ?? null,
          })
          const child = spawned[first + k] as NodeChild
          return child.init(config, readyTimeout).then(() => child)
        }),
      )
      followerChildren.push(...wave)
      if (last < followerCount) await waitForFirstPeer(wave.map((c) => c.node))
    }
    const sequencer = sequencerChild.node
    const followers = followerChildren.map((c) => c.node)
    writeDevnetDirectory(dir, {
      chain,
      signer,
      signerKey: plan.signerKey,
      bootnode,
      nodes: [sequencer, ...followers].map((n) => ({
        index: n.index,
        role: n.role,
        peerId: n.peerId,
        address: pickAddress(n.addresses, network.listenIp(n.index)),
        pid: n.pid,
        peerKey: plan.peerKeys[n.index] as Uint8Array,
        elUrl: n.elUrl,
      })),
      jwtSecret: opts.withEl === true ? plan.jwtSecret : null,
    })

    return {
      chain,
      signer,
      dir,
      sequencer,
      followers,
      events,
      bootnode,
      redisUrl: redis?.url ?? null,
      produce(size) {
        sequencerChild.send({ type: 'produce', size })
      },
      pause() {
        sequencerChild.send({ type: 'pause' })
      },
      async snapshot() {
        const id = ++snapshotId
        const live = [...children.values()].filter((c) => !c.node.exited && c.connected)
        const out = new Map<number, NodeStats>()
        await Promise.all(
          live.map(
            (c) =>
              new Promise<void>((resolve) => {
                const key = id * 1000 + c.node.index
                // A node too busy to answer in time is represented by its latest periodic stats.
                const fallback = c.node.stats
                const timer = setTimeout(() => {
                  waiters.delete(key)
                  if (fallback !== null) out.set(c.node.index, fallback)
                  resolve()
                }, SNAPSHOT_TIMEOUT_MS)
                waiters.set(key, (s) => {
                  clearTimeout(timer)
                  waiters.delete(key)
                  out.set(c.node.index, s)
                  resolve()
                })
                c.send({ type: 'snapshot', id })
              }),
          ),
        )
        return out
      },
      stopFollower: async (index) => follower(index).stopNode(),
      restartFollower: async (index) => follower(index).restartNode(),
      async waitForMesh(timeoutMs) {
        // Redis-only followers have no gossip peers: neither they nor their slots count.
        const want = Math.min(mesh.lo, gossipFollowerCount(followerCount, transport))
        const deadline = Date.now() + timeoutMs
        const nodes = [sequencer, ...followers].filter((n) => n.road !== 'redis')
        while (Date.now() < deadline) {
          if (nodes.every((n) => n.exited || (n.stats !== null && n.stats.mesh >= want)))
            return true
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
        return false
      },
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Resolves once every node reported a peer in its stats, or after the wave timeout. */
async function waitForFirstPeer(nodes: readonly DevnetNode[]): Promise<void> {
  const deadline = Date.now() + FOLLOWER_WAVE_CONNECT_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (nodes.every((n) => n.exited || n.road === 'redis' || (n.stats?.peers ?? 0) > 0)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The listen address on the devnet's own interface (not 0.0.0.0-derived extras). */
function pickAddress(addresses: readonly string[], ip: string): string {
  return addresses.find((a) => a.includes(`/${ip}/`)) ?? (addresses[0] as string)
}
