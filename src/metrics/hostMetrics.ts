/**
 * Feeds the gossip host's events into the metrics: every verdict, every message the inbound
 * rate limit dropped, every ban (score or manual), and the end of bans. The host emits no event when a ban expires, so bans are remembered with
 * their end time and counted as expired once it passes (checked every BAN_EXPIRY_CHECK_INTERVAL_MS);
 * a manual unban is reported through `noteManualUnban` and not counted twice.
 */
import type { GossipHost } from '../gossip/host.ts'
import type { BanEntry, VerdictEvent } from '../gossip/types.ts'
import type { GossipMetricsRecorder } from './nodeMetrics.ts'

export const BAN_EXPIRY_CHECK_INTERVAL_MS = 5_000
/** Bans remembered for expiry counting (the host's BanList holds at most 10 000). */
export const MAX_TRACKED_BANS = 10_000

/** The part of the host this needs. */
export type HostEventsView = Pick<GossipHost, 'events'>

export interface HostMetricsBinding {
  /** An operator lifted the ban of `peerId` (counts a manual unban, not an expiry). */
  noteManualUnban(peerId: string): void
  /** Counts the bans that ended by now. Exposed for tests. */
  checkExpiries(): void
  stop(): void
}

export function bindHostMetrics(
  host: HostEventsView,
  recorder: GossipMetricsRecorder,
  modules: { now?: () => number; checkIntervalMs?: number } = {},
): HostMetricsBinding {
  const now = modules.now ?? Date.now
  const banEnds = new Map<string, number>()

  const onVerdict = (event: VerdictEvent) => recorder.onVerdict(event)
  const onBan = (entry: BanEntry) => {
    recorder.onBan(entry.score === null ? 'manual' : 'score')
    banEnds.delete(entry.peerId)
    banEnds.set(entry.peerId, entry.untilMs)
    if (banEnds.size > MAX_TRACKED_BANS) banEnds.delete(banEnds.keys().next().value!)
  }
  const onRateLimited = () => recorder.onInboundRateLimited?.()
  host.events.on('verdict', onVerdict)
  host.events.on('peer:ban', onBan)
  host.events.on('inbound:rate-limited', onRateLimited)

  function checkExpiries(): void {
    const t = now()
    for (const [peerId, untilMs] of banEnds) {
      if (untilMs > t) continue
      banEnds.delete(peerId)
      recorder.onUnban('expired')
    }
  }
  const timer = setInterval(checkExpiries, modules.checkIntervalMs ?? BAN_EXPIRY_CHECK_INTERVAL_MS)
  timer.unref()

  return {
    noteManualUnban(peerId) {
      if (banEnds.delete(peerId)) recorder.onUnban('manual')
    },
    checkExpiries,
    stop() {
      clearInterval(timer)
      host.events.off('verdict', onVerdict)
      host.events.off('peer:ban', onBan)
      host.events.off('inbound:rate-limited', onRateLimited)
    },
  }
}
