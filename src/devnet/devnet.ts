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
import { type ChildProcess, spawn } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { createDevnetChain } from '../chains/devnet.ts'
import type { ChainConfig } from '../chains/types.ts'
import { DEFAULT_PEERS_HI, DEFAULT_PEERS_LO } from '../gossip/connectionTrimmer.ts'
import { generateEd25519PeerKey } from '../gossip/peerIdentity.ts'
import { keccak256 } from '../wire/keccak.ts'
import { addressFromPrivateKey } from '../wire/signing.ts'
import { devnetKey } from './blockBuilder.ts'
import { writeDevnetDirectory } from './devnetDirectory.ts'
import type {
  BlockEvent,
  BlockSize,
  ChildMessage,
  NodeProcessConfig,
  NodeStats,
  ParentMessage,
  PublishedReport,
} from './ipcProtocol.ts'
import { loopbackNetwork, type NetworkPlan } from './network.ts'

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
/** The well-known devnet sequencer key label: its address is the devnet's unsafe-block signer. */
export const DEVNET_SEQUENCER_KEY_LABEL = 'op-gossip devnet sequencer'
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
 * Discovery round period of devnet nodes while below their peer target. Small devnets (every
 * node connects to every other) use a short one to converge within seconds; larger ones keep
 * op-node's 5 s, because a DHT lookup per node per second costs more CPU than the gossip.
 */
export const SMALL_DEVNET_DISCOVERY_INTERVAL_MS = 1000
export const DEVNET_DISCOVERY_INTERVAL_MS = 5000
/** Nodes get this long to exit after `stop` before they are killed. */
export const NODE_STOP_TIMEOUT_MS = 5000
/**
 * Node.js flags of every node process unless `nodeFlags` says otherwise: a 2 MB young-generation
 * semi-space (V8's default grows to 16 MB) and one V8 helper thread. Together with
 * MALLOC_ARENA_MAX=2 they take ~35 MB off each node's RSS (≈150 → ≈115 MB idle) on a
 * many-process devnet; measured latency is unchanged within noise. A production node can use
 * the same through NODE_OPTIONS.
 */
export const DEFAULT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--v8-pool-size=1']
/** glibc malloc arenas per node process (see DEFAULT_NODE_FLAGS). */
export const NODE_MALLOC_ARENA_MAX = '2'
/** A snapshot request is answered within this time or the node is left out. */
export const SNAPSHOT_TIMEOUT_MS = 5000

export interface DevnetOptions {
  /** Follower nodes (the sequencer comes on top). @default DEFAULT_DEVNET_FOLLOWERS */
  followers?: number
  /** Seconds between blocks (whole seconds, like rollup.json's block_time). @default 2 */
  blockTimeSeconds?: number
  /** Where rollup.json, keys, peers and node logs go. @default DEFAULT_DEVNET_DIR */
  dir?: string
  /** Run an el-sim behind every node (Engine API driver included). @default false */
  withEl?: boolean
  /** gossipsub mesh degrees. @default op-node's 8 / 6 / 12 */
  mesh?: { d: number; lo: number; hi: number }
  /** Where nodes listen and how they are launched. @default plain loopback */
  network?: NetworkPlan
  /** @default DEVNET_CHAIN_ID */
  chainId?: number
  /** Node log level (logs go to <dir>/logs). @default 'warn' */
  logLevel?: NodeProcessConfig['logLevel']
  /** Periodic stats interval of every node. @default 1000 ms */
  statsIntervalMs?: number
  /** Node.js flags for the node processes. @default DEFAULT_NODE_FLAGS */
  nodeFlags?: string[]
  /** Block builder seed. @default 1 */
  seed?: number
}

export interface DevnetNode {
  index: number
  role: 'sequencer' | 'follower'
  peerId: string
  /** Listen multiaddrs with /p2p/<peerId> */
  addresses: string[]
  pid: number
  elUrl: string | null
  /** Head the node's el-sim confirmed (with an EL), null before the first report */
  elHead: number | null
  /** Latest periodic stats, null before the first */
  stats: NodeStats | null
  /** Highest RSS any report showed */
  peakRssBytes: number
  exited: boolean
}

/** A block the sequencer published, as its node process reported it. */
export type PublishedEvent = PublishedReport

