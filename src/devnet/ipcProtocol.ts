/**
 * Messages between the devnet orchestrator (parent process) and each devnet node process
 * (./nodeProcess.ts) over Node's IPC channel (JSON serialization). Plain data only: byte strings
 * are 0x-hex, times are milliseconds on the shared high-resolution wall clock
 * (`performance.timeOrigin + performance.now()`), so values from different processes of one
 * machine compare directly.
 */
import type { ChainConfig } from '../chains/types.ts'
import type { OutboundBacklogReading } from '../gossip/hostApi.ts'

export type DevnetNodeRole = 'sequencer' | 'follower'

/**
 * How a node gets its blocks (devnet --redis): `gossip` only; `redis` = subscribes to the stream
 * and has no gossip peers; `gossip+redis` = a gossip node that also publishes to the stream.
 */
export type DevnetRoad = 'gossip' | 'redis' | 'gossip+redis'

/** The Redis road of one devnet node (docs/redis.md). */
export interface DevnetRedisConfig {
  /** redis://127.0.0.1:<port> of the devnet's own redis-server */
  url: string
  stream: string
  publish: boolean
  subscribe: boolean
}

/** Everything a node process needs to start; the parent's first message. */
export interface NodeProcessConfig {
  /** 0 = the sequencer, 1..N followers */
  index: number
  role: DevnetNodeRole
  chain: ChainConfig
  /** 32-byte secp256k1 libp2p key, 0x-hex. Never logged. */
  peerKey: `0x${string}`
  /** The sequencer's address: what every node's validator checks signatures against (0x-hex) */
  signer: `0x${string}`
  listenIp: string
  /** 0 = any free port */
  listenTcpPort: number
  /** Multiaddrs with /p2p/<peerId> (the DHT bootstrap node); empty for the bootstrap node */
  bootnodes: string[]
  mesh: { d: number; lo: number; hi: number }
  peers: { lo: number; hi: number }
  /** Discovery (DHT lookup + dial) round period while below peers.lo */
  discoveryIntervalMs: number
  /** Interval of the periodic `stats` report */
  statsIntervalMs: number
  /** Run an el-sim and the Engine API driver behind this node; null = gossip only */
  el: ElConfig | null
  /** Sequencer only */
  sequencer?: SequencerConfig
  /** How the node gets its blocks. @default 'gossip' */
  road?: DevnetRoad
  /** The node's Redis road (devnet --redis); absent = none */
  redis?: DevnetRedisConfig
  /** Extra V8/heap knobs are passed on the command line, not here. */
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug'
}

export interface ElConfig {
  /** 32-byte JWT secret shared by the devnet's el-sims, 0x-hex. Never logged. */
  jwtSecret: `0x${string}`
  /** Engine API URL of an el-sim to sync missing blocks from (the sequencer's); null for none */
  upstream: string | null
  /** Serve eth_* without a JWT too (the sequencer's el-sim as the followers' backup RPC) */
  serveHttp?: boolean
  /** devnet --gap-fill rpc: an EL without peers, gaps filled from this RPC (the sequencer's eth_*) */
  backupRpc?: string | null
}

export interface SequencerConfig {
  /** 32-byte unsafe-block signer key, 0x-hex. Never logged. */
  signerKey: `0x${string}`
  /** Seed of the block builder's transactions */
  seed: number
  /**
   * Seconds between blocks when they come faster than chain.blockTime (a sub-second block time;
   * rollup.json's block_time stays whole seconds). Absent: chain.blockTime.
   */
  intervalSeconds?: number
}

/** Parent → node. */
export type ParentMessage =
  | { type: 'init'; config: NodeProcessConfig }
  /** Reply with a `snapshot` carrying the same id */
  | { type: 'snapshot'; id: number }
  /**
   * Sequencer only: produce a block at every slot (genesis + k × blockTime) from the next one on,
   * or change the size of the blocks built from now on when already producing.
   */
  | { type: 'produce'; size: BlockSize }
  /** Stop producing (sequencer) */
  | { type: 'pause' }
  /** Stop the node and exit 0 */
  | { type: 'stop' }
  /**
   * Stop the op-gossip node only (a CL restart): the el-sim keeps running with its chain, the
   * process stays up; answered with `node-stopped`
   */
  | { type: 'stop-node' }
  /** Start the node again after `stop-node` (same key and config); answered with `ready` */
  | { type: 'restart-node' }

