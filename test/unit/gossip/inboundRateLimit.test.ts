import { describe, expect, it } from 'vitest'
import {
  createInboundRateLimit,
  DEFAULT_INBOUND_MESSAGE_BURST,
  DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND,
  FLOOD_DROPS_FACTOR,
  MAX_RATE_LIMITED_PEERS,
} from '../../../src/gossip/inboundRateLimit.ts'

/** Blocks a second at 200 ms block time, and the most copies of a block an honest peer sends. */
const BLOCKS_PER_SECOND = 5
const HONEST_COPIES_PER_BLOCK = 1 + 3 // one mesh push + GossipSubGossipRetransmission IWANT answers
const MCACHE_WINDOW_BLOCKS = (12 * 500) / 200

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
