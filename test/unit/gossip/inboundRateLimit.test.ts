import { describe, expect, it } from 'vitest'
import {
  createInboundRateLimit,
  DEFAULT_INBOUND_MESSAGE_BURST,
  DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND,
  DEFAULT_UNPROVEN_MESSAGE_BURST,
  DEFAULT_UNPROVEN_MESSAGES_PER_SECOND,
  FLOOD_DROPS_FACTOR,
  MAX_RATE_LIMITED_PEERS,
} from '../../../src/gossip/inboundRateLimit.ts'

/** Blocks a second at 200 ms block time, and the most copies of a block an honest peer sends. */
const BLOCKS_PER_SECOND = 5
const HONEST_COPIES_PER_BLOCK = 1 + 3 // one mesh push + GossipSubGossipRetransmission IWANT answers
const MCACHE_WINDOW_BLOCKS = (12 * 500) / 200
/** op-node's heartbeat and IHAVE gossip window (history_gossip 3 heartbeats) */
const HEARTBEAT_MS = 500
const GOSSIP_WINDOW_MS = 3 * HEARTBEAT_MS
const BLOCK_MS = 200
const GOSSIP_WINDOW_BLOCKS = Math.ceil(GOSSIP_WINDOW_MS / BLOCK_MS)
const IWANT_ANSWERS_PER_BLOCK = 3 // GossipSubGossipRetransmission
const DEFAULT_LIMITS = {
  ratePerSecond: DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND,
  burst: DEFAULT_INBOUND_MESSAGE_BURST,
}

/**
 * The most an honest op-node relay that is never first sends over `durationMs`: every block
 * pushed once through the mesh (with up to `jitterMs` of network delay), and at every heartbeat
 * IWANT answers for every block of its gossip window not yet answered 3 times. Returns the
 * arrival times, sorted. `stallMs` holds everything back from `stallAtMs` for that long, then
 * delivers it at once (a stalled connection catching up).
 */
function honestRelayArrivals(
  durationMs: number,
  opts: { jitterMs?: number; stallAtMs?: number; stallMs?: number } = {},
): number[] {
  const { jitterMs = 0, stallAtMs = -1, stallMs = 0 } = opts
  const arrivals: number[] = []
  const deliver = (t: number) =>
    arrivals.push(t >= stallAtMs && t < stallAtMs + stallMs ? stallAtMs + stallMs : t)
  const answered = new Map<number, number>()
  for (let t = 0; t < durationMs; t++) {
    if (t % BLOCK_MS === 0) {
      // Pseudo-random but reproducible delay per block.
      deliver(t + ((t * 7919) % (jitterMs + 1)))
      answered.set(t, 0)
    }
    if (t % HEARTBEAT_MS === 0) {
      for (const [produced, count] of answered) {
        if (produced < t - GOSSIP_WINDOW_MS || count >= IWANT_ANSWERS_PER_BLOCK) continue
        answered.set(produced, count + 1)
        deliver(t)
      }
    }
  }
  return arrivals.sort((a, b) => a - b)
}

