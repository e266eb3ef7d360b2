import { describe, expect, it } from 'vitest'
import { BlockBuffer, BoundedHashSet } from '../../../src/engine/blockBuffer.ts'
import type { BlockRef, Hex } from '../../../src/engine/schema.ts'
import type { SignedEnvelope } from '../../../src/wire/types.ts'

const h = (n: number, branch = 0): Hex =>
  `0x${(branch * 1_000_000 + n).toString(16).padStart(64, '0')}`
const ref = (n: number, branch = 0, parentBranch = branch): BlockRef => ({
  hash: h(n, branch),
  number: n,
  parentHash: h(n - 1, parentBranch),
  timestamp: n,
})
const env = (sizeBytes: number) => ({ signedBytes: new Uint8Array(sizeBytes) }) as SignedEnvelope

function numbers(buf: BlockBuffer): number[] {
  return [...buf.values()].map((e) => e.ref.number).sort((a, b) => a - b)
}

describe('engine / blockBuffer', () => {
  it('holds exactly maxBlocks; one past the limit drops the oldest', () => {
    const buf = new BlockBuffer({ maxBlocks: 4, maxBytes: 1_000_000 })
    for (let n = 1; n <= 4; n++) expect(buf.add(ref(n), env(10), undefined).evicted).toEqual([])
    expect(buf.size).toBe(4)
    const { added, evicted } = buf.add(ref(5), env(10), undefined)
    expect(added?.ref.number).toBe(5)
    expect(evicted.map((e) => e.ref.number)).toEqual([1])
    expect(numbers(buf)).toEqual([2, 3, 4, 5])
  })

  it('a late, older block into a full buffer is itself the oldest and goes; the newest stays', () => {
    const buf = new BlockBuffer({ maxBlocks: 3, maxBytes: 1_000_000 })
    for (const n of [10, 11, 12]) buf.add(ref(n), env(10), undefined)
    const { added, evicted } = buf.add(ref(9), env(10), undefined)
    expect(added).toBeUndefined()
    expect(evicted.map((e) => e.ref.number)).toEqual([9])
    expect(numbers(buf)).toEqual([10, 11, 12])
  })

  it('holds exactly maxBytes; one byte past drops oldest blocks until it fits', () => {
    const buf = new BlockBuffer({ maxBlocks: 100, maxBytes: 300 })
    for (let n = 1; n <= 3; n++) buf.add(ref(n), env(100), undefined)
    expect(buf.bytes).toBe(300)
    expect(buf.size).toBe(3)
    const { evicted } = buf.add(ref(4), env(101), undefined)
    expect(evicted.map((e) => e.ref.number)).toEqual([1, 2])
    expect(buf.bytes).toBe(201)
    expect(numbers(buf)).toEqual([3, 4])
  })

  it('never evicts the last block, even when it alone exceeds the byte limit', () => {
    const buf = new BlockBuffer({ maxBlocks: 10, maxBytes: 50 })
    buf.add(ref(1), env(10), undefined)
    const { evicted } = buf.add(ref(2), env(500), undefined)
    expect(evicted.map((e) => e.ref.number)).toEqual([1])
    expect(numbers(buf)).toEqual([2])
  })

  it('ties at one height: oldest / newest by arrival order', () => {
    const buf = new BlockBuffer({ maxBlocks: 10, maxBytes: 1_000 })
    buf.add(ref(5, 1), env(1), undefined)
    buf.add(ref(5, 2), env(1), undefined)
    expect(buf.newest()?.ref.hash).toBe(h(5, 1))
    expect(buf.oldest()?.ref.hash).toBe(h(5, 1))
    expect(buf.atHeight(5)).toHaveLength(2)
  })

  it('ignores a known hash', () => {
    const buf = new BlockBuffer({ maxBlocks: 10, maxBytes: 1_000 })
    buf.add(ref(1), env(10), undefined)
    expect(buf.add(ref(1), env(10), undefined).added).toBeUndefined()
    expect(buf.size).toBe(1)
    expect(buf.bytes).toBe(10)
  })

  it('chainTo follows parent links down to the first missing parent', () => {
    const buf = new BlockBuffer({ maxBlocks: 10, maxBytes: 1_000 })
    for (const n of [2, 3, 5, 6]) buf.add(ref(n), env(1), undefined)
    expect(buf.chainTo(h(6)).map((e) => e.ref.number)).toEqual([5, 6])
    expect(buf.chainTo(h(3)).map((e) => e.ref.number)).toEqual([2, 3])
    buf.add(ref(4), env(1), undefined)
    expect(buf.chainTo(h(6)).map((e) => e.ref.number)).toEqual([2, 3, 4, 5, 6])
  })

  it('descendantsOf finds every buffered descendant, not siblings', () => {
    const buf = new BlockBuffer({ maxBlocks: 10, maxBytes: 1_000 })
    for (const n of [3, 4, 5]) buf.add(ref(n), env(1), undefined)
    buf.add(ref(4, 7, 0), env(1), undefined) // sibling of 4 on branch 7
    buf.add(ref(5, 7), env(1), undefined)
    expect(
      buf
        .descendantsOf(h(3))
        .map((e) => e.ref.hash)
        .sort(),
    ).toEqual([h(4), h(4, 7), h(5), h(5, 7)].sort())
    expect(buf.descendantsOf(h(4)).map((e) => e.ref.hash)).toEqual([h(5)])
  })

  it('pruneAtOrBelow and resetSentState', () => {
    const buf = new BlockBuffer({ maxBlocks: 10, maxBytes: 1_000 })
    for (let n = 1; n <= 5; n++) buf.add(ref(n), env(2), undefined)
    for (const e of buf.values()) e.sent = 'valid'
    expect(buf.pruneAtOrBelow(3)).toBe(3)
    expect(numbers(buf)).toEqual([4, 5])
    expect(buf.bytes).toBe(4)
    buf.resetSentState()
    expect([...buf.values()].every((e) => e.sent === 'none' && !e.sentWithParentKnown)).toBe(true)
  })

  it('BoundedHashSet forgets the oldest insertion past its size', () => {
    const set = new BoundedHashSet(2)
    set.add(h(1))
    set.add(h(2))
    set.add(h(1)) // refresh: 2 is now the oldest
    set.add(h(3))
    expect(set.has(h(1))).toBe(true)
    expect(set.has(h(2))).toBe(false)
    expect(set.has(h(3))).toBe(true)
    expect(set.size).toBe(2)
  })
})
