/**
 * op-gossip's own metrics (docs/metrics.md lists them all). Two kinds:
 * - event metrics, fed through the recorder methods (the gossip host's verdicts and bans, the
 *   block timeline, the instrumented Engine API client);
 * - state metrics (peers, mesh, scores, sync gap), read from the bound status sources at
 *   scrape time, so nobody has to push them.
 * The Engine driver's own metrics (op_gossip_engine_*) live in src/engine/metrics.ts.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { HostReason, type HostReasonCode, type VerdictEvent } from '../gossip/types.ts'
import type {
  P2pPeerInfo,
  P2pStatusSource,
  SignerStatusSource,
  SyncStatusSource,
} from '../status/statusSources.ts'
import {
  GOSSIP_REASON_CODES,
  GossipReason,
  type GossipReasonCode,
  type Verdict,
} from '../wire/errors.ts'
import { secp256k1Backend } from '../wire/secp256k1.ts'
import { topicLabel } from './libp2pMetrics.ts'

/** Block topic labels (`blocksV1`..`blocksV4`), as the style guide names the topics. */
export const BLOCK_TOPIC_LABELS = ['blocksV1', 'blocksV2', 'blocksV3', 'blocksV4'] as const

/** Every reason label a gossip verdict can carry; `none` for accept. */
export const GOSSIP_REASON_LABELS: readonly (GossipReasonCode | HostReasonCode | 'none')[] = [
  'none',
  ...GOSSIP_REASON_CODES,
  ...(Object.keys(HostReason) as HostReasonCode[]),
]

/** Why a peer was banned: its score fell below the threshold, or an operator blocked it. */
export type BanReason = 'score' | 'manual'
/** Why a ban ended: it expired, or an operator lifted it. */
export type UnbanReason = 'expired' | 'manual'

/** Later stages of an accepted block, each measured from the block's timestamp. */
export const BLOCK_STAGES = ['validated', 'new_payload', 'forkchoice'] as const
export type BlockStage = (typeof BLOCK_STAGES)[number]

/**
 * Seconds from the block timestamp to first seen / a later stage: from 1 ms, so that fast
 * deliveries (and sub-second block times) do not all land in one bucket, up to minutes.
 */
export const BLOCK_DELAY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
]
/** Validator run time / queue wait. */
export const VALIDATION_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 3,
]
/** Engine API round trips (ENGINE_CALL_TIMEOUT_MS is 8 s, plus retries). */
export const ENGINE_REQUEST_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]

export interface NodeMetricsOptions {
  /** Value of the `chain` label of op_gossip_info */
  chainName: string
  chainId: number
  /** Value of the `version` label of op_gossip_info */
  version: string
}

/** What the gossip host calls (it gets `NodeMetrics` or null). */
export interface GossipMetricsRecorder {
  /** Every verdict the host reports to gossipsub. */
  onVerdict(event: VerdictEvent): void
  onBan(reason: BanReason): void
  onUnban(reason: UnbanReason): void
  /** A message the per-peer inbound rate limit dropped unread. @default not counted */
  onInboundRateLimited?(): void
}

/** What the block timeline and the instrumented Engine API client call. */
export interface BlockMetricsRecorder {
  /** First seen minus block timestamp, seconds */
  observeArrivalDelay(seconds: number): void
  observeStageDelay(stage: BlockStage, seconds: number): void
  /** One Engine API call: method, outcome (payload status, `ok`, or an error code), seconds */
  observeEngineRequest(method: string, outcome: string, seconds: number): void
}

export interface NodeMetrics extends GossipMetricsRecorder, BlockMetricsRecorder {
  readonly registry: Registry
  /** Points the scrape-time gauges at the running node (either may be bound later or never). */
  bindSources(sources: {
    p2p?: P2pStatusSource | null
    sync?: SyncStatusSource | null
    signer?: SignerStatusSource | null
  }): void
}

function safeRead<T>(read: () => T, fallback: T): T {
  try {
    return read()
  } catch {
    return fallback // a scrape must never fail because a source hiccuped
  }
}

async function safePeers(p2p: P2pStatusSource | null): Promise<P2pPeerInfo[]> {
  if (p2p === null) return []
  try {
    return await p2p.peers()
  } catch {
    return []
  }
}

