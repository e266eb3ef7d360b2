import { describe, expect, it } from 'vitest'
import {
  createPeerDialer,
  DISCOVERY_DIAL_CONCURRENCY,
  DISCOVERY_IDLE_INTERVAL_MS,
  DISCOVERY_INTERVAL_MS,
  DISCOVERY_LOOKUP_MAX_INTERVAL_MS,
} from '../../../src/gossip/peerDialer.ts'

describe('gossip / peerDialer', () => {
  it("uses op-node's discovery cadence: 5 s below target, 20 s otherwise, 4 dial workers", () => {
    expect([DISCOVERY_INTERVAL_MS, DISCOVERY_IDLE_INTERVAL_MS, DISCOVERY_DIAL_CONCURRENCY]).toEqual(
      [5000, 20_000, 4],
    )
  })

  it('dials known peers until the target is met, with bounded concurrency', async () => {
    const connected = new Set<string>()
    let active = 0
    let peak = 0
    let lookups = 0
    const dialer = createPeerDialer(
      { target: 5, concurrency: 2 },
      {
        connectedCount: () => connected.size,
        candidates: async () =>
          ['a', 'b', 'c', 'd', 'e', 'f', 'g'].filter((p) => !connected.has(p)),
        dial: async (p) => {
          active++
          peak = Math.max(peak, active)
          await new Promise((r) => setTimeout(r, 2))
          connected.add(p)
          active--
        },
        lookup: async () => {
          lookups++
          return 0
        },
      },
    )
    dialer.start()
    await dialer.runRound()
    await new Promise((r) => setTimeout(r, 30))
    dialer.stop()
    expect(connected.size).toBe(5)
    expect(peak).toBe(2)
    // Untried peers were known all along: no DHT walk was needed.
    expect(lookups).toBe(0)
  })

  it('walks the DHT only when no untried peer is left, at most once per interval', async () => {
    let now = 0
    let lookups = 0
    let known: string[] = []
    const dialed: string[] = []
    const dialer = createPeerDialer(
      { target: 3, intervalMs: 1000 },
      {
        connectedCount: () => dialed.length,
        candidates: async () => known.filter((p) => !dialed.includes(p)),
        dial: async (p) => {
          dialed.push(p)
        },
        lookup: async () => {
          lookups++
          known = ['found-1', 'found-2']
          return 2
        },
        now: () => now,
      },
    )
    dialer.start()
    await dialer.runRound()
    expect(lookups).toBe(1)
    // The walk found two peers; the round it triggers dials them.
    for (let i = 0; i < 50 && dialed.length < 2; i++) await new Promise((r) => setTimeout(r, 2))
    expect(dialed).toEqual(['found-1', 'found-2'])
    // Still below target with nobody left to try, but within the interval: no new walk.
    now = 999
    await dialer.runRound()
    expect(lookups).toBe(1)
    now = 1000
    await dialer.runRound()
    expect(lookups).toBe(2)
    dialer.stop()
  })

  it('backs lookups off while they find nobody new, up to the cap, and resets when one does', async () => {
    let now = 0
    let lookups = 0
    let learn = 0
    const dialer = createPeerDialer(
      { target: 3, intervalMs: 1000 },
      {
        connectedCount: () => 0,
        candidates: async () => [],
        dial: async () => {},
        lookup: async () => {
          lookups++
          return learn
        },
        now: () => now,
      },
    )
    dialer.start()
    await dialer.runRound()
    const settle = () => new Promise((r) => setTimeout(r, 5))
    /** Runs a round at `t` and tells whether it started a lookup. */
    const lookupAt = async (t: number): Promise<boolean> => {
      now = t
      const before = lookups
      await dialer.runRound()
      await settle()
      return lookups > before
    }
    await settle()
    expect(lookups).toBe(1) // t = 0, found nobody: next wait 2 s
    expect(await lookupAt(1999)).toBe(false)
    expect(await lookupAt(2000)).toBe(true) // nobody again: next wait 4 s
    expect(await lookupAt(5999)).toBe(false)
    expect(await lookupAt(6000)).toBe(true)
    // Doubling stops at the cap.
    let t = 6000
    for (let wait = 8000; wait < DISCOVERY_LOOKUP_MAX_INTERVAL_MS; wait *= 2) {
      t += wait
      expect(await lookupAt(t)).toBe(true)
    }
    expect(await lookupAt(t + DISCOVERY_LOOKUP_MAX_INTERVAL_MS - 1)).toBe(false)
    t += DISCOVERY_LOOKUP_MAX_INTERVAL_MS
    learn = 1
    expect(await lookupAt(t)).toBe(true) // at the cap; this one finds a peer
    expect(await lookupAt(t + 1000)).toBe(true) // back to the discovery interval
    dialer.stop()
  })

  it('does not retry a peer whose dial failed until the backoff passed', async () => {
    let now = 0
    const attempts: string[] = []
    const dialer = createPeerDialer(
      { target: 3, failureBackoffMs: 1000, intervalMs: 1_000_000 },
      {
        connectedCount: () => 0,
        candidates: async () => ['x', 'y'],
        dial: async (p) => {
          attempts.push(p)
          throw new Error('unreachable')
        },
        now: () => now,
      },
    )
    dialer.start()
    await dialer.runRound()
    expect(attempts.sort()).toEqual(['x', 'y'])
    now = 999
    await dialer.runRound()
    expect(attempts).toHaveLength(2)
    now = 1000
    await dialer.runRound()
    expect(attempts).toHaveLength(4)
    dialer.stop()
  })

  it('does nothing while the target is met', async () => {
    let asked = 0
    const dialer = createPeerDialer(
      { target: 1 },
      {
        connectedCount: () => 1,
        candidates: async () => {
          asked++
          return ['z']
        },
        dial: async () => {},
      },
    )
    await dialer.runRound()
    expect(asked).toBe(0)
  })
})
