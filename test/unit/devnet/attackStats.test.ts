import { describe, expect, it } from 'vitest'
import { attackTargets, parsePhases } from '../../../src/devnet/attackBench.ts'
import type { AttackerPhaseReport } from '../../../src/devnet/attackProtocol.ts'
import {
  SLOWEST_BLOCKS_LISTED,
  slope,
  summarizeAttackers,
  summarizePhase,
  summarizeRecovery,
  summarizeSoak,
  TARGET_DELIVERY,
  TARGET_P99_RATIO,
  TARGET_RSS_RECOVERY_FACTOR,
  TARGET_SOAK_SLOPE_MB_PER_MIN,
} from '../../../src/devnet/attackStats.ts'
import type { NodeCountersSnapshot } from '../../../src/devnet/ipcProtocol.ts'

function counters(over: Partial<NodeCountersSnapshot>): NodeCountersSnapshot {
  return {
    atMs: 0,
    bytesSent: null,
    bytesReceived: null,
    duplicates: null,
    messagesReceived: 0,
    accepted: 0,
    rejected: 0,
    ignored: 0,
    queueFull: 0,
    rateLimited: 0,
    cpuSeconds: 0,
    rssBytes: 100e6,
    heapUsedBytes: 0,
    externalBytes: 0,
    ...over,
  }
}

function attacker(over: Partial<AttackerPhaseReport>): AttackerPhaseReport {
  return {
    phase: 'invalid',
    sent: 0,
    heldBack: 0,
    identities: 1,
    dialsFailed: 0,
    disconnected: 0,
    timesToDisconnectMs: [],
    honestReceived: 0,
    firstSentMs: null,
    ...over,
  }
}

/** Two followers, 4 blocks published 1 s apart; `latency(block, follower)` or undefined = lost. */
function phase(
  name: 'baseline' | 'invalid',
  latency: (block: number, follower: number) => number | undefined,
  baselineP99Ms: number | null,
) {
  const published = [0, 1, 2, 3].map((b) => ({ blockHash: `0x${b}`, publishedMs: 1000 * b }))
  const arrivals = new Map<number, Map<string, { firstSeenMs: number; queueMs: number }>>()
  for (const f of [1, 2]) {
    const seen = new Map<string, { firstSeenMs: number; queueMs: number }>()
    for (const [b, p] of published.entries()) {
      const ms = latency(b, f)
      if (ms !== undefined) seen.set(p.blockHash, { firstSeenMs: p.publishedMs + ms, queueMs: b })
    }
    arrivals.set(f, seen)
  }
  return summarizePhase({
    phase: name,
    published,
    arrivals,
    followers: [1, 2],
    start: new Map([
      [1, counters({ atMs: 0, cpuSeconds: 1, rejected: 5, queueFull: 1, rateLimited: 10 })],
      [2, counters({ atMs: 0, cpuSeconds: 2 })],
    ]),
    end: new Map([
      [
        1,
        counters({
          atMs: 4000,
          cpuSeconds: 3,
          rejected: 105,
          queueFull: 11,
          rateLimited: 60,
          rssBytes: 150e6,
        }),
      ],
      [2, counters({ atMs: 4000, cpuSeconds: 2.4, rssBytes: 120e6 })],
    ]),
    rssMax: new Map([[1, 200e6]]),
    attackers: [attacker({ sent: 300, timesToDisconnectMs: [40, 10] }), attacker({ sent: 200 })],
    baselineP99Ms,
  })
}

