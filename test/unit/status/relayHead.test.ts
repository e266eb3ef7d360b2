import { describe, expect, it } from 'vitest'
import type { AcceptedBlock } from '../../../src/gossip/types.ts'
import { createMetricsRegistry } from '../../../src/metrics/metricsRegistry.ts'
import { createNodeMetrics } from '../../../src/metrics/nodeMetrics.ts'
import { syncStatusJson } from '../../../src/rpc/syncStatusApi.ts'
import { createRelayHead, RELAY_SYNC_STATE } from '../../../src/status/relayHead.ts'
import type { ExecutionPayload } from '../../../src/wire/types.ts'
import { metricValue, parseMetrics } from '../metrics/promText.ts'

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill)

/** An accepted block with the fields a head reads; the rest zero. */
function accepted(number: number): AcceptedBlock {
  const payload: ExecutionPayload = {
    parentHash: bytes(32, number - 1),
    feeRecipient: bytes(20, 0),
    stateRoot: bytes(32, 0),
    receiptsRoot: bytes(32, 0),
    logsBloom: bytes(256, 0),
    prevRandao: bytes(32, 0),
    blockNumber: BigInt(number),
    gasLimit: 0n,
    gasUsed: 0n,
    timestamp: BigInt(1_700_000_000 + number * 2),
    extraData: new Uint8Array(0),
    baseFeePerGas: 0n,
    blockHash: bytes(32, number),
    transactions: [],
  }
  return {
    envelope: { version: 1, signature: bytes(65, 0), payload, signedBytes: new Uint8Array(0) },
    topic: '/optimism/901/0/blocks',
    messageId: bytes(20, 0),
    fromPeer: 'peer',
    firstSeenMs: 0,
    validatedMs: 0,
  }
}

const hashOf = (fill: number) => `0x${fill.toString(16).padStart(2, '0').repeat(32)}`

describe('status / relayHead', () => {
  it('reports no head before the first block, then the highest accepted block', () => {
    const head = createRelayHead()
    expect(head.status()).toEqual({
      state: RELAY_SYNC_STATE,
      target: null,
      confirmed: null,
      safe: null,
      finalized: null,
      syncing: false,
      gapBlocks: 0,
    })
    head.onBlock(accepted(7))
    head.onBlock(accepted(9))
    head.onBlock(accepted(8)) // late: not the head
    expect(head.status().target).toEqual({
      hash: hashOf(9),
      number: 9,
      parentHash: hashOf(8),
      timestamp: 1_700_000_018,
    })
  })

  it('is the unsafe head of optimism_syncStatus on a relay without an EL', () => {
    const head = createRelayHead()
    expect(syncStatusJson({ sync: head }).unsafe_l2.number).toBe(0)
    head.onBlock(accepted(12))
    const status = syncStatusJson({ sync: head })
    expect(status.unsafe_l2).toMatchObject({
      number: 12,
      hash: hashOf(12),
      timestamp: 1_700_000_024,
    })
    expect(status.cross_unsafe_l2).toEqual(status.unsafe_l2)
    expect(status.safe_l2.number).toBe(0)
  })

  it('is op_gossip_unsafe_head_block_number on a relay without an EL', async () => {
    const registry = createMetricsRegistry({ processMetrics: false })
    const metrics = createNodeMetrics(registry, { chainName: 'devnet', chainId: 901, version: 't' })
    const scrape = async () => parseMetrics(await registry.metrics())
    expect(metricValue(await scrape(), 'op_gossip_unsafe_head_block_number')).toBe(0)
    const head = createRelayHead()
    metrics.bindSources({ sync: head })
    head.onBlock(accepted(5))
    expect(metricValue(await scrape(), 'op_gossip_unsafe_head_block_number')).toBe(5)
    expect(metricValue(await scrape(), 'op_gossip_engine_gap_blocks')).toBe(0)
  })
})
