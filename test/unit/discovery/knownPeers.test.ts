import { describe, expect, it } from 'vitest'
import { createKnownPeers, MAX_KNOWN_PEERS } from '../../../src/discovery/knownPeers.ts'

describe('discovery / knownPeers', () => {
  it('offers a node once per record: a newer seq updates, the same or older does not', () => {
    const known = createKnownPeers<string, string>()
    expect(known.upsert('n1', 5n, 'addr-a', 'rec5')).toMatchObject({ peer: 'addr-a', seq: 5n })
    expect(known.upsert('n1', 5n, 'addr-a', 'rec5')).toBeNull()
    expect(known.upsert('n1', 4n, 'addr-old', 'rec4')).toBeNull()
    expect(known.upsert('n1', 6n, 'addr-b', 'rec6')).toMatchObject({
      peer: 'addr-b',
      record: 'rec6',
    })
    expect(known.size).toBe(1)
  })

  it('holds MAX_KNOWN_PEERS entries and forgets the least recently updated past that', () => {
    const known = createKnownPeers<number, null>()
    for (let i = 0; i < MAX_KNOWN_PEERS; i++) known.upsert(`n${i}`, 1n, i, null)
    expect(known.size).toBe(MAX_KNOWN_PEERS)
    known.upsert('n0', 2n, 0, null) // n0 refreshed: n1 is now the oldest
    known.upsert('new', 1n, -1, null)
    expect(known.size).toBe(MAX_KNOWN_PEERS)
    const peers = known.values().map((e) => e.peer)
    expect(peers).not.toContain(1)
    expect(peers).toContain(0)
    expect(peers.at(-1)).toBe(-1)
  })

  it('re-offers only entries not offered within the interval, at most `max` per call', () => {
    const known = createKnownPeers<string, null>(10)
    for (const id of ['a', 'b', 'c']) known.upsert(id, 1n, id, null)
    for (const e of known.values()) e.offeredAtMs = 1_000
    known.values()[2]!.offeredAtMs = 50_000
    expect(known.dueForReoffer(60_999, 60_000, 10)).toEqual([])
    expect(known.dueForReoffer(61_000, 60_000, 10).map((e) => e.peer)).toEqual(['a', 'b'])
    expect(known.dueForReoffer(200_000, 60_000, 2).map((e) => e.peer)).toEqual(['a', 'b'])
  })
})
