/**
 * The peers of this chain that discovery has found: newest record per node, bounded, with the
 * time each was last handed to the host so re-offers can be spaced out.
 */

/** Matching peers remembered (the least recently updated is forgotten first). */
export const MAX_KNOWN_PEERS = 1000

export interface KnownPeerEntry<P, R> {
  peer: P
  /** The record the peer came from (kept for saving the table) */
  record: R
  seq: bigint
  offeredAtMs: number
}

export interface KnownPeers<P, R> {
  /**
   * Adds or updates a node's entry; returns it when it is new or its record is newer (to be
   * offered now), null when an entry with the same or a newer sequence number exists.
   */
  upsert(nodeId: string, seq: bigint, peer: P, record: R): KnownPeerEntry<P, R> | null
  /** Up to `max` entries not offered within `intervalMs` of `nowMs`, oldest first */
  dueForReoffer(nowMs: number, intervalMs: number, max: number): KnownPeerEntry<P, R>[]
  /** Entries, least recently updated first */
  values(): KnownPeerEntry<P, R>[]
  readonly size: number
}

export function createKnownPeers<P, R>(maxPeers = MAX_KNOWN_PEERS): KnownPeers<P, R> {
  const entries = new Map<string, KnownPeerEntry<P, R>>()
  return {
    upsert(nodeId, seq, peer, record) {
      const previous = entries.get(nodeId)
      if (previous !== undefined && previous.seq >= seq) return null
      if (previous !== undefined) entries.delete(nodeId)
      else if (entries.size >= maxPeers) {
        const oldest = entries.keys().next().value
        if (oldest !== undefined) entries.delete(oldest)
      }
      const entry: KnownPeerEntry<P, R> = { peer, record, seq, offeredAtMs: 0 }
      entries.set(nodeId, entry)
      return entry
    },
    dueForReoffer(nowMs, intervalMs, max) {
      const due: KnownPeerEntry<P, R>[] = []
      for (const entry of entries.values()) {
        if (due.length >= max) break
        if (nowMs - entry.offeredAtMs >= intervalMs) due.push(entry)
      }
      return due
    },
    values: () => [...entries.values()],
    get size() {
      return entries.size
    },
  }
}
