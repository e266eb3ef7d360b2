import { describe, expect, it } from 'vitest'
import { type BuiltBlock, createBlockBuilder, devnetKey } from '../../../src/blocks/blockBuilder.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import type { AcceptedBlock } from '../../../src/gossip/types.ts'
import {
  BLOCK_LOG_MESSAGE,
  engineOutcome,
  formatBlockLogLine,
} from '../../../src/metrics/blockLog.ts'
import { BlockTimeline, bytesToHex } from '../../../src/metrics/blockTimeline.ts'
import { createMetricsRegistry } from '../../../src/metrics/metricsRegistry.ts'
import { createNodeMetrics } from '../../../src/metrics/nodeMetrics.ts'
import { captureLogs } from './logCapture.ts'
import { metricValue, parseMetrics } from './promText.ts'

const T0 = 1_700_000_000
const chain = createDevnetChain({ blockTime: 2 })
const flush = () => new Promise((r) => setImmediate(r))

function blocks(n: number): BuiltBlock[] {
  const b = createBlockBuilder({
    chain,
    privateKey: devnetKey('timeline'),
    txCount: 1,
    startTimestamp: BigInt(T0),
  })
  return Array.from({ length: n }, () => b.next())
}

function accepted(
  b: BuiltBlock,
  firstSeenMs: number,
  validatedMs = firstSeenMs + 5,
): AcceptedBlock {
  return {
    envelope: b.envelope,
    topic: b.topic,
    messageId: new Uint8Array(20),
    fromPeer: '16Uiu2HAmPeer',
    firstSeenMs,
    validatedMs,
  }
}

function setup(engineEnabled = true) {
  let now = T0 * 1000
  const registry = createMetricsRegistry({ processMetrics: false })
  const metrics = createNodeMetrics(registry, {
    chainName: 'devnet',
    chainId: chain.chainId,
    version: 't',
  })
  const logs = captureLogs('json', 'info')
  const timeline = new BlockTimeline(
    { engineEnabled, outcomeWaitMs: 10_000, maxBlocks: 4 },
    { log: logs.log, metrics, now: () => now },
  )
  return {
    timeline,
    logs,
    setNow: (ms: number) => {
      now = ms
    },
    scrape: async () => parseMetrics(await registry.metrics()),
  }
}

