import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { GossipHostEvents } from '../../../src/gossip/host.ts'
import type { VerdictEvent } from '../../../src/gossip/types.ts'
import { bindHostMetrics } from '../../../src/metrics/hostMetrics.ts'
import type {
  BanReason,
  GossipMetricsRecorder,
  UnbanReason,
} from '../../../src/metrics/nodeMetrics.ts'

function recorder() {
  const calls: string[] = []
  const r: GossipMetricsRecorder = {
    onVerdict: (e: VerdictEvent) => calls.push(`verdict ${e.verdict}`),
    onBan: (reason: BanReason) => calls.push(`ban ${reason}`),
    onUnban: (reason: UnbanReason) => calls.push(`unban ${reason}`),
    onInboundRateLimited: () => calls.push('rate-limited'),
  }
  return { r, calls }
}

describe('metrics / hostMetrics', () => {
  it('counts verdicts, score and manual bans, expiries and manual unbans from host events', () => {
    const events = new EventEmitter<GossipHostEvents>()
    const { r, calls } = recorder()
    let now = 1_000
    const binding = bindHostMetrics({ events }, r, { now: () => now, checkIntervalMs: 60_000 })
    events.emit('verdict', { verdict: 'accept' } as VerdictEvent)
    events.emit('inbound:rate-limited', { peerId: 'flooder' })
    events.emit('peer:ban', { peerId: 'a', untilMs: 2_000, score: -150 })
    events.emit('peer:ban', { peerId: 'b', untilMs: 5_000, score: null })
    events.emit('peer:ban', { peerId: 'c', untilMs: 3_000, score: -120 })
    now = 2_000
    binding.checkExpiries()
    binding.noteManualUnban('b')
    binding.noteManualUnban('b') // already lifted: not counted again
    binding.noteManualUnban('zz') // never banned
    now = 10_000
    binding.checkExpiries()
    expect(calls).toEqual([
      'verdict accept',
      'rate-limited',
      'ban score',
      'ban manual',
      'ban score',
      'unban expired',
      'unban manual',
      'unban expired',
    ])
    binding.stop()
    events.emit('verdict', { verdict: 'reject' } as VerdictEvent)
    events.emit('inbound:rate-limited', { peerId: 'flooder' })
    expect(calls).toHaveLength(8)
    expect(events.listenerCount('verdict')).toBe(0)
    expect(events.listenerCount('inbound:rate-limited')).toBe(0)
  })
})
