import { describe, expect, it } from 'vitest'
import type { BanEntry, VerdictEvent } from '../../../src/gossip/types.ts'
import { createMetricsRegistry } from '../../../src/metrics/metricsRegistry.ts'
import {
  BLOCK_TOPIC_LABELS,
  createNodeMetrics,
  GOSSIP_REASON_LABELS,
} from '../../../src/metrics/nodeMetrics.ts'
import type { SignerStatus } from '../../../src/signer/signerSource.ts'
import type {
  P2pPeerInfo,
  P2pStatusSource,
  SyncStatusSnapshot,
} from '../../../src/status/statusSources.ts'
import { GOSSIP_REASON_CODES } from '../../../src/wire/errors.ts'
import { secp256k1Backend } from '../../../src/wire/secp256k1.ts'
import { blocksTopic } from '../../../src/wire/topics.ts'
import { metricValue, parseMetrics } from './promText.ts'

const CHAIN_ID = 901

function setup() {
  const registry = createMetricsRegistry({ processMetrics: false })
  const metrics = createNodeMetrics(registry, {
    chainName: 'devnet',
    chainId: CHAIN_ID,
    version: '1.2.3',
  })
  return { registry, metrics, scrape: async () => parseMetrics(await registry.metrics()) }
}

function verdict(over: Partial<VerdictEvent>): VerdictEvent {
  return {
    topic: blocksTopic(CHAIN_ID, 3),
    messageId: '00'.repeat(20),
    fromPeer: 'peer',
    verdict: 'accept',
    reason: null,
    blockNumber: 1n,
    blockHash: null,
    firstSeenMs: 0,
    queueMs: 2,
    validationMs: 3,
    totalMs: 5,
    ...over,
  }
}

function peer(over: Partial<P2pPeerInfo>): P2pPeerInfo {
  return {
    peerId: 'p',
    direction: 'outbound',
    addresses: [],
    score: 0,
    isProtected: false,
    agentVersion: null,
    meshTopics: [],
    ...over,
  }
}

function p2pSource(peers: P2pPeerInfo[], bans: BanEntry[] = []): P2pStatusSource {
  return {
    self: () => ({ peerId: 'self', addresses: [], protocols: [], agentVersion: 'x' }),
    peers: async () => peers,
    peerCount: () => peers.length,
    bans: () => bans,
    blockPeer: () => {},
    unblockPeer: () => false,
    connectPeer: async () => {},
    disconnectPeer: async () => {},
  }
}

