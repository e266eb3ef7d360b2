/** What the sync driver counts, and the small shapes its parts share. */
import type { BlockRef, Hex } from './schema.ts'

export interface SyncDriverCounters {
  /** Blocks handed to onBlock */
  received: number
  /** Blocks fetched from the backup RPC to fill a gap (`--l2.backup-unsafe-sync-rpc`) */
  fetched: number
  /** Already buffered */
  duplicates: number
  /** At or below the EL head (includes conflicting ones) */
  stale: number
  /** A different block at a height already held (equivocation) */
  conflicting: number
  /** Dropped from the full buffer */
  evicted: number
  /** Blocks the EL answered INVALID (plus their descendants) */
  invalid: number
  /** Blocks dropped because they are, or build on, a known-INVALID block */
  ignoredInvalid: number
  newPayloadCalls: number
  forkchoiceUpdatedCalls: number
  engineErrors: number
  /** Gaps the EL closed through its own sync */
  gapsClosed: number
  /** Times the driver re-read the EL's heads (restart, -38002, EL went back) */
  resets: number
}

export function createSyncCounters(): SyncDriverCounters {
  return {
    received: 0,
    fetched: 0,
    duplicates: 0,
    stale: 0,
    conflicting: 0,
    evicted: 0,
    invalid: 0,
    ignoredInvalid: 0,
    newPayloadCalls: 0,
    forkchoiceUpdatedCalls: 0,
    engineErrors: 0,
    gapsClosed: 0,
    resets: 0,
  }
}

/** Safe / finalized heads offered by a trusted source (`--l2.follow.source`). */
export interface SafeFinalizedCandidate {
  safe: { hash: Hex; number: number } | null
  finalized: { hash: Hex; number: number } | null
}

/** A block reference as log context: number and hash only. */
export function refLog(ref: BlockRef | null): { number: number; hash: Hex } | null {
  return ref === null ? null : { number: ref.number, hash: ref.hash }
}
