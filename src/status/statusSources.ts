/**
 * The narrow read-only views of the running node that metrics, the status RPC, the health check
 * and the terminal status line read. They live apart from metrics/ and rpc/ so neither imports
 * the other; node.ts supplies them (./p2pStatusSource.ts for the gossip host), tests supply plain
 * objects. Reads are called at scrape / request time and must be cheap and never throw.
 */
import type { BanEntry, ConnectionDirection } from '../gossip/types.ts'
import type { SignerStatus } from '../signer/signerSource.ts'

/** The unsafe-block signer (signer/signerSource.ts's SignerSource fits). */
export interface SignerStatusSource {
  status(): SignerStatus
}

/** The node itself, for `opp2p_self`. */
export interface P2pSelfInfo {
  peerId: string
  /** Listen / announced multiaddrs, each ending in /p2p/<peerId> */
  addresses: string[]
  /** Protocols this node serves */
  protocols: string[]
  /** identify agent version (AGENT_VERSION) */
  agentVersion: string
  /** identify protocol version, when set */
  protocolVersion?: string
  /** Our discv5 ENR (text form), when discovery runs */
  enr?: string | null
}

/** gossipsub score components of a peer (op-node `store.GossipScores`). */
export interface PeerGossipScores {
  total: number
  /** Counters on the block topics (summed over the four), zero when never in a block mesh */
  blocks: {
    timeInMeshSeconds: number
    firstMessageDeliveries: number
    meshMessageDeliveries: number
    invalidMessageDeliveries: number
  }
  ipColocationFactor: number
  behaviouralPenalty: number
}

/** One connected peer. */
export interface P2pPeerInfo {
  peerId: string
  /** Direction of the oldest open connection */
  direction: ConnectionDirection
  /** Remote multiaddrs (without /p2p; the RPC adds it) */
  addresses: string[]
  /** Current gossipsub score (0 when scoring is off) */
  score: number
  /** Protected from trimming (static peers) */
  isProtected: boolean
  agentVersion: string | null
  protocolVersion?: string | null
  /** Negotiated protocols, when known */
  protocols?: string[]
  /** Round-trip latency (ping / identify), ms, when measured */
  latencyMs?: number | null
  /** Block topics on which this peer is in our mesh */
  meshTopics: string[]
  /** Block topics this peer is subscribed to */
  topics?: string[]
  /** The peer's discv5 ENR, when it was discovered */
  enr?: string | null
  /** Chain id from the peer's opstack ENR entry, when known */
  chainId?: number | null
  /** Score breakdown, when the host can give it */
  scores?: PeerGossipScores | null
}

/** The gossip host as the status RPC and the metrics see it. */
export interface P2pStatusSource {
  self(): P2pSelfInfo
  /** Connected peers (async: agent versions come from the peer store) */
  peers(): Promise<P2pPeerInfo[]>
  /** Connected peer count, cheap and synchronous */
  peerCount(): number
  /** Peers in the peer store, connected or not. @default peers().length */
  knownPeerCount?(): number
  /** Current bans (score bans and manual blocks), soonest to end first */
  bans(): BanEntry[]
  /** Nodes in the discovery table (0 or absent when discovery is off) */
  discoveryTableSize?(): number
  /** Manual block: refuse and disconnect the peer until unblocked. */
  blockPeer(peerId: string): void | Promise<void>
  /** Lifts a ban or block; false when the peer was not banned. */
  unblockPeer(peerId: string): boolean | Promise<boolean>
  /** Dials a multiaddr with /p2p/<peerId> and waits for the connection. */
  connectPeer(multiaddr: string, signal: AbortSignal): Promise<void>
  /** Closes every connection to the peer. */
  disconnectPeer(peerId: string): Promise<void>
  /**
   * IP and subnet blocks (`opp2p_blockAddr`, `opp2p_blockSubnet`): addresses in canonical text
   * (`192.0.2.1`, `2001:db8::1`, `10.0.0.0/8`). Absent: no connection gater (op-node's error).
   */
  blockedAddrs?(): string[]
  /** Refuses the IP until unblocked and closes its connections. */
  blockAddr?(ip: string): void | Promise<void>
  /** False when the IP was not blocked. */
  unblockAddr?(ip: string): boolean | Promise<boolean>
  blockedSubnets?(): string[]
  blockSubnet?(cidr: string): void | Promise<void>
  unblockSubnet?(cidr: string): boolean | Promise<boolean>
  /** Spares the peer from connection trimming. Absent: no connection manager. */
  protectPeer?(peerId: string): void | Promise<void>
  unprotectPeer?(peerId: string): void | Promise<void>
  /** The discovery table as `enr:` records; null (or absent) when discovery is off. */
  discoveryTable?(): string[] | null
}

/** A block header reference as the Engine driver tracks it. */
export interface HeadRef {
  hash: string
  number: number
  parentHash: string
  /** Unix seconds */
  timestamp: number
}

/** What the Engine side knows of the chain (EngineDriver.status() has this shape). */
export interface SyncStatusSnapshot {
  /** Driver state ('ready', 'el-down', 'disabled', ...) */
  state: string
  /** Newest valid block handed to the EL: the node's unsafe head (may be an EL sync target) */
  target: HeadRef | null
  /** Newest block the EL confirmed it has */
  confirmed: HeadRef | null
  safe: HeadRef | null
  finalized: HeadRef | null
  /** True while the EL syncs towards the target */
  syncing: boolean
  /** target.number - confirmed.number (0 when in sync or unknown) */
  gapBlocks: number
  /** The backup-RPC gap fill, when configured */
  gapFill?: GapFillView | null
}

/** The trusted-RPC gap fill as the status line shows it (engine/gapFill's GapFillStatus fits). */
export interface GapFillView {
  state: 'idle' | 'waiting' | 'filling' | 'backoff'
  /** Blocks between the EL head and the end of the gap */
  remainingBlocks: number
  blocksPerSecond: number
}

export interface SyncStatusSource {
  status(): SyncStatusSnapshot
}