export function createNodeMetrics(registry: Registry, opts: NodeMetricsOptions): NodeMetrics {
  const registers = [registry]
  let p2p: P2pStatusSource | null = null
  let sync: SyncStatusSource | null = null
  let signer: SignerStatusSource | null = null

  const info = new Gauge({
    name: 'op_gossip_info',
    help: 'Always 1; labels carry the version, the chain and the secp256k1 backend',
    labelNames: ['version', 'chain', 'chain_id', 'secp256k1'],
    registers,
  })
  info.set(
    {
      version: opts.version,
      chain: opts.chainName,
      chain_id: String(opts.chainId),
      secp256k1: secp256k1Backend.name,
    },
    1,
  )

  // --- peers (scrape time) ---
  const peers = new Gauge({
    name: 'op_gossip_peers',
    help: 'Connected peers by direction of the oldest connection',
    labelNames: ['direction'],
    registers,
    async collect() {
      const list = await safePeers(p2p)
      let inbound = 0
      for (const p of list) if (p.direction === 'inbound') inbound++
      this.set({ direction: 'inbound' }, inbound)
      this.set({ direction: 'outbound' }, list.length - inbound)
    },
  })
  peers.set({ direction: 'inbound' }, 0)
  peers.set({ direction: 'outbound' }, 0)

  const meshPeers = new Gauge({
    name: 'op_gossip_mesh_peers',
    help: 'Peers in our gossipsub mesh per block topic',
    labelNames: ['topic'],
    registers,
    async collect() {
      const counts = new Map<string, number>(BLOCK_TOPIC_LABELS.map((t) => [t, 0]))
      const list = await safePeers(p2p)
      for (const p of list) {
        for (const t of p.meshTopics) {
          const label = topicLabel(t)
          counts.set(label, (counts.get(label) ?? 0) + 1)
        }
      }
      for (const [topic, n] of counts) this.set({ topic }, n)
    },
  })
  for (const topic of BLOCK_TOPIC_LABELS) meshPeers.set({ topic }, 0)

  // One series per connected peer (at most --p2p.peers.hi and a few): a gauge of the current
  // value, where a histogram reset at every scrape would break rate() and sums over time.
  new Gauge({
    name: 'op_gossip_peer_score',
    help: 'gossipsub score of each connected peer at scrape time (op-node graylists below -40 and bans below -100 by default)',
    labelNames: ['peer'],
    registers,
    async collect() {
      const list = await safePeers(p2p)
      this.reset() // peers that left drop out
      for (const p of list) this.set({ peer: p.peerId }, p.score)
    },
  })

  const bannedPeers = new Gauge({
    name: 'op_gossip_banned_peers',
    help: 'Peers currently banned (score bans and manual blocks)',
    registers,
    collect() {
      this.set(p2p === null ? 0 : safeRead(() => p2p!.bans().length, 0))
    },
  })
  bannedPeers.set(0)

  const bans = new Counter({
    name: 'op_gossip_peer_bans_total',
    help: 'Peer bans by reason (score below the ban threshold, or manual opp2p_blockPeer)',
    labelNames: ['reason'],
    registers,
  })
  const unbans = new Counter({
    name: 'op_gossip_peer_unbans_total',
    help: 'Ended peer bans by reason (expired, or manual opp2p_unblockPeer)',
    labelNames: ['reason'],
    registers,
  })
  for (const reason of ['score', 'manual'] as const) bans.inc({ reason }, 0)
  for (const reason of ['expired', 'manual'] as const) unbans.inc({ reason }, 0)

  // --- gossip messages (events) ---
  const messages = new Counter({
    name: 'op_gossip_gossip_messages_total',
    help: 'Block gossip messages by topic, verdict and reject/ignore reason code',
    labelNames: ['topic', 'verdict', 'reason'],
    registers,
  })
  for (const topic of BLOCK_TOPIC_LABELS) {
    for (const reason of GOSSIP_REASON_LABELS) {
      const verdict: Verdict =
        reason === 'none'
          ? 'accept'
          : reason in GossipReason
            ? GossipReason[reason as GossipReasonCode]
            : HostReason[reason as HostReasonCode]
      messages.inc({ topic, verdict, reason }, 0)
    }
  }
  const rateLimited = new Counter({
    name: 'op_gossip_gossip_inbound_rate_limited_total',
    help: 'Block gossip messages dropped unread (no message ID, no verdict) by the per-peer inbound rate limit',
    registers,
  })
  rateLimited.inc(0)
  const validationSeconds = new Histogram({
    name: 'op_gossip_gossip_validation_duration_seconds',
    help: 'Time the validator spent on one message',
    buckets: VALIDATION_BUCKETS_SECONDS,
    registers,
  })
  const queueSeconds = new Histogram({
    name: 'op_gossip_gossip_validation_queue_seconds',
    help: 'Time a message waited in the validation queue',
    buckets: VALIDATION_BUCKETS_SECONDS,
    registers,
  })

  // --- blocks (events) ---
  const arrivalDelay = new Histogram({
    name: 'op_gossip_block_arrival_delay_seconds',
    help: 'First seen on gossip minus the block timestamp (accepted blocks)',
    buckets: BLOCK_DELAY_BUCKETS_SECONDS,
    registers,
  })
  const stageDelay = new Histogram({
    name: 'op_gossip_block_stage_delay_seconds',
    help: 'Time of a later stage minus the block timestamp: validated, newPayload answered, forkchoiceUpdated answered',
    labelNames: ['stage'],
    buckets: BLOCK_DELAY_BUCKETS_SECONDS,
    registers,
  })
  for (const stage of BLOCK_STAGES) stageDelay.zero({ stage })

  // --- engine (events + scrape time) ---
  const engineRequests = new Histogram({
    name: 'op_gossip_engine_request_duration_seconds',
    help: 'Engine API call duration by method and outcome (payload status, ok, or error code)',
    labelNames: ['method', 'outcome'],
    buckets: ENGINE_REQUEST_BUCKETS_SECONDS,
    registers,
  })
  new Gauge({
    name: 'op_gossip_unsafe_head_block_number',
    help: 'Unsafe head: the newest valid block handed to the EL, or, on a relay without an EL, the newest accepted block; 0 before the first',
    registers,
    collect() {
      this.set(sync === null ? 0 : safeRead(() => sync!.status().target?.number ?? 0, 0))
    },
  })
  const gapBlocks = new Gauge({
    name: 'op_gossip_engine_gap_blocks',
    help: 'Blocks between the unsafe head (target) and the EL-confirmed head',
    registers,
    collect() {
      this.set(sync === null ? 0 : safeRead(() => sync!.status().gapBlocks, 0))
    },
  })
  gapBlocks.set(0)

  // --- unsafe-block signer (scrape time) ---
  new Gauge({
    name: 'op_gossip_signer_info',
    help: 'Always 1 while a signer source is bound; labels: the current signer (none when unset), the previous signer inside its rotation grace window (none otherwise), and where the current one came from',
    labelNames: ['signer', 'previous_signer', 'origin'],
    registers,
    collect() {
      this.reset()
      const s = signer === null ? null : safeRead(() => signer!.status(), null)
      if (s === null) return
      this.set(
        {
          signer: s.signer ?? 'none',
          previous_signer: s.previousSigner ?? 'none',
          origin: s.origin,
        },
        1,
      )
    },
  })
  new Gauge({
    name: 'op_gossip_signer_grace_window_end_seconds',
    help: 'Unix time when the previous signer stops being accepted; 0 when no grace window is open',
    registers,
    collect() {
      const end =
        signer === null ? null : safeRead(() => signer!.status().graceWindowEndsAtMs, null)
      this.set(end === null ? 0 : end / 1000)
    },
  })

  return {
    registry,
    bindSources(sources) {
      if (sources.p2p !== undefined) p2p = sources.p2p
      if (sources.sync !== undefined) sync = sources.sync
      if (sources.signer !== undefined) signer = sources.signer
    },
    onVerdict(event) {
      const reason = event.reason ?? 'none'
      messages.inc({ topic: topicLabel(event.topic), verdict: event.verdict, reason })
      if (event.validationMs > 0) validationSeconds.observe(event.validationMs / 1000)
      queueSeconds.observe(Math.max(0, event.queueMs) / 1000)
    },
    onBan(reason) {
      bans.inc({ reason })
    },
    onUnban(reason) {
      unbans.inc({ reason })
    },
    onInboundRateLimited() {
      rateLimited.inc()
    },
    observeArrivalDelay(seconds) {
      arrivalDelay.observe(seconds)
    },
    observeStageDelay(stage, seconds) {
      stageDelay.observe({ stage }, seconds)
    },
    observeEngineRequest(method, outcome, seconds) {
      engineRequests.observe({ method, outcome }, seconds)
    },
  }
}
