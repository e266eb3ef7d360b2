import { describe, expect, it } from 'vitest'
import { MAX_DIAL_FAILURE_RECORDS } from '../../../src/gossip/peerDialer.ts'
import { MAX_DIAL_CANDIDATES } from '../../../src/gossip/peerManager.ts'
import { RecentMap } from '../../../src/gossip/recentMap.ts'

describe('gossip / recentMap', () => {
  it('holds maxEntries keys and drops the least recently set one past it', () => {
    const m = new RecentMap<string, number>(3)
    m.set('a', 1).set('b', 2).set('c', 3)
    expect(m.size).toBe(3)
    expect([...m.keys()]).toEqual(['a', 'b', 'c'])
    m.set('a', 10) // refresh: 'b' is now the oldest
    m.set('d', 4)
    expect(m.size).toBe(3)
    expect([...m.keys()]).toEqual(['c', 'a', 'd'])
    expect(m.get('a')).toBe(10)
    expect(m.has('b')).toBe(false)
  })

  it('bounds the per-peer records at their named limits', () => {
    expect(MAX_DIAL_CANDIDATES).toBe(1000)
    expect(MAX_DIAL_FAILURE_RECORDS).toBe(10_000)
    const m = new RecentMap<number, null>(MAX_DIAL_CANDIDATES)
    for (let i = 0; i < MAX_DIAL_CANDIDATES; i++) m.set(i, null)
    expect(m.size).toBe(MAX_DIAL_CANDIDATES)
    expect(m.has(0)).toBe(true)
    m.set(MAX_DIAL_CANDIDATES, null)
    expect(m.size).toBe(MAX_DIAL_CANDIDATES)
    expect(m.has(0)).toBe(false)
  })

  it('refuses a bound below 1', () => {
    expect(() => new RecentMap(0)).toThrow(RangeError)
  })
})