/** How big the sequencer's blocks are: a target size, or a transaction count. */
export type BlockSize = { blockBytes: number } | { txCount: number }

/** Cumulative counters since the process started. */
export interface NodeCountersSnapshot {
  /** High-resolution wall clock when taken */
  atMs: number
  /** Network bytes written / read by the process (TCP incl. framing), or null when unknown */
  bytesSent: number | null
  bytesReceived: number | null
  /** Gossip message copies dropped as duplicates, or null when the host cannot tell */
  duplicates: number | null
  /** Gossip messages received (every copy) and verdicts given, from the host's counters */
  messagesReceived: number
  accepted: number
  rejected: number
  ignored: number
  /**
   * Messages the validation queue had no place for: refused (IGNORE) or dropped unread while it
   * was full (absent: not reported)
   */
  queueFull?: number
  /** Messages the per-peer inbound rate limit dropped unread (absent: not reported) */
  rateLimited?: number
  /** process.cpuUsage user + system, seconds */
  cpuSeconds: number
  rssBytes: number
  heapUsedBytes: number
  /** Memory of ArrayBuffers and other objects outside the V8 heap */
  externalBytes: number
}

export interface NodeStats {
  /** Connected peers */
  peers: number
  /** Mesh peers on the topic the chain currently publishes on */
  mesh: number
  /** Gossip messages waiting for validation */
  backlog: number
  /**
   * What waits on gossipsub's per-peer outbound streams (the host's outboundBacklog(): numbers,
   * or null with the reason they cannot be read); absent: not reported
   */
  outbound?: OutboundBacklogReading
  counters: NodeCountersSnapshot
}

/** One accepted block as first seen by a node. */
export interface BlockEvent {
  blockHash: string
  number: number
  firstSeenMs: number
  /** Validation finished: the block goes to consumers; forwarding follows one socket poll later */
  validatedMs: number
  /** First seen → validation start (dispatch + queue wait) */
  queueMs: number
  validationMs: number
  fromPeer: string
  /** Decompressed message size */
  bytes: number
}

/** A refused message (not an accept), counted by reason. */
export interface VerdictCountEvent {
  verdict: 'reject' | 'ignore'
  reason: string
  /** Messages refused so far for this verdict and reason since the node's previous report */
  count: number
}

/** One block the sequencer published: what it built and how the publish call went. */
export interface PublishedReport {
  blockHash: string
  number: number
  /** Block timestamp, seconds */
  timestamp: number
  /** Shared high-resolution clock just before the publish call */
  publishedMs: number
  /** How long the publish call took (validation, then gossipsub sends to the mesh) */
  publishCallMs: number
  /**
   * How long the host's own validation of the block took inside the publish call (like
   * go-libp2p-pubsub, it validates local messages before sending anything); null if unknown
   */
  validationMs: number | null
  /** Time to build and sign the block */
  buildMs: number
  bytes: number
  compressedBytes: number
  txs: number
  /** Peers the message went out to */
  recipients: number
}

/** Node → parent. */
export type ChildMessage =
  | {
      type: 'ready'
      index: number
      peerId: string
      /** Listen multiaddrs with /p2p/<peerId> */
      addresses: string[]
      pid: number
      /** Engine API URL of the el-sim behind this node, when withEl */
      elUrl: string | null
      /** Its eth_* URL without a JWT, when it serves one (ElConfig.serveHttp) */
      elHttpUrl?: string | null
    }
  | { type: 'block'; index: number; block: BlockEvent }
  | { type: 'refused'; index: number; event: VerdictCountEvent }
  | ({ type: 'stats'; index: number } & NodeStats)
  | ({ type: 'snapshot'; index: number; id: number } & NodeStats)
  | ({ type: 'published'; index: number } & PublishedReport)
  | { type: 'publish-failed'; index: number; number: number; message: string }
  | { type: 'el'; index: number; head: number; status: string }
  | { type: 'error'; index: number; message: string; fatal: boolean }
  /** The node stopped after `stop-node`; `elHead` = its el-sim's head, kept while it is down */
  | { type: 'node-stopped'; index: number; elHead: number | null }

/** The shared clock: wall-clock milliseconds with sub-millisecond resolution. */
export function hiResNow(): number {
  return performance.timeOrigin + performance.now()
}
