import { describe, expect, it } from 'vitest'
import {
  BanList,
  DEFAULT_BAN_DURATION_MS,
  DEFAULT_BAN_THRESHOLD,
  MAX_BANNED_PEERS,
} from '../../../src/gossip/banList.ts'
import { createPeerMonitor } from '../../../src/gossip/peerMonitor.ts'

describe('gossip / banList', () => {
  it("uses op-node's defaults: -100, 1 h", () => {
    expect(DEFAULT_BAN_THRESHOLD).toBe(-100)
    expect(DEFAULT_BAN_DURATION_MS).toBe(3_600_000)
    expect(MAX_BANNED_PEERS).toBe(10_000)
  })

  it('bans until the expiry, then forgets', () => {
    let now = 1000
    const bans = new BanList({ now: () => now })
    bans.ban('a', 2000, -150)
    expect(bans.isBanned('a')).toBe(true)
    expect(bans.list()).toEqual([{ peerId: 'a', untilMs: 2000, score: -150 }])
    now = 1999
    expect(bans.isBanned('a')).toBe(true)
    now = 2000
    expect(bans.isBanned('a')).toBe(false)
    expect(bans.size).toBe(0)
  })

  it('keeps the later of two bans and supports unban', () => {
    const bans = new BanList({ now: () => 0 })
    bans.ban('a', 500)
    bans.ban('a', 300)
    expect(bans.list()[0]?.untilMs).toBe(500)
    bans.ban('a', 900)
    expect(bans.list()[0]?.untilMs).toBe(900)
    expect(bans.unban('a')).toBe(true)
    expect(bans.isBanned('a')).toBe(false)
    expect(bans.unban('a')).toBe(false)
  })

  it('holds at most maxEntries bans, dropping the one that ends first past it', () => {
    const bans = new BanList({ maxEntries: 3, now: () => 0 })
    bans.ban('a', 40)
    bans.ban('b', 10)
    bans.ban('c', 30)
    expect(bans.size).toBe(3)
    bans.ban('d', 20)
    expect(bans.size).toBe(3)
    expect(bans.list().map((b) => b.peerId)).toEqual(['d', 'c', 'a'])
  })
})

describe('gossip / peerMonitor', () => {
  it('bans connected peers strictly below the threshold, never protected ones', () => {
    const scores: Record<string, number> = { good: 0, edge: -100, bad: -101, staticBad: -500 }
    const banned: Array<[string, number, number]> = []
    const monitor = createPeerMonitor(
      { threshold: -100, banDurationMs: 60_000 },
      {
        connectedPeers: () => Object.keys(scores),
        score: (p) => scores[p] as number,
        isProtected: (p) => p === 'staticBad',
        ban: (p, until, score) => banned.push([p, until, score]),
        now: () => 1_000,
      },
    )
    expect(monitor.check()).toEqual(['bad'])
    expect(banned).toEqual([['bad', 61_000, -101]])
  })

  it('checks on its own timer once started', async () => {
    const banned: string[] = []
    const monitor = createPeerMonitor(
      { threshold: -100, banDurationMs: 1000, intervalMs: 10 },
      {
        connectedPeers: () => ['x'],
        score: () => -1000,
        isProtected: () => false,
        ban: (p) => banned.push(p),
      },
    )
    monitor.start()
    await new Promise((r) => setTimeout(r, 60))
    monitor.stop()
    const count = banned.length
    expect(count).toBeGreaterThan(0)
    await new Promise((r) => setTimeout(r, 30))
    expect(banned.length).toBe(count)
  })
})