describe('devnet / attackStats', () => {
  it('lists the slowest blocks: when in the phase, and their slowest follower', () => {
    // Block 1 (published 1 s in) is slow at follower 2.
    const r = phase('invalid', (b, f) => (b === 1 && f === 2 ? 300 : 10 + b), 5)
    expect(r.slowestBlocks[0]).toEqual({ publishedAfterMs: 1000, e2eMaxMs: 300 })
    expect(r.slowestBlocks.map((x) => x.e2eMaxMs)).toEqual([300, 13, 12, 10])
    // At most SLOWEST_BLOCKS_LISTED of them.
    const many = summarizePhase({
      phase: 'invalid',
      published: Array.from({ length: SLOWEST_BLOCKS_LISTED + 1 }, (_, b) => ({
        blockHash: `0x${b}`,
        publishedMs: 1000 * b,
      })),
      arrivals: new Map([
        [
          1,
          new Map(
            Array.from({ length: SLOWEST_BLOCKS_LISTED + 1 }, (_, b) => [
              `0x${b}`,
              { firstSeenMs: 1000 * b + b, queueMs: 0 },
            ]),
          ),
        ],
      ]),
      followers: [1],
      start: new Map(),
      end: new Map(),
      rssMax: new Map(),
      attackers: [],
      baselineP99Ms: 5,
    })
    expect(many.slowestBlocks).toHaveLength(SLOWEST_BLOCKS_LISTED)
    expect(many.slowestBlocks[0]?.e2eMaxMs).toBe(SLOWEST_BLOCKS_LISTED)
  })

  it('measures delivery, latency, CPU, RSS and drop counters of a phase', () => {
    const r = phase('invalid', (b) => 10 + b, 5)
    expect(r).toMatchObject({
      published: 4,
      deliveredToAll: 4,
      delivery: 1,
      e2eP50Ms: 11,
      e2eP99Ms: 13,
      p99VsBaseline: 2.6,
      queueWaitP99Ms: 3,
      rejected: 100,
      queueFull: 10,
      rateLimited: 50,
    })
    expect(r.followers[0]).toMatchObject({
      index: 1,
      cpuMsPerSecond: 500,
      rssMaxMb: 200,
      rssEndMb: 150,
      rejected: 100,
    })
    expect(r.followers[1]).toMatchObject({ cpuMsPerSecond: 100, rssMaxMb: 120, rejected: 0 })
    expect(r.attackers).toMatchObject({ sent: 500, timeToDisconnectMs: 10, firstDisconnectMs: 10 })
    expect(r.pass).toBe(false) // 2.6x the baseline
  })

  it(`passes at delivery ${TARGET_DELIVERY} and p99 at ${TARGET_P99_RATIO}x the baseline, fails past either`, () => {
    expect(phase('invalid', () => 10, 5).pass).toBe(true) // exactly 2x
    expect(phase('invalid', () => 10.1, 5).pass).toBe(false)
    const lost = phase('invalid', (b, f) => (b === 2 && f === 2 ? undefined : 1), 5)
    expect([lost.deliveredToAll, lost.delivery, lost.pass]).toEqual([3, 0.75, false])
    // The baseline is judged on delivery alone.
    const base = phase('baseline', () => 50, null)
    expect([base.p99VsBaseline, base.pass]).toEqual([null, true])
  })

  it('takes the median and earliest time to disconnect; null when never', () => {
    expect(summarizeAttackers([attacker({ timesToDisconnectMs: [30, 10, 20] })])).toMatchObject({
      timeToDisconnectMs: 20,
      firstDisconnectMs: 10,
    })
    expect(summarizeAttackers([attacker({})])).toMatchObject({
      timeToDisconnectMs: null,
      firstDisconnectMs: null,
    })
  })

  it(`recovers at the first sample within ${TARGET_RSS_RECOVERY_FACTOR}x of pre-attack RSS`, () => {
    const r = summarizeRecovery(
      [100e6, 100e6],
      [300e6, 200e6],
      [
        { afterSeconds: 0, rssBytes: [200e6, 150e6] }, // follower 2 exactly at 1.5x
        { afterSeconds: 5, rssBytes: [151e6, 150e6] },
        { afterSeconds: 9, rssBytes: [150e6, 160e6] },
      ],
    )
    expect(r.recoveredAfterSeconds).toEqual([9, 0])
    expect([r.secondsToRecover, r.pass]).toEqual([9, true])
    const never = summarizeRecovery([100e6], [300e6], [{ afterSeconds: 0, rssBytes: [151e6] }])
    expect([never.recoveredAfterSeconds, never.secondsToRecover, never.pass]).toEqual([
      [null],
      null,
      false,
    ])
  })

  it('fits a least-squares slope', () => {
    expect(
      slope([
        { x: 0, y: 1 },
        { x: 5, y: 11 },
        { x: 10, y: 21 },
      ]),
    ).toBe(2)
    expect(slope([{ x: 0, y: 1 }])).toBe(0)
  })

  it('splits a soak drift into JS heap, external buffers and the rest of RSS', () => {
    // Two followers, three cycles 5 minutes apart: external memory grows 1 MB/min on average
    // (2 and 0 MB/min), the heap is flat, the rest of RSS falls 0.2 MB/min.
    const cycle = (minute: number) => ({
      minute,
      heapUsedBytes: [60e6, 70e6],
      externalBytes: [20e6 + 2e6 * minute, 30e6],
      rssBytes: [200e6 + 2e6 * minute - 0.2e6 * minute, 250e6 - 0.2e6 * minute],
    })
    const soak = summarizeSoak(10, 3, [cycle(0), cycle(5), cycle(10)])
    expect(soak).toMatchObject({
      minutes: 10,
      cycles: 3,
      slopeMbPerMin: 0.8,
      heapUsedSlopeMbPerMin: 0,
      externalSlopeMbPerMin: 1,
      otherSlopeMbPerMin: -0.2,
      pass: false,
    })
    expect(soak.samples[2]).toEqual({
      minute: 10,
      rssMb: [218, 248],
      heapUsedMb: [60, 70],
      externalMb: [40, 30],
    })
  })

  it('passes a soak at the RSS slope limit and fails it just past', () => {
    const rising = (perMin: number) =>
      summarizeSoak(10, 2, [
        { minute: 0, rssBytes: [100e6], heapUsedBytes: [50e6], externalBytes: [10e6] },
        {
          minute: 10,
          rssBytes: [100e6 + perMin * 10 * 1e6],
          heapUsedBytes: [50e6],
          externalBytes: [10e6],
        },
      ])
    expect(rising(TARGET_SOAK_SLOPE_MB_PER_MIN).pass).toBe(true)
    expect(rising(TARGET_SOAK_SLOPE_MB_PER_MIN + 0.01).pass).toBe(false)
    // One cycle has no trend.
    const one = summarizeSoak(5, 1, [
      { minute: 0, rssBytes: [100e6], heapUsedBytes: [50e6], externalBytes: [10e6] },
    ])
    expect(one.slopeMbPerMin).toBe(0)
    expect(one.pass).toBe(true)
  })

  it('spreads followers over attackers so every follower is attacked', () => {
    expect(attackTargets(4, 2)).toEqual([
      [1, 3],
      [2, 4],
    ])
    expect(attackTargets(2, 1)).toEqual([[1, 2]])
    expect(attackTargets(2, 3)).toEqual([[1], [2], [1]])
  })

  it('parses --phases: known, distinct, in order', () => {
    expect(parsePhases('invalid, baseline')).toEqual(['invalid', 'baseline'])
    expect(parsePhases('invalid,invalid')).toBeNull()
    expect(parsePhases('nope')).toBeNull()
    expect(parsePhases(' , ')).toBeNull()
  })
})
