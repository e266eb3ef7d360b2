/**
 * Safe / finalized offered by a follow source (`--l2.follow.source`), pure: a head is checked
 * on the EL only when it is at or below our confirmed head and newer than what we have (never
 * backwards), applied only when the EL has that very block canonical, and finalized never goes
 * above safe.
 */
import type { BlockRef, Hex } from './schema.ts'
import { ZERO_HASH } from './schema.ts'
import type { SafeFinalizedCandidate } from './syncCounters.ts'

/** Follow-source heads worth checking on the EL (null: not worth a read). */
export interface SafeFinalizedChecks {
  safe: { hash: Hex; number: number } | null
  finalized: { hash: Hex; number: number } | null
}

export interface LabelledHeads {
  confirmed: BlockRef | null
  safe: BlockRef | null
  finalized: BlockRef | null
}

/** Which offered heads to read on the EL; null before the EL's head is known. */
export function safeFinalizedChecks(
  candidate: SafeFinalizedCandidate,
  heads: LabelledHeads,
): SafeFinalizedChecks | null {
  const head = heads.confirmed
  if (head === null) return null
  const check = (c: SafeFinalizedChecks['safe'], current: BlockRef | null) => {
    if (c === null || c.hash === ZERO_HASH || c.number > head.number) return null
    return current !== null && c.number <= current.number ? null : c
  }
  return {
    safe: check(candidate.safe, heads.safe),
    finalized: check(candidate.finalized, heads.finalized),
  }
}

/**
 * The labels after the EL's blocks at the checked heights were read, or null when neither
 * offered head is on the EL (nothing changes, no FCU owed).
 */
export function nextSafeFinalized(
  checks: SafeFinalizedChecks,
  onEl: { safe: BlockRef | null; finalized: BlockRef | null },
  heads: LabelledHeads,
): { safe: BlockRef | null; finalized: BlockRef | null } | null {
  const safe = checks.safe !== null && onEl.safe?.hash === checks.safe.hash ? onEl.safe : null
  const finalized =
    checks.finalized !== null && onEl.finalized?.hash === checks.finalized.hash
      ? onEl.finalized
      : null
  if (safe === null && finalized === null) return null
  const nextSafe = safe ?? heads.safe
  const finalizedFits =
    finalized !== null && (nextSafe === null || finalized.number <= nextSafe.number)
  return { safe: nextSafe, finalized: finalizedFits ? finalized : heads.finalized }
}
