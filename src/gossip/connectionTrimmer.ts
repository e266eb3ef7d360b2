/**
 * Low/high-watermark connection trimming like go-libp2p's basic connection manager as op-node
 * configures it (op-gossip.md §7: low 20, high 30, grace 30 s, silence period 1 min). js-libp2p
 * only has a single `maxConnections` cap, so host.ts sets that cap above `hi` and this module does
 * the op-node behaviour: once more than `hi` peers are connected, disconnect peers until `lo`
 * remain, never touching protected (static) peers or peers connected for less than the grace
 * period. Trims run at most once per silence period (on a new connection above `hi`, and on a
 * timer).
 *
 * Which peers go first: peers outside our gossipsub mesh, then lower score, then the most
 * recently connected (go-libp2p ranks by connection-manager tag value; gossipsub's mesh tags are
 * the main tags an op-node peer carries, so "not in mesh first" is the same idea).
 */

/** op-node `p2p.peers.lo` default. */
export const DEFAULT_PEERS_LO = 20
/** op-node `p2p.peers.hi` default. */
export const DEFAULT_PEERS_HI = 30
/** op-node `p2p.peers.grace` default. */
export const DEFAULT_PEERS_GRACE_MS = 30_000
/** op-node connection manager silence period. */
export const DEFAULT_TRIM_SILENCE_PERIOD_MS = 60_000

export interface TrimCandidate {
  peerId: string
  /** When the peer's oldest open connection opened (Date.now() ms) */
  connectedSinceMs: number
  /** Static peers: never trimmed */
  isProtected: boolean
  /** gossipsub score */
  score: number
  /** In our mesh on at least one topic */
  inMesh: boolean
}

export interface TrimLimits {
  lo: number
  hi: number
  graceMs: number
}

/** Peer IDs to disconnect so that `lo` remain, or none while at most `hi` are connected. */
export function selectPeersToTrim(
  peers: readonly TrimCandidate[],
  limits: TrimLimits,
  nowMs: number,
): string[] {
  if (peers.length <= limits.hi) return []
  const excess = peers.length - limits.lo
  return peers
    .filter((p) => !p.isProtected && nowMs - p.connectedSinceMs >= limits.graceMs)
    .sort(
      (a, b) =>
        Number(a.inMesh) - Number(b.inMesh) ||
        a.score - b.score ||
        b.connectedSinceMs - a.connectedSinceMs,
    )
    .slice(0, excess)
    .map((p) => p.peerId)
}

export interface ConnectionTrimmerOptions extends TrimLimits {
  /** @default DEFAULT_TRIM_SILENCE_PERIOD_MS */
  silencePeriodMs?: number
}

export interface ConnectionTrimmerModules {
  peers(): TrimCandidate[]
  disconnect(peerId: string): void
  /** @default Date.now */
  now?: () => number
}

export interface ConnectionTrimmer {
  start(): void
  stop(): void
  /** Host calls this on every new connection; trims when above `hi` and not silenced. */
  onConnection(): void
  /** Trims now regardless of the silence period; returns the peers disconnected. */
  trim(): string[]
}

export function createConnectionTrimmer(
  opts: ConnectionTrimmerOptions,
  modules: ConnectionTrimmerModules,
): ConnectionTrimmer {
  const now = modules.now ?? Date.now
  const silenceMs = opts.silencePeriodMs ?? DEFAULT_TRIM_SILENCE_PERIOD_MS
  let lastTrimMs = Number.NEGATIVE_INFINITY
  let timer: NodeJS.Timeout | null = null

  function trim(): string[] {
    lastTrimMs = now()
    const victims = selectPeersToTrim(modules.peers(), opts, lastTrimMs)
    for (const peerId of victims) modules.disconnect(peerId)
    return victims
  }

  function maybeTrim(): void {
    if (now() - lastTrimMs < silenceMs) return
    if (modules.peers().length > opts.hi) trim()
  }

  return {
    start() {
      if (timer !== null) return
      timer = setInterval(maybeTrim, silenceMs)
      timer.unref()
    },
    stop() {
      if (timer !== null) clearInterval(timer)
      timer = null
    },
    onConnection: maybeTrim,
    trim,
  }
}
