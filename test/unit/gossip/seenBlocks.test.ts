import { describe, expect, it } from 'vitest'
import {
  createSeenBlocks,
  MAX_BLOCKS_PER_HEIGHT,
  MAX_SEEN_HEIGHTS,
} from '../../../src/gossip/seenBlocks.ts'

const hash = (n: number): Uint8Array => {
  const h = new Uint8Array(32)
  new DataView(h.buffer).setUint32(28, n)
  return h
}

describe('gossip / seenBlocks', () => {
  it('records a new hash, then reports it as a duplicate', () => {
    const seen = createSeenBlocks()
    expect(seen.checkAndRecord(7n, hash(1))).toBe('recorded')
    expect(seen.checkAndRecord(7n, hash(1))).toBe('duplicate')
    expect(seen.checkAndRecord(8n, hash(1))).toBe('recorded') // same hash, other height
    expect(seen.countAt(7n)).toBe(1)
  })

  it('accepts MAX_BLOCKS_PER_HEIGHT + 1 distinct hashes per height, then rejects every block', () => {
    expect(MAX_BLOCKS_PER_HEIGHT).toBe(5)
    const seen = createSeenBlocks()
    for (let i = 0; i <= MAX_BLOCKS_PER_HEIGHT; i++) {
      expect(seen.checkAndRecord(1n, hash(i))).toBe('recorded')
    }
    expect(seen.countAt(1n)).toBe(MAX_BLOCKS_PER_HEIGHT + 1)
    expect(seen.checkAndRecord(1n, hash(100))).toBe('too-many')
    // The count test comes first: a known hash is now rejected too, not ignored.
    expect(seen.checkAndRecord(1n, hash(0))).toBe('too-many')
    expect(seen.countAt(1n)).toBe(MAX_BLOCKS_PER_HEIGHT + 1)
  })

  it('a known hash at a height with exactly 5 hashes is still a duplicate', () => {
    const seen = createSeenBlocks()
    for (let i = 0; i < MAX_BLOCKS_PER_HEIGHT; i++) seen.checkAndRecord(2n, hash(i))
    expect(seen.checkAndRecord(2n, hash(3))).toBe('duplicate')
  })

  it('keeps MAX_SEEN_HEIGHTS heights and evicts the least recently used', () => {
    expect(MAX_SEEN_HEIGHTS).toBe(1000)
    const seen = createSeenBlocks()
    for (let h = 0; h < MAX_SEEN_HEIGHTS; h++) seen.checkAndRecord(BigInt(h), hash(h))
    expect(seen.size).toBe(MAX_SEEN_HEIGHTS)
    // Touch height 0 (a lookup refreshes it, like golang-lru's Get), then add one more height.
    expect(seen.checkAndRecord(0n, hash(0))).toBe('duplicate')
    seen.checkAndRecord(BigInt(MAX_SEEN_HEIGHTS), hash(MAX_SEEN_HEIGHTS))
    expect(seen.size).toBe(MAX_SEEN_HEIGHTS)
    expect(seen.hasHeight(0n)).toBe(true)
    expect(seen.hasHeight(1n)).toBe(false) // the oldest untouched height went
    expect(seen.checkAndRecord(1n, hash(1))).toBe('recorded') // forgotten: new again
    expect(seen.hasHeight(2n)).toBe(false) // ...which evicted the next oldest
  })

  it('honours a smaller maxHeights and clears', () => {
    const seen = createSeenBlocks({ maxHeights: 2 })
    seen.checkAndRecord(1n, hash(1))
    seen.checkAndRecord(2n, hash(2))
    seen.checkAndRecord(3n, hash(3))
    expect([seen.hasHeight(1n), seen.hasHeight(2n), seen.hasHeight(3n)]).toEqual([
      false,
      true,
      true,
    ])
    seen.clear()
    expect(seen.size).toBe(0)
    expect(seen.checkAndRecord(2n, hash(2))).toBe('recorded')
  })

  it('rejects a non-positive maxHeights', () => {
    expect(() => createSeenBlocks({ maxHeights: 0 })).toThrow(RangeError)
  })

  it('distinguishes heights beyond 2^53', () => {
    const seen = createSeenBlocks()
    const big = 2n ** 63n
    seen.checkAndRecord(big, hash(1))
    expect(seen.checkAndRecord(big + 1n, hash(1))).toBe('recorded')
    expect(seen.checkAndRecord(big, hash(1))).toBe('duplicate')
  })
})