describe('metrics / nodeMetrics', () => {
  it('uses its own registry: two nodes in one process do not collide', async () => {
    const a = setup()
    const b = setup()
    a.metrics.onVerdict(verdict({}))
    expect(
      metricValue(await a.scrape(), 'op_gossip_gossip_messages_total', {
        topic: 'blocksV3',
        verdict: 'accept',
        reason: 'none',
      }),
    ).toBe(1)
    expect(
      metricValue(await b.scrape(), 'op_gossip_gossip_messages_total', {
        topic: 'blocksV3',
        verdict: 'accept',
        reason: 'none',
      }),
    ).toBe(0)
  })

  it('exposes every topic × reason series from the start, with the verdict each reason implies', async () => {
    const { scrape } = setup()
    const samples = await scrape()
    const series = samples.filter((s) => s.name === 'op_gossip_gossip_messages_total')
    expect(series).toHaveLength(BLOCK_TOPIC_LABELS.length * GOSSIP_REASON_LABELS.length)
    for (const code of GOSSIP_REASON_CODES) {
      expect(series.some((s) => s.labels.reason === code && s.labels.topic === 'blocksV1')).toBe(
        true,
      )
    }
    expect(series.find((s) => s.labels.reason === 'DUPLICATE_BLOCK')?.labels.verdict).toBe('ignore')
    expect(series.find((s) => s.labels.reason === 'BAD_SIGNATURE')?.labels.verdict).toBe('reject')
    expect(series.find((s) => s.labels.reason === 'VALIDATION_QUEUE_FULL')?.labels.verdict).toBe(
      'ignore',
    )
    expect(
      metricValue(samples, 'op_gossip_info', {
        version: '1.2.3',
        chain: 'devnet',
        chain_id: '901',
        secp256k1: secp256k1Backend.name,
      }),
    ).toBe(1)
    expect(['libsecp256k1', 'noble']).toContain(secp256k1Backend.name)
  })

  it('counts verdicts by topic, verdict and reason, and times validation and queueing', async () => {
    const { metrics, scrape } = setup()
    metrics.onVerdict(verdict({}))
    metrics.onVerdict(
      verdict({
        topic: blocksTopic(CHAIN_ID, 4),
        verdict: 'reject',
        reason: 'WRONG_SIGNER',
        validationMs: 1,
      }),
    )
    metrics.onVerdict(
      verdict({ verdict: 'ignore', reason: 'VALIDATION_QUEUE_FULL', validationMs: 0, queueMs: 0 }),
    )
    metrics.onVerdict(
      verdict({ topic: '/other/topic', verdict: 'reject', reason: 'UNKNOWN_TOPIC' }),
    )
    const s = await scrape()
    const m = (labels: Record<string, string>) =>
      metricValue(s, 'op_gossip_gossip_messages_total', labels)
    expect(m({ topic: 'blocksV3', verdict: 'accept', reason: 'none' })).toBe(1)
    expect(m({ topic: 'blocksV4', verdict: 'reject', reason: 'WRONG_SIGNER' })).toBe(1)
    expect(m({ topic: 'blocksV3', verdict: 'ignore', reason: 'VALIDATION_QUEUE_FULL' })).toBe(1)
    expect(m({ topic: 'other', verdict: 'reject', reason: 'UNKNOWN_TOPIC' })).toBe(1)
    // The queue-full message never reached the validator: 3 validations, 4 queue waits.
    expect(metricValue(s, 'op_gossip_gossip_validation_duration_seconds_count')).toBe(3)
    expect(metricValue(s, 'op_gossip_gossip_validation_duration_seconds_sum')).toBeCloseTo(0.007, 6)
    expect(metricValue(s, 'op_gossip_gossip_validation_queue_seconds_count')).toBe(4)
  })

  it('reads peers, mesh, scores and bans from the bound source at scrape time', async () => {
    const { metrics, scrape } = setup()
    let s = await scrape()
    expect(metricValue(s, 'op_gossip_peers', { direction: 'inbound' })).toBe(0)
    const v3 = blocksTopic(CHAIN_ID, 3)
    const v4 = blocksTopic(CHAIN_ID, 4)
    const peers = [
      peer({ peerId: 'a', direction: 'inbound', score: -50, meshTopics: [v3, v4] }),
      peer({ peerId: 'b', direction: 'outbound', score: 5, meshTopics: [v4] }),
      peer({ peerId: 'c', direction: 'outbound', score: 0.5 }),
    ]
    const bans: BanEntry[] = [{ peerId: 'z', untilMs: 1, score: -200 }]
    metrics.bindSources({ p2p: p2pSource(peers, bans) })
    s = await scrape()
    expect(metricValue(s, 'op_gossip_peers', { direction: 'inbound' })).toBe(1)
    expect(metricValue(s, 'op_gossip_peers', { direction: 'outbound' })).toBe(2)
    expect(metricValue(s, 'op_gossip_mesh_peers', { topic: 'blocksV3' })).toBe(1)
    expect(metricValue(s, 'op_gossip_mesh_peers', { topic: 'blocksV4' })).toBe(2)
    expect(metricValue(s, 'op_gossip_mesh_peers', { topic: 'blocksV1' })).toBe(0)
    expect(metricValue(s, 'op_gossip_banned_peers')).toBe(1)
    // One gauge per connected peer, its current score.
    const scores = () => s.filter((x) => x.name === 'op_gossip_peer_score')
    expect(scores()).toHaveLength(3)
    expect(metricValue(s, 'op_gossip_peer_score', { peer: 'a' })).toBe(-50)
    expect(metricValue(s, 'op_gossip_peer_score', { peer: 'b' })).toBe(5)
    expect(metricValue(s, 'op_gossip_peer_score', { peer: 'c' })).toBe(0.5)
    // The scores are the current ones, not an accumulation over scrapes.
    peers.pop()
    s = await scrape()
    expect(scores()).toHaveLength(2)
    expect(metricValue(s, 'op_gossip_peer_score', { peer: 'c' })).toBeUndefined()
  })

  it('survives a failing source (the scrape still answers)', async () => {
    const { metrics, scrape } = setup()
    const broken = p2pSource([])
    broken.peers = async () => {
      throw new Error('host stopped')
    }
    broken.bans = () => {
      throw new Error('host stopped')
    }
    metrics.bindSources({
      p2p: broken,
      sync: {
        status: () => {
          throw new Error('gone')
        },
      },
    })
    const s = await scrape()
    expect(metricValue(s, 'op_gossip_peers', { direction: 'outbound' })).toBe(0)
    expect(metricValue(s, 'op_gossip_engine_gap_blocks')).toBe(0)
  })

  it('counts messages the inbound rate limit dropped, from zero', async () => {
    const { metrics, scrape } = setup()
    expect(metricValue(await scrape(), 'op_gossip_gossip_inbound_rate_limited_total')).toBe(0)
    metrics.onInboundRateLimited?.()
    metrics.onInboundRateLimited?.()
    expect(metricValue(await scrape(), 'op_gossip_gossip_inbound_rate_limited_total')).toBe(2)
  })

  it('counts bans and unbans by reason, and reads the EL gap', async () => {
    const { metrics, scrape } = setup()
    metrics.onBan('score')
    metrics.onBan('score')
    metrics.onBan('manual')
    metrics.onUnban('expired')
    const status: SyncStatusSnapshot = {
      state: 'ready',
      target: null,
      confirmed: null,
      safe: null,
      finalized: null,
      syncing: true,
      gapBlocks: 42,
    }
    metrics.bindSources({ sync: { status: () => status } })
    const s = await scrape()
    expect(metricValue(s, 'op_gossip_peer_bans_total', { reason: 'score' })).toBe(2)
    expect(metricValue(s, 'op_gossip_peer_bans_total', { reason: 'manual' })).toBe(1)
    expect(metricValue(s, 'op_gossip_peer_unbans_total', { reason: 'expired' })).toBe(1)
    expect(metricValue(s, 'op_gossip_peer_unbans_total', { reason: 'manual' })).toBe(0)
    expect(metricValue(s, 'op_gossip_engine_gap_blocks')).toBe(42)
  })

  it('shows the signer, the previous one in its grace window and when the window ends', async () => {
    const { metrics, scrape } = setup()
    const A = `0x${'aa'.repeat(20)}` as const
    const B = `0x${'bb'.repeat(20)}` as const
    let status: SignerStatus = {
      signer: B,
      origin: 'l1',
      previousSigner: A,
      graceWindowEndsAtMs: 1_800_000_000_500,
      gracePeriodMs: 10_800_000,
    }
    metrics.bindSources({ signer: { status: () => status } })
    let s = await scrape()
    expect(
      metricValue(s, 'op_gossip_signer_info', { signer: B, previous_signer: A, origin: 'l1' }),
    ).toBe(1)
    expect(metricValue(s, 'op_gossip_signer_grace_window_end_seconds')).toBe(1_800_000_000.5)
    status = { ...status, previousSigner: null, graceWindowEndsAtMs: null }
    s = await scrape()
    // The old label set is gone, not left at 1 beside the new one.
    expect(s).not.toContain(`previous_signer="${A}"`)
    expect(
      metricValue(s, 'op_gossip_signer_info', { signer: B, previous_signer: 'none', origin: 'l1' }),
    ).toBe(1)
    expect(metricValue(s, 'op_gossip_signer_grace_window_end_seconds')).toBe(0)
  })

  it('records block delays per stage and Engine API calls by method and outcome', async () => {
    const { metrics, scrape } = setup()
    metrics.observeArrivalDelay(0.8)
    metrics.observeArrivalDelay(2.5)
    metrics.observeArrivalDelay(0.0008)
    metrics.observeArrivalDelay(0.004)
    metrics.observeStageDelay('validated', 0.81)
    metrics.observeStageDelay('new_payload', 0.9)
    metrics.observeStageDelay('forkchoice', 0.95)
    metrics.observeEngineRequest('engine_newPayloadV3', 'VALID', 0.02)
    metrics.observeEngineRequest('engine_forkchoiceUpdatedV3', 'SYNCING', 0.004)
    metrics.observeEngineRequest('engine_newPayloadV3', 'ENGINE_TIMEOUT', 8)
    const s = await scrape()
    expect(metricValue(s, 'op_gossip_block_arrival_delay_seconds_count')).toBe(4)
    // Millisecond deliveries get buckets of their own, not one bucket below 100 ms.
    expect(metricValue(s, 'op_gossip_block_arrival_delay_seconds_bucket', { le: '0.001' })).toBe(1)
    expect(metricValue(s, 'op_gossip_block_arrival_delay_seconds_bucket', { le: '0.005' })).toBe(2)
    expect(metricValue(s, 'op_gossip_block_arrival_delay_seconds_bucket', { le: '1' })).toBe(3)
    expect(metricValue(s, 'op_gossip_block_arrival_delay_seconds_bucket', { le: '5' })).toBe(4)
    for (const stage of ['validated', 'new_payload', 'forkchoice']) {
      expect(metricValue(s, 'op_gossip_block_stage_delay_seconds_count', { stage })).toBe(1)
    }
    const dur = (method: string, outcome: string) =>
      metricValue(s, 'op_gossip_engine_request_duration_seconds_count', { method, outcome })
    expect(dur('engine_newPayloadV3', 'VALID')).toBe(1)
    expect(dur('engine_forkchoiceUpdatedV3', 'SYNCING')).toBe(1)
    expect(dur('engine_newPayloadV3', 'ENGINE_TIMEOUT')).toBe(1)
  })

  it('adds prefixed process metrics (RSS, event-loop lag) when asked', async () => {
    const registry = createMetricsRegistry()
    const names = new Set(parseMetrics(await registry.metrics()).map((s) => s.name))
    expect(names.has('op_gossip_process_resident_memory_bytes')).toBe(true)
    expect(names.has('op_gossip_nodejs_eventloop_lag_seconds')).toBe(true)
    expect(names.has('op_gossip_nodejs_eventloop_lag_p99_seconds')).toBe(true)
    expect([...names].every((n) => n.startsWith('op_gossip_'))).toBe(true)
  })
})