describe('gossip / inboundRateLimit', () => {
  it('has defaults no honest peer reaches at 200 ms blocks', () => {
    expect(DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND).toBe(50)
    expect(DEFAULT_INBOUND_MESSAGE_BURST).toBe(150)
    expect(DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND).toBeGreaterThan(
      2 * BLOCKS_PER_SECOND * HONEST_COPIES_PER_BLOCK,
    )
    expect(DEFAULT_INBOUND_MESSAGE_BURST).toBeGreaterThan(
      MCACHE_WINDOW_BLOCKS * HONEST_COPIES_PER_BLOCK,
    )
  })

  it('has unproven defaults below the proven ones and above any honest relay', () => {
    expect(DEFAULT_UNPROVEN_MESSAGES_PER_SECOND).toBe(25)
    expect(DEFAULT_UNPROVEN_MESSAGE_BURST).toBe(40)
    expect(DEFAULT_UNPROVEN_MESSAGES_PER_SECOND).toBeGreaterThan(
      BLOCKS_PER_SECOND * HONEST_COPIES_PER_BLOCK,
    )
    expect(DEFAULT_UNPROVEN_MESSAGE_BURST).toBeGreaterThan(
      GOSSIP_WINDOW_BLOCKS * HONEST_COPIES_PER_BLOCK,
    )
    expect(DEFAULT_UNPROVEN_MESSAGES_PER_SECOND).toBeLessThan(
      DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND,
    )
    expect(DEFAULT_UNPROVEN_MESSAGE_BURST).toBeLessThan(DEFAULT_INBOUND_MESSAGE_BURST)
  })

  it('allows a fresh peer exactly the unproven burst, then drops', () => {
    const limit = createInboundRateLimit(DEFAULT_LIMITS, { now: () => 1000 })
    for (let i = 0; i < DEFAULT_UNPROVEN_MESSAGE_BURST; i++)
      expect(limit.check('fresh')).toBe('allow')
    expect(limit.check('fresh')).toBe('drop')
    expect(limit.dropped).toBe(1)
    expect(limit.isProven('fresh')).toBe(false)
  })

  it('sustains exactly the unproven rate for a fresh peer', () => {
    let now = 0
    const limit = createInboundRateLimit(DEFAULT_LIMITS, { now: () => now })
    for (let i = 0; i < DEFAULT_UNPROVEN_MESSAGE_BURST; i++) limit.allow('fresh')
    let allowed = 0
    for (let ms = 1; ms <= 10_000; ms++) {
      now = ms
      if (limit.allow('fresh')) allowed++
      if (limit.allow('fresh')) allowed++
    }
    expect(allowed).toBe(10 * DEFAULT_UNPROVEN_MESSAGES_PER_SECOND)
  })

  it('calls a fresh identity a flooder at one unproven burst of drops', () => {
    const limit = createInboundRateLimit(DEFAULT_LIMITS, { now: () => 1000 })
    const verdicts = Array.from({ length: 200 }, () => limit.check('flooder'))
    const burst = DEFAULT_UNPROVEN_MESSAGE_BURST
    const floodAt = burst + FLOOD_DROPS_FACTOR * burst - 1
    expect(verdicts.slice(0, burst).every((v) => v === 'allow')).toBe(true)
    expect(verdicts.slice(burst, floodAt).every((v) => v === 'drop')).toBe(true)
    expect(verdicts[floodAt]).toBe('flood') // after at most the unproven burst plus one burst
    expect(verdicts.slice(floodAt + 1).every((v) => v === 'drop')).toBe(true)
  })

  it('gives a proven peer the full bucket: what it spent stays spent', () => {
    let now = 1000
    const limit = createInboundRateLimit(DEFAULT_LIMITS, { now: () => now })
    for (let i = 0; i < DEFAULT_UNPROVEN_MESSAGE_BURST; i++) limit.allow('relay')
    expect(limit.allow('relay')).toBe(false)
    limit.prove('relay')
    expect(limit.isProven('relay')).toBe(true)
    const extra = DEFAULT_INBOUND_MESSAGE_BURST - DEFAULT_UNPROVEN_MESSAGE_BURST
    let allowed = 0
    while (limit.allow('relay')) allowed++
    expect(allowed).toBe(extra)
    // Proving again adds nothing.
    limit.prove('relay')
    expect(limit.allow('relay')).toBe(false)
    // It refills at the proven rate, up to the proven burst.
    now += 1000
    allowed = 0
    while (limit.allow('relay')) allowed++
    expect(allowed).toBe(DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND)
    now += 60_000
    allowed = 0
    while (limit.allow('relay')) allowed++
    expect(allowed).toBe(DEFAULT_INBOUND_MESSAGE_BURST)
  })

  it('floods a proven peer at one proven burst of drops', () => {
    const limit = createInboundRateLimit(DEFAULT_LIMITS, { now: () => 1000 })
    limit.prove('relay')
    const burst = DEFAULT_INBOUND_MESSAGE_BURST
    const verdicts = Array.from({ length: 2 * burst }, () => limit.check('relay'))
    expect(verdicts.filter((v) => v === 'allow')).toHaveLength(burst)
    expect(verdicts.indexOf('flood')).toBe(2 * burst - 1)
  })

  it('starts a peer proven before its first message with the full bucket', () => {
    const limit = createInboundRateLimit(DEFAULT_LIMITS, { now: () => 0 })
    limit.prove('known')
    let allowed = 0
    while (limit.allow('known')) allowed++
    expect(allowed).toBe(DEFAULT_INBOUND_MESSAGE_BURST)
  })

  it(`remembers at most MAX_RATE_LIMITED_PEERS (${MAX_RATE_LIMITED_PEERS}) proven peers`, () => {
    const limit = createInboundRateLimit(DEFAULT_LIMITS, { now: () => 0 })
    limit.prove('first')
    for (let i = 0; i < MAX_RATE_LIMITED_PEERS - 1; i++) limit.prove(`p${i}`)
    expect(limit.isProven('first')).toBe(true) // at the bound
    limit.prove('one more')
    expect(limit.isProven('first')).toBe(false) // past it: the least recently proven forgotten
    // Forgotten: its bucket is an unproven one again.
    let allowed = 0
    while (limit.allow('first')) allowed++
    expect(allowed).toBe(DEFAULT_UNPROVEN_MESSAGE_BURST)
  })

  it('keeps a peer that proves itself again among the remembered', () => {
    const limit = createInboundRateLimit(DEFAULT_LIMITS, { now: () => 0 })
    limit.prove('steady')
    for (let i = 0; i < MAX_RATE_LIMITED_PEERS - 1; i++) limit.prove(`p${i}`)
    limit.prove('steady') // most recent again
    limit.prove('one more')
    expect(limit.isProven('steady')).toBe(true)
    expect(limit.isProven('p0')).toBe(false)
  })

  it('never drops an honest relay that is never first (one push a block plus IWANT answers)', () => {
    for (const opts of [
      {},
      { jitterMs: 150 },
      { jitterMs: 150, stallAtMs: 30_000, stallMs: GOSSIP_WINDOW_MS },
    ]) {
      let now = 0
      const limit = createInboundRateLimit(DEFAULT_LIMITS, { now: () => now })
      const arrivals = honestRelayArrivals(600_000, opts)
      // The pattern is the worst case: 4 copies of each of 5 blocks a second.
      expect(arrivals.length).toBeGreaterThanOrEqual(
        600 * BLOCKS_PER_SECOND * HONEST_COPIES_PER_BLOCK -
          GOSSIP_WINDOW_BLOCKS * IWANT_ANSWERS_PER_BLOCK,
      )
      for (const t of arrivals) {
        now = t
        expect(limit.check('relay')).toBe('allow')
      }
      expect(limit.dropped).toBe(0)
      expect(limit.isProven('relay')).toBe(false)
    }
  })

  it('would drop that relay with a bucket below the honest rate (the check can fail)', () => {
    let now = 0
    const limit = createInboundRateLimit(
      { ...DEFAULT_LIMITS, unproven: { ratePerSecond: 15, burst: DEFAULT_UNPROVEN_MESSAGE_BURST } },
      { now: () => now },
    )
    for (const t of honestRelayArrivals(60_000)) {
      now = t
      limit.check('relay')
    }
    expect(limit.dropped).toBeGreaterThan(0)
  })

  it('caps the unproven bucket by the proven settings', () => {
    let now = 0
    const limit = createInboundRateLimit({ ratePerSecond: 10, burst: 3 }, { now: () => now })
    expect([1, 2, 3, 4].map(() => limit.allow('a'))).toEqual([true, true, true, false])
    now += 1000
    let allowed = 0
    while (limit.allow('a')) allowed++
    expect(allowed).toBe(3) // refilled at 10/s, capped at the burst of 3
  })

  it('is off at rate 0 for proven and unproven peers alike', () => {
    const off = createInboundRateLimit({ ratePerSecond: 0, burst: 1 })
    off.prove('proven')
    for (let i = 0; i < 1000; i++) {
      expect(off.allow('fresh')).toBe(true)
      expect(off.allow('proven')).toBe(true)
    }
    expect(off.dropped).toBe(0)
  })

  it('refuses nonsense unproven settings', () => {
    for (const unproven of [
      { ratePerSecond: 0, burst: 1 },
      { ratePerSecond: -1, burst: 1 },
      { ratePerSecond: 1, burst: 0 },
      { ratePerSecond: Number.NaN, burst: 1 },
    ]) {
      expect(() => createInboundRateLimit({ ...DEFAULT_LIMITS, unproven })).toThrow(RangeError)
    }
  })

  it('allows a peer its burst at once, refuses past it, per peer', () => {
    const now = 1000
    const limit = createInboundRateLimit({ ratePerSecond: 10, burst: 3 }, { now: () => now })
    expect([1, 2, 3].map(() => limit.allow('a'))).toEqual([true, true, true])
    expect(limit.allow('a')).toBe(false)
    expect(limit.allow('a')).toBe(false)
    expect(limit.dropped).toBe(2)
    expect(limit.allow('b')).toBe(true) // another peer has its own bucket
  })

  it('refills at the rate, never above the burst', () => {
    let now = 0
    const limit = createInboundRateLimit({ ratePerSecond: 10, burst: 3 }, { now: () => now })
    for (let i = 0; i < 3; i++) limit.allow('a')
    expect(limit.allow('a')).toBe(false)
    now += 99 // 0.99 tokens
    expect(limit.allow('a')).toBe(false)
    now += 1 // 1 token
    expect(limit.allow('a')).toBe(true)
    expect(limit.allow('a')).toBe(false)
    now += 60_000 // a long pause: back to the burst, not beyond
    expect([1, 2, 3, 4].map(() => limit.allow('a'))).toEqual([true, true, true, false])
  })

  it('sustains exactly the rate over time', () => {
    let now = 0
    const limit = createInboundRateLimit({ ratePerSecond: 50, burst: 1 }, { now: () => now })
    limit.prove('a')
    let allowed = 0
    for (let ms = 0; ms < 10_000; ms++) {
      now = ms
      if (limit.allow('a')) allowed++
      if (limit.allow('a')) allowed++
    }
    expect(allowed).toBe(500)
  })

  it('is off at rate 0', () => {
    const off = createInboundRateLimit({ ratePerSecond: 0, burst: 1 })
    for (let i = 0; i < 1000; i++) expect(off.allow('a')).toBe(true)
    expect(off.dropped).toBe(0)
  })

  it(`keeps at most MAX_RATE_LIMITED_PEERS (${MAX_RATE_LIMITED_PEERS}) buckets`, () => {
    const limit = createInboundRateLimit({ ratePerSecond: 1, burst: 1 }, { now: () => 0 })
    expect(limit.allow('first')).toBe(true)
    expect(limit.allow('first')).toBe(false)
    for (let i = 0; i < MAX_RATE_LIMITED_PEERS - 1; i++) limit.allow(`p${i}`)
    expect(limit.allow('first')).toBe(false) // at the bound: still remembered
    limit.allow('one more')
    expect(limit.allow('first')).toBe(true) // past it: the oldest bucket was dropped
  })

  it('refuses nonsense settings', () => {
    expect(() => createInboundRateLimit({ ratePerSecond: -1, burst: 1 })).toThrow(RangeError)
    expect(() => createInboundRateLimit({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError)
  })

  it(`calls a peer a flooder once, at ${FLOOD_DROPS_FACTOR} burst(s) of drops`, () => {
    expect(FLOOD_DROPS_FACTOR).toBe(1)
    const now = 1000
    const limit = createInboundRateLimit({ ratePerSecond: 10, burst: 3 }, { now: () => now })
    expect([1, 2, 3].map(() => limit.check('a'))).toEqual(['allow', 'allow', 'allow'])
    // Drops 1 and 2: below the burst's worth; the third is the flood, then plain drops again.
    expect([1, 2, 3, 4].map(() => limit.check('a'))).toEqual(['drop', 'drop', 'flood', 'drop'])
    expect(limit.dropped).toBe(4)
    expect(limit.check('b')).toBe('allow')
  })

  it('forgets drops once the bucket filled up again (a burst, then good behaviour)', () => {
    let now = 1000
    const limit = createInboundRateLimit({ ratePerSecond: 10, burst: 3 }, { now: () => now })
    for (let i = 0; i < 3; i++) limit.check('a')
    expect([limit.check('a'), limit.check('a')]).toEqual(['drop', 'drop'])
    now += 300 // refilled to the full burst: the drops are forgiven
    expect([1, 2, 3].map(() => limit.check('a'))).toEqual(['allow', 'allow', 'allow'])
    expect([1, 2, 3].map(() => limit.check('a'))).toEqual(['drop', 'drop', 'flood'])
    // Once forgiven, a peer flooding again is reported again.
    now += 300
    for (let i = 0; i < 3; i++) limit.check('a')
    expect([1, 2, 3].map(() => limit.check('a'))).toEqual(['drop', 'drop', 'flood'])
  })
})