describe('metrics / blockTimeline', () => {
  it('logs one line per block once the EL answered, with every stage delay measured from the timestamp', async () => {
    const t = setup()
    const [b] = blocks(1) as [BuiltBlock]
    const ts = Number(b.timestamp) * 1000
    const hash = bytesToHex(b.blockHash)
    t.timeline.onAccepted(accepted(b, ts + 800, ts + 812))
    t.setNow(ts + 830)
    t.timeline.onNewPayload(hash.toUpperCase().replace('0X', '0x'), 'VALID')
    await flush()
    expect(t.logs.lines).toHaveLength(0) // waits for the forkchoice answer
    t.setNow(ts + 845)
    t.timeline.onForkchoice(hash, 'VALID')
    await flush()
    expect(t.logs.lines).toHaveLength(1)
    expect(t.logs.lines[0]).toMatchObject({
      level: 30,
      msg: BLOCK_LOG_MESSAGE,
      number: Number(b.blockNumber),
      hash,
      peer: '16Uiu2HAmPeer',
      arrivalDelayMs: 800,
      validationMs: 12,
      engine: 'VALID',
      newPayload: 'VALID',
      forkchoice: 'VALID',
      engineMs: 45,
    })
    const s = await t.scrape()
    expect(metricValue(s, 'op_gossip_block_arrival_delay_seconds_sum')).toBeCloseTo(0.8, 6)
    expect(
      metricValue(s, 'op_gossip_block_stage_delay_seconds_sum', { stage: 'validated' }),
    ).toBeCloseTo(0.812, 6)
    expect(
      metricValue(s, 'op_gossip_block_stage_delay_seconds_sum', { stage: 'new_payload' }),
    ).toBeCloseTo(0.83, 6)
    expect(
      metricValue(s, 'op_gossip_block_stage_delay_seconds_sum', { stage: 'forkchoice' }),
    ).toBeCloseTo(0.845, 6)
    expect(t.timeline.last()).toMatchObject({ number: Number(b.blockNumber), arrivalDelayMs: 800 })
    expect(t.timeline.pending).toBe(0)
  })

  it('settles the blocks below a confirmed head, and INVALID blocks at once', async () => {
    const t = setup()
    const [b1, b2, b3] = blocks(3) as [BuiltBlock, BuiltBlock, BuiltBlock]
    for (const b of [b1, b2, b3])
      t.timeline.onAccepted(accepted(b, Number(b.timestamp) * 1000 + 100))
    t.timeline.onNewPayload(bytesToHex(b1.blockHash), 'VALID')
    t.timeline.onNewPayload(bytesToHex(b3.blockHash), 'INVALID')
    await flush()
    expect(t.logs.lines.map((l) => [l.number, l.engine])).toEqual([
      [Number(b3.blockNumber), 'INVALID'],
    ])
    // FCU to b2 (sent without its own newPayload answer recorded, e.g. stale): b1 and b2 settle.
    t.timeline.onForkchoice(bytesToHex(b2.blockHash), 'SYNCING')
    await flush()
    expect(t.logs.lines.map((l) => [l.number, l.engine])).toEqual([
      [Number(b3.blockNumber), 'INVALID'],
      [Number(b1.blockNumber), 'VALID'],
      [Number(b2.blockNumber), 'SYNCING'],
    ])
    expect(t.timeline.pending).toBe(0)
  })

  it('logs blocks with no engine answer after the wait, and the oldest when too many wait', async () => {
    const t = setup()
    const list = blocks(6)
    const [b0] = list as [BuiltBlock]
    t.timeline.onAccepted(accepted(b0, T0 * 1000 + 100))
    t.setNow(T0 * 1000 + 100 + 9_999)
    t.timeline.sweep()
    await flush()
    expect(t.logs.lines).toHaveLength(0)
    t.setNow(T0 * 1000 + 100 + 10_006)
    t.timeline.sweep()
    await flush()
    expect(t.logs.lines[0]).toMatchObject({ number: Number(b0.blockNumber), engine: 'not_sent' })
    expect(t.logs.lines[0]).not.toHaveProperty('newPayload')
    // maxBlocks is 4: the 5th waiting block pushes the oldest out.
    for (const b of list.slice(1))
      t.timeline.onAccepted(accepted(b, Number(b.timestamp) * 1000 + 100))
    await flush()
    expect(t.logs.lines).toHaveLength(2)
    expect(t.logs.lines[1]?.number).toBe(Number(list[1]?.blockNumber))
    expect(t.timeline.pending).toBe(4)
    t.timeline.stop()
    await flush()
    expect(t.logs.lines).toHaveLength(6)
  })

  it('logs at once when the node has no Engine API, and keeps the L1-info deposit of recent blocks', async () => {
    const t = setup(false)
    const [b] = blocks(1) as [BuiltBlock]
    t.timeline.onAccepted(accepted(b, Number(b.timestamp) * 1000 + 1500))
    await flush()
    expect(t.logs.lines[0]).toMatchObject({ engine: 'disabled', arrivalDelayMs: 1500 })
    expect(t.timeline.firstTransaction(bytesToHex(b.blockHash))).toBe(
      b.envelope.payload.transactions[0],
    )
    expect(t.timeline.firstTransaction(`0x${'00'.repeat(32)}`)).toBeUndefined()
  })

  it('formats the line: the summary engine field follows the most telling answer', () => {
    const base = { newPayload: null, forkchoice: null, engineEnabled: true }
    expect(engineOutcome(base)).toBe('not_sent')
    expect(engineOutcome({ ...base, engineEnabled: false })).toBe('disabled')
    expect(engineOutcome({ ...base, newPayload: 'SYNCING' })).toBe('SYNCING')
    expect(engineOutcome({ ...base, newPayload: 'ACCEPTED', forkchoice: 'VALID' })).toBe('VALID')
    expect(engineOutcome({ ...base, newPayload: 'ENGINE_TIMEOUT', forkchoice: 'VALID' })).toBe(
      'ENGINE_TIMEOUT',
    )
    expect(engineOutcome({ ...base, newPayload: 'INVALID_BLOCK_HASH' })).toBe('INVALID_BLOCK_HASH')
    const line = formatBlockLogLine({
      number: 12n,
      hash: '0xab',
      peer: 'p',
      arrivalDelayMs: 812.4,
      validationMs: 1.6,
      engineMs: null,
      engineEnabled: true,
      newPayload: 'VALID',
      forkchoice: null,
    })
    expect(line).toEqual({
      msg: BLOCK_LOG_MESSAGE,
      ctx: {
        number: 12,
        hash: '0xab',
        peer: 'p',
        arrivalDelayMs: 812,
        validationMs: 2,
        engine: 'VALID',
        newPayload: 'VALID',
      },
    })
  })
})
