/**
 * The gossip host's public face: what the composition root, the metrics and the RPC views use.
 * Library-free (no libp2p or gossipsub types), so its users never depend on the libraries;
 * host.ts implements it and re-exports these names.
 */
import type { EventEmitter } from 'node:events'
import type { Startable } from '../util/lifecycle.ts'
import type { GossipReasonCode } from '../wire/errors.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import type { AddressBlock } from './addressBlockList.ts'
import type { BanStore } from './banStore.ts'
import type { GossipHostOptions, GossipRouterParams } from './options.ts'
import type {
  AcceptedBlock,
  BanEntry,
  BlockConsumer,
  ConnectionDirection,
  PeerSummary,
  VerdictEvent,
} from './types.ts'

/** The validator the host runs (src/gossip/validator.ts's BlockValidator fits). */
export interface HostValidator {
  validate(
    topic: string,
    data: Uint8Array,
    opts?: { decompressed?: Uint8Array | null },
  ): HostValidationResult | Promise<HostValidationResult>
}

export type HostValidationResult =
  | { verdict: 'accept'; reason: null; envelope: SignedEnvelope }
  | { verdict: 'reject' | 'ignore'; reason: GossipReasonCode; envelope: SignedEnvelope | null }

/** Message counts since start (for metrics and the devnet view). */
export interface GossipHostCounters {
  /** Messages received on our topics (every copy, before de-duplication) */
  received: number
  /** Copies gossipsub dropped as already seen */
  duplicates: number
  /** Verdicts reported, by outcome */
  accepted: number
  rejected: number
  ignored: number
  /**
   * Messages the validation queue had no place for: refused (IGNORE, among `ignored`: full,
   * over a share, evicted) or, while it was full, dropped unread from a peer not preferred
   */
  queueFull: number
  /**
   * Waiting messages moved to the preferred lane because a preferred peer sent a copy of one
   * (messagePipeline.ts)
   */
  promoted: number
  /** Messages dropped unread by the per-peer inbound rate limit (not among `received`) */
  rateLimited: number
}

export interface PublishedMessage {
  topic: string
  /** Hex of the 20-byte message ID */
  messageId: string
  /** Peers the message was sent to */
  recipients: string[]
}

export interface GossipHostEvents {
  verdict: [VerdictEvent]
  block: [AcceptedBlock]
  'peer:connect': [{ peerId: string; direction: ConnectionDirection }]
  'peer:disconnect': [{ peerId: string }]
  'peer:ban': [BanEntry]
  /** A message dropped unread by the per-peer inbound rate limit (gossip/inboundRateLimit.ts) */
  'inbound:rate-limited': [{ peerId: string }]
}

/** What waits to be written on gossipsub's per-peer outbound streams, over every peer. */
export interface OutboundBacklog {
  /** Peers with an outbound gossipsub stream */
  peers: number
  /** RPCs waiting (one partly written counts) */
  messages: number
  /** Bytes waiting */
  bytes: number
  /** The most bytes waiting for a single peer */
  maxPeerBytes: number
}

/** The backlog, or null with a one-line reason (not running, library internals changed). */
export type OutboundBacklogReading =
  | { backlog: OutboundBacklog; reason: null }
  | { backlog: null; reason: string }

/** The effective router settings, read back from the running gossipsub instance. */
export interface EffectiveRouterSettings extends GossipRouterParams {
  signaturePolicy: string
  asyncValidation: boolean
  allowedTopics: string[]
  maxInboundDataLengthBytes: number
  fallbackToFloodsub: boolean
  protocols: string[]
  scoreThresholds: Record<string, number>
  scoreParams: Record<string, unknown>
}

export interface GossipHost extends Startable {
  readonly peerId: string
  readonly options: Readonly<GossipHostOptions>
  /** The chain's four block topics, v1..v4 */
  readonly topics: readonly string[]
  readonly events: EventEmitter<GossipHostEvents>
  start(): Promise<void>
  stop(): Promise<void>
  /** Listen multiaddrs including /p2p/<peerId> */
  listenAddresses(): string[]
  /** Adds a consumer of accepted blocks; returns its removal function. */
  addConsumer(consumer: BlockConsumer): () => void
  /**
   * Publishes a signed block (`data` = the Snappy-compressed gossip bytes) on the topic its
   * timestamp selects, after validating it like any received message.
   * @throws GossipHostError GOSSIP_PUBLISH_INVALID / GOSSIP_PUBLISH_DUPLICATE / GOSSIP_NOT_STARTED
   */
  publish(block: { timestamp: bigint | number; data: Uint8Array }): Promise<PublishedMessage>
  /**
   * TEST ONLY: publishes raw bytes on any topic WITHOUT local validation, to make this node a
   * misbehaving peer in tests of scoring and banning. Never call it in production code.
   */
  publishUnvalidatedForTesting(topic: string, data: Uint8Array): Promise<PublishedMessage>
  /** Dials a multiaddr (with /p2p/<peerId>); resolves to the peer ID. */
  dial(address: string): Promise<string>
  /**
   * Adds peers (multiaddrs with /p2p/<peerId>) to the peer store for the discovery dialler: the
   * seam a discv5 module feeds. Returns how many were added.
   */
  addPeers(addresses: readonly string[]): Promise<number>
  /** Connected peers (synchronous: identify results are cached as they arrive) */
  peers(): PeerSummary[]
  /** Closes every connection to the peer (it may reconnect; `ban` keeps it out). */
  disconnect(peerId: string): Promise<void>
  /** Mesh peers per block topic */
  meshPeers(): Record<string, string[]>
  peerScores(): Record<string, number>
  bans(): BanEntry[]
  ban(peerId: string, durationMs?: number): BanEntry
  unban(peerId: string): boolean
  /** IP blocks (op-node's `opp2p_blockAddr`), soonest to end first */
  blockedAddrs(): AddressBlock[]
  /**
   * Refuses the IP at the connection gater, inbound and outbound, and closes its open
   * connections. @throws BlockListError BLOCKLIST_BAD_ADDRESS / BLOCKLIST_FULL
   */
  blockAddr(ip: string, durationMs: number): AddressBlock
  /** False when the IP was not blocked */
  unblockAddr(ip: string): boolean
  /** Subnet blocks (`opp2p_blockSubnet`) as CIDR, soonest to end first */
  blockedSubnets(): AddressBlock[]
  /** Like blockAddr for a CIDR subnet. @throws BlockListError BLOCKLIST_BAD_SUBNET / BLOCKLIST_FULL */
  blockSubnet(cidr: string, durationMs: number): AddressBlock
  unblockSubnet(cidr: string): boolean
  /** Keeps the peer out of connection trimming (op-node's "api-protected" tag; not saved) */
  protectPeer(peerId: string): void
  /** False when the peer was not protected this way (static peers stay protected) */
  unprotectPeer(peerId: string): boolean
  /** Peers protected with protectPeer */
  protectedPeers(): string[]
  /**
   * Keeps bans and IP / subnet blocks in `store` across restarts, as op-node keeps them in its
   * peerstore: restores the saved ones now, saves after each change, flushes on stop.
   * @throws GossipHostError GOSSIP_BAD_OPTION once started
   */
  persistBans(store: BanStore): void
  routerSettings(): EffectiveRouterSettings
  /** Messages waiting for validation */
  readonly validationBacklog: number
  /** What waits on gossipsub's outbound streams now (read-only; never throws) */
  outboundBacklog(): OutboundBacklogReading
  counters(): GossipHostCounters
}
