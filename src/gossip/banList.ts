/**
 * Peer bans with an expiry (op-gossip.md §5.4): op-node records a ban expiry per peer ID and its
 * connection gater refuses that peer on dial and on accept until then. host.ts asks `isBanned`
 * from its libp2p connection gater. Kept in memory; with `--p2p.peerstore.path` host.ts saves
 * every change to the ban file (banStore.ts) and restores it at start, as op-node keeps bans in
 * its peerstore (op-node/p2p/store/peer_ban_book.go).
 */
import type { BanEntry } from './types.ts'

/** op-node `p2p.ban.duration` default. */
export const DEFAULT_BAN_DURATION_MS = 60 * 60_000
/** op-node `p2p.ban.threshold` default. */
export const DEFAULT_BAN_THRESHOLD = -100
/** Bans kept at most; past it the ban that ends first is dropped (memory bound). */
export const MAX_BANNED_PEERS = 10_000

export interface BanListModules {
  /** After a ban is stored or lifted (host.ts saves the ban file); not for expiries */
  onChange?: () => void
}

export interface BanListOptions {
  /** @default MAX_BANNED_PEERS */
  maxEntries?: number
  /** Clock, ms. @default Date.now */
  now?: () => number
}

export class BanList {
  private readonly entries = new Map<string, BanEntry>()
  private readonly maxEntries: number
  private readonly now: () => number
  private readonly onChange: (() => void) | undefined

  constructor(opts: BanListOptions = {}, modules: BanListModules = {}) {
    this.maxEntries = opts.maxEntries ?? MAX_BANNED_PEERS
    this.now = opts.now ?? Date.now
    this.onChange = modules.onChange
  }

  /** Bans `peerId` until `untilMs` (a later existing ban is kept). */
  ban(peerId: string, untilMs: number, score: number | null = null): BanEntry {
    const existing = this.entries.get(peerId)
    if (existing !== undefined && existing.untilMs >= untilMs) return existing
    this.entries.delete(peerId)
    if (this.entries.size >= this.maxEntries) this.evictOne()
    const entry: BanEntry = { peerId, untilMs, score }
    this.entries.set(peerId, entry)
    this.onChange?.()
    return entry
  }

  unban(peerId: string): boolean {
    const lifted = this.entries.delete(peerId)
    if (lifted) this.onChange?.()
    return lifted
  }

  /** True while the ban lasts; an expired ban is forgotten on the way. */
  isBanned(peerId: string): boolean {
    const entry = this.entries.get(peerId)
    if (entry === undefined) return false
    if (entry.untilMs > this.now()) return true
    this.entries.delete(peerId)
    return false
  }

  /** Current bans, soonest to end first. */
  list(): BanEntry[] {
    this.prune()
    return [...this.entries.values()].sort((a, b) => a.untilMs - b.untilMs)
  }

  get size(): number {
    return this.entries.size
  }

  /** Drops expired bans. */
  prune(): void {
    const now = this.now()
    for (const [id, entry] of this.entries) if (entry.untilMs <= now) this.entries.delete(id)
  }

  private evictOne(): void {
    this.prune()
    if (this.entries.size < this.maxEntries) return
    let soonest: BanEntry | undefined
    for (const entry of this.entries.values()) {
      if (soonest === undefined || entry.untilMs < soonest.untilMs) soonest = entry
    }
    if (soonest !== undefined) this.entries.delete(soonest.peerId)
  }
}
