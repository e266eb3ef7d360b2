/**
 * The peer monitor (op-gossip.md §5.4): bans connected peers whose gossipsub score fell below the
 * ban threshold, except protected (static) peers. op-node checks one peer per second round-robin;
 * here every connected peer is checked each interval (scores are cached by gossipsub, so a few
 * dozen lookups cost microseconds) so a spammer is cut off within one interval.
 */

/** op-node's monitor period. */
export const DEFAULT_PEER_MONITOR_INTERVAL_MS = 1000

export interface PeerMonitorOptions {
  /** Ban threshold: scores strictly below it are banned. */
  threshold: number
  /** How long a ban lasts, ms */
  banDurationMs: number
  /** @default DEFAULT_PEER_MONITOR_INTERVAL_MS */
  intervalMs?: number
}

/** The narrow view of the host the monitor needs (host.ts supplies it). */
export interface PeerMonitorModules {
  connectedPeers(): string[]
  score(peerId: string): number
  isProtected(peerId: string): boolean
  /** Records the ban and disconnects the peer. */
  ban(peerId: string, untilMs: number, score: number): void
  /** @default Date.now */
  now?: () => number
}

export interface PeerMonitor {
  start(): void
  stop(): void
  /** One pass over the connected peers; returns the peers banned. Exposed for tests. */
  check(): string[]
}

export function createPeerMonitor(
  opts: PeerMonitorOptions,
  modules: PeerMonitorModules,
): PeerMonitor {
  const now = modules.now ?? Date.now
  const intervalMs = opts.intervalMs ?? DEFAULT_PEER_MONITOR_INTERVAL_MS
  let timer: NodeJS.Timeout | null = null

  function check(): string[] {
    const banned: string[] = []
    for (const peerId of modules.connectedPeers()) {
      if (modules.isProtected(peerId)) continue
      const score = modules.score(peerId)
      if (score < opts.threshold) {
        modules.ban(peerId, now() + opts.banDurationMs, score)
        banned.push(peerId)
      }
    }
    return banned
  }

  return {
    start() {
      if (timer !== null) return
      timer = setInterval(check, intervalMs)
      timer.unref()
    },
    stop() {
      if (timer !== null) clearInterval(timer)
      timer = null
    },
    check,
  }
}