export interface DevnetEvents {
  published: [PublishedEvent]
  block: [{ node: DevnetNode; block: BlockEvent }]
  refused: [{ node: DevnetNode; verdict: string; reason: string }]
  stats: [DevnetNode]
  el: [{ node: DevnetNode; head: number; status: string }]
  /** A node reported an error or exited unexpectedly */
  problem: [{ node: DevnetNode | null; message: string }]
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
  stop(): Promise<void>
}

class DevnetStartError extends Error {
  override readonly name = 'DevnetStartError'
}

interface Child {
  node: DevnetNode
  process: ChildProcess
  exitedPromise: Promise<void>
  /** Settles the pending initNode: null = ready, else the start failure */
  starting: ((err: Error | null) => void) | null
}

/**
 * Whether node processes run compiled JavaScript (this module runs from dist/, see
 * bin/entryPoint.js) rather than the TypeScript sources; compiled ones use ~10 MB less RSS.
 */
export const NODES_RUN_COMPILED = import.meta.url.endsWith('.js')

/** Resolves the node entry: the .ts source, or the compiled .js when running from dist/. */
function nodeEntryPath(): string {
  return new URL(`./nodeProcess.${NODES_RUN_COMPILED ? 'js' : 'ts'}`, import.meta.url).pathname
}

/** The devnet genesis: a fixed-format hash derived from the chain id and time. */
export function devnetGenesis(chainId: number, l2Time: number): ChainConfig['genesis'] {
  const hash = keccak256(new TextEncoder().encode(`op-gossip devnet genesis ${chainId} ${l2Time}`))
  return {
    l2Time,
    l2Number: 0,
    l2Hash: `0x${Buffer.from(hash).toString('hex')}`,
    l1: { number: 0, hash: `0x${'11'.repeat(32)}` },
  }
}

function toHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes).toString('hex')}`
}

/**
 * Peer targets of a devnet of `totalNodes` nodes. Followers get op-node's, the low one capped at
 * "every other node" in a small devnet so discovery idles once every node knows every other.
 * Every follower joins through the bootnode (the sequencer): with op-node's peers.hi its libp2p
 * connection cap (2 x hi) filled up at ~30-50 followers, and every later follower's dial then
 * hung until its timeout, for good. The bootnode has room for every node instead.
 */
export function devnetPeerTargets(totalNodes: number): {
  peers: { lo: number; hi: number }
  bootnodePeers: { lo: number; hi: number }
} {
  const peers = { lo: Math.min(DEFAULT_PEERS_LO, totalNodes - 1), hi: DEFAULT_PEERS_HI }
  return { peers, bootnodePeers: { lo: peers.lo, hi: Math.max(DEFAULT_PEERS_HI, totalNodes) } }
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
  if (!Number.isInteger(blockTime) || blockTime < 1) {
    throw new RangeError('blockTimeSeconds must be a whole number of seconds >= 1')
  }
  const mesh = opts.mesh ?? { d: 8, lo: 6, hi: 12 }
  const network = opts.network ?? loopbackNetwork()
  const dir = opts.dir ?? DEFAULT_DEVNET_DIR
  const logDir = join(dir, 'logs')
  mkdirSync(logDir, { recursive: true })

  const signerKey = devnetKey(DEVNET_SEQUENCER_KEY_LABEL)
  const signer = toHex(addressFromPrivateKey(signerKey))
  const chainId = opts.chainId ?? 901
  const genesis = devnetGenesis(chainId, Math.floor(Date.now() / 1000))
  const chain = createDevnetChain({
    chainId,
    blockTime,
    unsafeBlockSigner: signer,
    ...(genesis === undefined ? {} : { genesis }),
  })
  const totalNodes = followerCount + 1
  const { peers, bootnodePeers } = devnetPeerTargets(totalNodes)
  // Ed25519 identities: cheap to read in DHT messages (see generateEd25519PeerKey).
  const peerKeys = await Promise.all(
    Array.from({ length: totalNodes }, () => generateEd25519PeerKey()),
  )
  const jwtSecret = toHex(
    new Uint8Array(keccak256(new TextEncoder().encode(`jwt ${genesis?.l2Hash}`))),
  )
  const events = new EventEmitter<DevnetEvents>()
  const children = new Map<number, Child>()
  const waiters = new Map<number, (s: NodeStats) => void>()
  let stopping = false
  let snapshotId = 0

  await network.setup(totalNodes)

  function baseConfig(index: number): NodeProcessConfig {
    return {
      index,
      role: index === 0 ? 'sequencer' : 'follower',
      chain,
      peerKey: toHex(peerKeys[index] as Uint8Array),
      signer,
      listenIp: network.listenIp(index),
      listenTcpPort: 0,
      bootnodes: [],
      mesh,
      peers: index === 0 ? bootnodePeers : peers,
      discoveryIntervalMs:
        totalNodes - 1 <= peers.lo
          ? SMALL_DEVNET_DISCOVERY_INTERVAL_MS
          : DEVNET_DISCOVERY_INTERVAL_MS,
      statsIntervalMs: opts.statsIntervalMs ?? 1000,
      el: null,
      logLevel: opts.logLevel ?? 'warn',
    }
  }

  /**
   * Starts node `index`'s process. It loads its modules (the slow part of a start) right away
   * and waits for its configuration (`initNode`).
   */
  function spawnNode(index: number): Child {
    const logFd = openSync(join(logDir, index === 0 ? 'sequencer.log' : `node-${index}.log`), 'w')
    const { command, args } = network.command(index, [
      ...(opts.nodeFlags ?? DEFAULT_NODE_FLAGS),
      nodeEntryPath(),
    ])
    const proc = spawn(command, args, {
      stdio: ['ignore', logFd, logFd, 'ipc'],
      serialization: 'json',
      env: { MALLOC_ARENA_MAX: NODE_MALLOC_ARENA_MAX, ...process.env },
    })
    closeSync(logFd)
    const node: DevnetNode = {
      index,
      role: index === 0 ? 'sequencer' : 'follower',
      peerId: '',
      addresses: [],
      pid: proc.pid ?? -1,
      elUrl: null,
      elHead: null,
      stats: null,
      peakRssBytes: 0,
      exited: false,
    }
    const child: Child = {
      node,
      process: proc,
      exitedPromise: new Promise<void>((resolve) => {
        proc.once('exit', (code, sig) => {
          node.exited = true
          child.starting?.(
            new DevnetStartError(
              `node ${index} exited during start (${sig ?? `code ${code}`}); see ${logDir}`,
            ),
          )
          if (!stopping && node.peerId !== '') {
            events.emit('problem', {
              node,
              message: `node ${index} exited (${sig ?? `code ${code}`}); see ${logDir}`,
            })
          }
          resolve()
        })
      }),
      starting: null,
    }
    proc.once('error', (err) => {
      child.starting?.(new DevnetStartError(`cannot start node ${index}: ${err.message}`))
    })
    proc.on('message', (raw: unknown) => {
      const msg = raw as ChildMessage
      if (msg.type === 'ready') {
        node.peerId = msg.peerId
        node.addresses = msg.addresses
        node.pid = msg.pid
        node.elUrl = msg.elUrl
        child.starting?.(null)
        return
      }
      if (msg.type === 'error' && node.peerId === '') {
        child.starting?.(new DevnetStartError(`node ${index} failed to start: ${msg.message}`))
        return
      }
      onMessage(node, msg)
    })
    children.set(index, child)
    return child
  }

  /** Sends the configuration; resolves once the node listens and reported `ready`. */
  function initNode(
    child: Child,
    config: NodeProcessConfig,
    readyTimeoutMs: number,
  ): Promise<Child> {
    return new Promise<Child>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.starting?.(
          new DevnetStartError(`node ${config.index} not ready after ${readyTimeoutMs} ms`),
        )
      }, readyTimeoutMs)
      child.starting = (err) => {
        clearTimeout(timer)
        child.starting = null
        if (err === null) resolve(child)
        else reject(err)
      }
      if (child.node.exited) {
        child.starting(
          new DevnetStartError(`node ${config.index} exited before start; see ${logDir}`),
        )
        return
      }
      send(child.process, { type: 'init', config })
    })
  }

  function send(proc: ChildProcess, msg: ParentMessage): void {
    if (proc.connected) proc.send(msg)
  }

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
      case 'snapshot': {
        const { type: _t, index: _i, ...rest } = msg
        const stats: NodeStats = {
          peers: rest.peers,
          mesh: rest.mesh,
          backlog: rest.backlog,
          counters: rest.counters,
        }
        node.stats = stats
        node.peakRssBytes = Math.max(node.peakRssBytes, stats.counters.rssBytes)
        if (msg.type === 'stats') events.emit('stats', node)
        else waiters.get(msg.id * 1000 + node.index)?.(stats)
        return
      }
      case 'refused':
        events.emit('refused', { node, verdict: msg.event.verdict, reason: msg.event.reason })
        return
      case 'el':
        node.elHead = msg.head
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
      case 'ready':
        return
    }
  }

  async function stop(): Promise<void> {
    if (stopping) return
    stopping = true
    const all = [...children.values()]
    for (const c of all) send(c.process, { type: 'stop' })
    const timeout = new Promise<void>((resolve) =>
      setTimeout(resolve, NODE_STOP_TIMEOUT_MS).unref(),
    )
    await Promise.race([Promise.all(all.map((c) => c.exitedPromise)), timeout])
    for (const c of all) {
      if (!c.node.exited) c.process.kill('SIGKILL')
    }
    await Promise.all(all.map((c) => c.exitedPromise))
    await network.teardown()
  }

  try {
    const seqConfig: NodeProcessConfig = {
      ...baseConfig(0),
      sequencer: { signerKey: toHex(signerKey), seed: opts.seed ?? 1 },
      ...(opts.withEl === true ? { el: { jwtSecret, upstream: null } } : {}),
    }
    // Every process starts (and loads its modules) at once; followers get their configuration,
    // which names the bootnode, when the sequencer listens.
    const spawned = Array.from({ length: totalNodes }, (_, i) => spawnNode(i))
    const readyTimeout = NODE_READY_TIMEOUT_MS + NODE_READY_TIMEOUT_PER_NODE_MS * followerCount
    const sequencerChild = await initNode(spawned[0] as Child, seqConfig, readyTimeout)
    const bootnode = pickAddress(sequencerChild.node.addresses, network.listenIp(0))
    const followerChildren: Child[] = []
    for (let first = 1; first <= followerCount; first += FOLLOWER_START_WAVE_SIZE) {
      const last = Math.min(followerCount, first + FOLLOWER_START_WAVE_SIZE - 1)
      const wave = await Promise.all(
        Array.from({ length: last - first + 1 }, (_, k) => {
          const config: NodeProcessConfig = {
            ...baseConfig(first + k),
            bootnodes: [bootnode],
            ...(opts.withEl === true
              ? { el: { jwtSecret, upstream: sequencerChild.node.elUrl } }
              : {}),
          }
          return initNode(spawned[first + k] as Child, config, readyTimeout)
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
      signerKey,
      bootnode,
      nodes: [sequencer, ...followers].map((n) => ({
        index: n.index,
        role: n.role,
        peerId: n.peerId,
        address: pickAddress(n.addresses, network.listenIp(n.index)),
        pid: n.pid,
        peerKey: peerKeys[n.index] as Uint8Array,
        elUrl: n.elUrl,
      })),
      jwtSecret: opts.withEl === true ? jwtSecret : null,
    })

    return {
      chain,
      signer,
      dir,
      sequencer,
      followers,
      events,
      bootnode,
      produce(size) {
        send(sequencerChild.process, { type: 'produce', size })
      },
      pause() {
        send(sequencerChild.process, { type: 'pause' })
      },
      async snapshot() {
        const id = ++snapshotId
        const live = [...children.values()].filter((c) => !c.node.exited && c.process.connected)
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
                send(c.process, { type: 'snapshot', id })
              }),
          ),
        )
        return out
      },
      async waitForMesh(timeoutMs) {
        const want = Math.min(mesh.lo, followerCount)
        const deadline = Date.now() + timeoutMs
        const nodes = [sequencer, ...followers]
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
    if (nodes.every((n) => n.exited || (n.stats?.peers ?? 0) > 0)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The listen address on the devnet's own interface (not 0.0.0.0-derived extras). */
function pickAddress(addresses: readonly string[], ip: string): string {
  return addresses.find((a) => a.includes(`/${ip}/`)) ?? (addresses[0] as string)
}
