import { describe, expect, it } from 'vitest'
import {
  DEFAULT_HEALTH_HEAD_WINDOW_MS,
  type HealthHead,
  HealthMonitor,
} from '../../../src/rpc/health.ts'

function setup(windowMs = 10_000) {
  let now = 1_000_000
  let peers = 3
  let head: HealthHead | null = null
  const monitor = new HealthMonitor(
    { headWindowMs: windowMs },
    { peerCount: () => peers, head: () => head, now: () => now },
  )
  return {
    monitor,
    advance: (ms: number) => {
      now += ms
    },
    setPeers: (n: number) => {
      peers = n
    },
    setHead: (h: HealthHead | null) => {
      head = h
    },
  }
}

describe('rpc / health', () => {
  it('is healthy during the first window after start, then needs a head', () => {
    const t = setup()
    expect(t.monitor.check()).toMatchObject({ healthy: true, reasons: [], head: null })
    t.advance(10_000)
    expect(t.monitor.check().healthy).toBe(true) // at the window: still fine
    t.advance(1)
    expect(t.monitor.check()).toMatchObject({
      healthy: false,
      status: 'unhealthy',
      reasons: ['no unsafe head within 10 s of start'],
    })
  })

  it('flips to unhealthy when the head stalls past the window and back when it moves', () => {
    const t = setup()
    t.setHead({ number: 100, hash: '0xa' })
    t.advance(5_000)
    expect(t.monitor.check()).toMatchObject({
      healthy: true,
      head: { number: 100 },
      headAgeSeconds: 0,
    })
    t.advance(9_000)
    expect(t.monitor.check()).toMatchObject({ healthy: true, headAgeSeconds: 9 })
    t.advance(1_001)
    const stalled = t.monitor.check()
    expect(stalled.healthy).toBe(false)
    expect(stalled.reasons).toEqual(['unsafe head 100 has not moved for 10 s (window 10 s)'])
    // A reorg to another block at the same height is movement too.
    t.setHead({ number: 100, hash: '0xb' })
    expect(t.monitor.check()).toMatchObject({ healthy: true, head: { number: 100, hash: '0xb' } })
    t.advance(20_000)
    expect(t.monitor.check().healthy).toBe(false)
    t.setHead({ number: 101, hash: '0xc' })
    expect(t.monitor.check().healthy).toBe(true)
  })

  it('notices a head change between checks through sampling', () => {
    const t = setup()
    t.setHead({ number: 1, hash: '0x1' })
    t.monitor.check()
    t.advance(8_000)
    t.setHead({ number: 2, hash: '0x2' })
    t.monitor.sample() // the 1 s sampler
    t.advance(8_000)
    // 16 s since the first head, but only 8 s since the change the sampler saw.
    expect(t.monitor.check()).toMatchObject({ healthy: true, headAgeSeconds: 8 })
  })

  it('is unhealthy without peers, whatever the head does', () => {
    const t = setup()
    t.setHead({ number: 1, hash: '0x1' })
    t.setPeers(0)
    expect(t.monitor.check()).toMatchObject({
      healthy: false,
      reasons: ['no connected peers'],
      peers: 0,
    })
    t.setPeers(1)
    expect(t.monitor.check().healthy).toBe(true)
  })

  it('treats failing sources as no peers / unchanged head, and checks its option', () => {
    const monitor = new HealthMonitor(
      {},
      {
        peerCount: () => {
          throw new Error('stopped')
        },
        head: () => {
          throw new Error('stopped')
        },
      },
    )
    expect(monitor.check()).toMatchObject({
      healthy: false,
      peers: 0,
      windowSeconds: DEFAULT_HEALTH_HEAD_WINDOW_MS / 1000,
    })
    expect(
      () => new HealthMonitor({ headWindowMs: 0 }, { peerCount: () => 1, head: () => null }),
    ).toThrow(RangeError)
  })
})
