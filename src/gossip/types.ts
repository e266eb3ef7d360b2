/**
 * What the gossip host hands to the rest of the node: accepted blocks (to a consumer such as the
 * Engine API driver), verdict events and peer snapshots (for metrics and RPC). Library-free, so
 * consumers never depend on libp2p.
 */
import type { GossipReasonCode, Verdict } from '../wire/errors.ts'
import type { SignedEnvelope } from '../wire/types.ts'

/** An accepted block: the hand-off shape fixed in the project brief. */
export interface AcceptedBlock {
  envelope: SignedEnvelope
  topic: string
  /** 20-byte op-node message ID (op-gossip.md §4.1) */
  messageId: Uint8Array
  /** Peer ID (string form) of the peer that delivered it first */
  fromPeer: string
  /** Date.now() when gossipsub first handed us the message, before any queueing */
  firstSeenMs: number
  /** Date.now() when validation finished */
  validatedMs: number
}

/** Receives every block the host accepted from the network (never the node's own blocks). */
export interface BlockConsumer {
  /** Called once per accepted block. A rejected promise or throw is logged, never fatal. */
  onBlock(block: AcceptedBlock): void | Promise<void>
}

/**
 * Verdicts the host itself gives before or instead of the wire validator. Each maps to the
 * gossipsub result reported for the message.
 */
export const HostReason = {
  /** The validation queue was full when the message arrived (VALIDATION_QUEUE_MAX_LENGTH) */
  VALIDATION_QUEUE_FULL: 'ignore',
  /** No verdict by the validation deadline (VALIDATION_TIMEOUT_MS after first seen) */
  VALIDATION_TIMEOUT: 'ignore',
  /** The validator threw (the wire validator never does; it turns internal errors into REJECT) */
  VALIDATOR_ERROR: 'ignore',
} as const satisfies Record<string, Exclude<Verdict, 'accept'>>

export type HostReasonCode = keyof typeof HostReason

/** One gossip message's outcome, emitted for every message the host reports to gossipsub. */
export interface VerdictEvent {
  topic: string
  /** Hex of the 20-byte message ID */
  messageId: string
  fromPeer: string
  verdict: Verdict
  /** null for accept */
  reason: GossipReasonCode | HostReasonCode | null
  /** Block number when the message decoded that far */
  blockNumber: bigint | null
  /** 0x-hex block hash (as carried in the payload) when the message decoded that far */
  blockHash: string | null
  firstSeenMs: number
  /** Time spent waiting in the validation queue */
  queueMs: number
  /** Time spent in the validator (0 when it never ran) */
  validationMs: number
  /** First seen → verdict reported */
  totalMs: number
}

export type ConnectionDirection = 'inbound' | 'outbound'

export interface PeerSummary {
  peerId: string
  /** Direction of the oldest open connection */
  direction: ConnectionDirection
  /** Remote addresses of the open connections */
  addresses: string[]
  /** Current gossipsub peer score (0 when scoring is off) */
  score: number
  /** Configured with --p2p.static */
  isStatic: boolean
  /** identify agent version, when known */
  agentVersion: string | null
  /** Protocols the peer announced in identify (empty until identify completes) */
  protocols: string[]
  /** Round-trip time measured by libp2p's connection monitor, ms, when measured */
  latencyMs: number | null
  /** Block topics on which this peer is in our mesh */
  meshTopics: string[]
}

export interface BanEntry {
  peerId: string
  /** Date.now() at which the ban ends */
  untilMs: number
  /** Score at the time of the ban (null for a manual ban) */
  score: number | null
}
