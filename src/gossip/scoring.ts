/**
 * Gossipsub peer scoring (op-gossip.md §5.3). Field names are gossipsub's (`PeerScoreParams`,
 * `PeerScoreThresholds`), so host.ts hands these objects to the library unchanged; every field
 * is set here, so no library default leaks in.
 *
 * `light` = op-node's peer-level parameters and thresholds, plus op-gossip's own decision: P4
 * (invalid message deliveries) on the four block topics and nothing else (no P1-P3b, so leaving
 * an old fork's topic costs nothing). With P4 = topicWeight * weight * n^2 for n rejected
 * messages on a topic:
 *
 * | rejected messages (burst) | score | effect                                               |
 * |---|---|---|
 * | 1 | -14  | below gossip (-10): no IHAVE/IWANT; pruned from our mesh; forgiven in ~22 s |
 * | 2 | -56  | below publish and graylist (-40): its RPCs are ignored                      |
 * | 3 | -126 | below ban (-100): the peer monitor bans it                                   |
 *
 * A slower spammer is banned too: a graylisted peer is heard again once its counter decays to
 * sqrt(40/14) = 1.69, and its next rejected message lifts the counter to 2.69 → -101.3. That is
 * why the weight is -14: any |weight| > (10 - sqrt(40))^2 = 13.5 gives "graylisted, then banned
 * at the next offence". The counter decays to 1% (decayToZero) in 10 minutes (half-life ~90 s
 * with 2 s blocks), so a single bad message is forgotten. Spreading spam over the four topics
 * keeps a peer graylisted rather than banned (the squares add up more slowly): still harmless.
 *
 * Only structural failures count (PENALISED_REASONS): verdicts honest op-node peers can disagree
 * with us on (signer during a rotation window, the per-node timestamp threshold, per-height and
 * already-seen counts, recovery-id rules of other clients) reach gossipsub as IGNORE, so they are
 * neither forwarded nor scored (`routerVerdict`). Our own verdict, metrics and logs keep REJECT.
 */
import type { GossipReasonCode, Verdict } from '../wire/errors.ts'
import type { HostReasonCode } from './types.ts'

export const SCORING_LEVELS = ['light', 'none'] as const
export type ScoringLevel = (typeof SCORING_LEVELS)[number]

/** op-node `PeerScoreThresholds` for `light` (op-gossip.md §5.3). */
export const OP_NODE_SCORE_THRESHOLDS = {
  gossipThreshold: -10,
  publishThreshold: -40,
  graylistThreshold: -40,
  acceptPXThreshold: 20,
  opportunisticGraftThreshold: 0.05,
} as const

/** op-node `DecayToZero`. */
export const DECAY_TO_ZERO = 0.01
/** op-node: slot falls back to 2 s when the chain's block time is 0. */
export const DEFAULT_SLOT_MS = 2000
/** op-node: an epoch is 6 slots. */
export const SLOTS_PER_EPOCH = 6
/** op-node `RetainScore`: 100 epochs. */
export const RETAIN_SCORE_EPOCHS = 100
/** op-node IP colocation: weight -35 above 10 peers on one IP. */
export const IP_COLOCATION_FACTOR_WEIGHT = -35
export const IP_COLOCATION_FACTOR_THRESHOLD = 10
/** op-node behaviour penalty: weight -16 above 6, decaying to 1% over 10 epochs. */
export const BEHAVIOUR_PENALTY_WEIGHT = -16
export const BEHAVIOUR_PENALTY_THRESHOLD = 6
export const BEHAVIOUR_PENALTY_DECAY_EPOCHS = 10

/** op-gossip P4 (see module doc): weight of the block topics and of each rejected message. */
export const BLOCK_TOPIC_WEIGHT = 1
export const INVALID_MESSAGE_DELIVERIES_WEIGHT = -14
/** P4 counter decays to DECAY_TO_ZERO (and then to 0) over this long. */
export const INVALID_MESSAGE_DELIVERIES_DECAY_MS = 10 * 60_000

/** gossipsub `TopicScoreParams` (all fields, library names). */
export interface TopicScoreConfig {
  topicWeight: number
  timeInMeshWeight: number
  timeInMeshQuantum: number
  timeInMeshCap: number
  firstMessageDeliveriesWeight: number
  firstMessageDeliveriesDecay: number
  firstMessageDeliveriesCap: number
  meshMessageDeliveriesWeight: number
  meshMessageDeliveriesDecay: number
  meshMessageDeliveriesCap: number
  meshMessageDeliveriesThreshold: number
  meshMessageDeliveriesWindow: number
  meshMessageDeliveriesActivation: number
  meshFailurePenaltyWeight: number
  meshFailurePenaltyDecay: number
  invalidMessageDeliveriesWeight: number
  invalidMessageDeliveriesDecay: number
}

/** gossipsub `PeerScoreParams` (all fields, library names; times in ms). */
export interface PeerScoreConfig {
  topics: Record<string, TopicScoreConfig>
  topicScoreCap: number
  appSpecificScore: (peerId: string) => number
  appSpecificWeight: number
  IPColocationFactorWeight: number
  IPColocationFactorThreshold: number
  IPColocationFactorWhitelist: Set<string>
  behaviourPenaltyWeight: number
  behaviourPenaltyThreshold: number
  behaviourPenaltyDecay: number
  decayInterval: number
  decayToZero: number
  retainScore: number
}

export interface PeerScoreThresholdsConfig {
  gossipThreshold: number
  publishThreshold: number
  graylistThreshold: number
  acceptPXThreshold: number
  opportunisticGraftThreshold: number
}

export interface ScoringOptions {
  level: ScoringLevel
  /**
   * Apply op-node's IP-colocation penalty. Single-host devnets must turn it off explicitly
   * (--p2p.scoring.ip-colocation=false): every node there shares 127.0.0.1.
   */
  ipColocation: boolean
  /** The chain's block time in seconds (op-node's "slot"; 0 → 2 s) */
  blockTimeSeconds: number
  /** Topics that get the P4 parameters: the chain's four block topics */
  topics: readonly string[]
}

export interface ScoringConfig {
  params: PeerScoreConfig
  thresholds: PeerScoreThresholdsConfig
}

/**
 * op-node's `ScoreDecay(duration, slot)`: the per-slot factor that shrinks a counter to
 * DECAY_TO_ZERO after `durationMs` (whole slots, as Go's duration division truncates).
 * A slot longer than the duration counts as one tick (decay to DECAY_TO_ZERO each slot): Go
 * would divide by zero and yield 0, which gossipsub refuses, and a devnet may run long slots.
 */
export function scoreDecay(durationMs: number, slotMs: number): number {
  const ticks = Math.max(1, Math.floor(durationMs / slotMs))
  return DECAY_TO_ZERO ** (1 / ticks)
}

/** op-node's slot: the block time, or 2 s when it is 0. */
export function slotMs(blockTimeSeconds: number): number {
  return blockTimeSeconds > 0 ? blockTimeSeconds * 1000 : DEFAULT_SLOT_MS
}

/** P4 only: every other topic component has weight 0 (their other fields just pass validation). */
export function blockTopicScoreParams(slot: number): TopicScoreConfig {
  return {
    topicWeight: BLOCK_TOPIC_WEIGHT,
    timeInMeshWeight: 0,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 0,
    firstMessageDeliveriesWeight: 0,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 0,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 0,
    meshMessageDeliveriesThreshold: 0,
    meshMessageDeliveriesWindow: 0,
    meshMessageDeliveriesActivation: 1000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: INVALID_MESSAGE_DELIVERIES_WEIGHT,
    invalidMessageDeliveriesDecay: scoreDecay(INVALID_MESSAGE_DELIVERIES_DECAY_MS, slot),
  }
}

/** The peer-score parameters and thresholds for a scoring level. */
export function buildScoringConfig(opts: ScoringOptions): ScoringConfig {
  const slot = slotMs(opts.blockTimeSeconds)
  const epoch = SLOTS_PER_EPOCH * slot
  const light = opts.level === 'light'
  const topics: Record<string, TopicScoreConfig> = {}
  if (light) for (const topic of opts.topics) topics[topic] = blockTopicScoreParams(slot)
  const params: PeerScoreConfig = {
    topics,
    // op-node sets no cap (0 = none); with only negative components a cap would be moot anyway.
    topicScoreCap: 0,
    // op-node's app score is fed only by req-resp sync, which op-gossip does not run.
    appSpecificScore: () => 0,
    appSpecificWeight: light ? 1 : 0,
    IPColocationFactorWeight: light && opts.ipColocation ? IP_COLOCATION_FACTOR_WEIGHT : 0,
    IPColocationFactorThreshold: IP_COLOCATION_FACTOR_THRESHOLD,
    IPColocationFactorWhitelist: new Set(),
    behaviourPenaltyWeight: light ? BEHAVIOUR_PENALTY_WEIGHT : 0,
    behaviourPenaltyThreshold: BEHAVIOUR_PENALTY_THRESHOLD,
    behaviourPenaltyDecay: scoreDecay(BEHAVIOUR_PENALTY_DECAY_EPOCHS * epoch, slot),
    decayInterval: slot,
    decayToZero: DECAY_TO_ZERO,
    retainScore: RETAIN_SCORE_EPOCHS * epoch,
  }
  return { params, thresholds: { ...OP_NODE_SCORE_THRESHOLDS } }
}

/**
 * REJECT reasons that cost the sending peer P4 score: failures no honest op-node relays (its
 * validator rejects them the same way on every node, whatever its flags or signer view).
 */
export const PENALISED_REASONS: ReadonlySet<GossipReasonCode> = new Set<GossipReasonCode>([
  'SNAPPY_BAD_HEADER',
  'SNAPPY_TOO_LARGE',
  'SNAPPY_TOO_SMALL',
  'SNAPPY_CORRUPT',
  'SSZ_INVALID',
  'BLOCK_HASH_MISMATCH',
  'WITHDRAWALS_WRONG_VERSION',
  'WITHDRAWALS_NOT_EMPTY',
  'BLOB_GAS_WRONG_VERSION',
  'BLOB_GAS_USED_MISSING',
  'BLOB_GAS_USED_NOT_ZERO',
  'EXCESS_BLOB_GAS_INVALID',
  'PARENT_BEACON_ROOT_MISSING',
  'WITHDRAWALS_ROOT_MISSING',
])

/** The verdict gossipsub is told: a REJECT that must not cost the peer score becomes IGNORE. */
export function routerVerdict(
  verdict: Verdict,
  reason: GossipReasonCode | HostReasonCode | null,
): Verdict {
  if (verdict !== 'reject') return verdict
  return reason !== null && PENALISED_REASONS.has(reason as GossipReasonCode) ? 'reject' : 'ignore'
}
