/**
 * Where the EL stands relative to the sync driver's target: the states of the fork-choice side
 * (docs/architecture.md draws them). The connection has its own: stopped → connecting → ready ⇄
 * el-down (elConnection.ts); the phases below only move while it is ready.
 *
 * - no-heads:   nothing read from the EL yet
 * - following:  the EL applies what we send; reads as in-sync (target = confirmed) or ahead
 *               (blocks sent, FCU(target) not answered VALID yet)
 * - el-syncing: an FCU answered SYNCING: the EL fetches the gap itself; `latest` is polled
 * - head-lost:  the EL no longer has our head (restart, state lost): its heads are re-read
 *               before anything else is sent
 *
 * Below them, what the loop does next after each EL answer (NewPayloadNext, PollNext).
 */
import type { BlockRef, ForkchoiceState } from './schema.ts'

export type SyncPhase =
  | { name: 'no-heads' }
  | { name: 'following' }
  | { name: 'el-syncing'; sinceMs: number; fromNumber: number }
  | { name: 'head-lost'; reason: string }

export const SYNC_PHASE_NAMES = ['no-heads', 'in-sync', 'ahead', 'el-syncing', 'head-lost'] as const
export type SyncPhaseName = (typeof SYNC_PHASE_NAMES)[number]

/** The phase as one name: `following` splits into in-sync and ahead. */
export function syncPhaseName(
  phase: SyncPhase,
  target: BlockRef | null,
  confirmed: BlockRef | null,
): SyncPhaseName {
  if (phase.name !== 'following') return phase.name
  return target?.hash === confirmed?.hash ? 'in-sync' : 'ahead'
}

// ---------------------------------------------------------------------------------------------
// What the loop does next after an EL answer

/** What a newPayload answer means for the pass in progress. */
export type NewPayloadNext =
  /** VALID: go on; FCU(target) follows */
  | 'valid'
  /** SYNCING / ACCEPTED: go on */
  | 'pending'
  /** SYNCING for a child of our head: read `latest` and hand it to onHeadCheck */
  | 'check-head'
  /** INVALID (any flavour), or refused: stop the pass and start another */
  | 'stop'

/** What a read of the EL's `latest` asks for next. */
export type PollNext =
  | { next: 'done' }
  /** The EL went back: re-read its heads now */
  | { next: 'reset' }
  /** The EL is at or past the target height: read that height and hand it to onTargetHeightRead */
  | { next: 'check-target'; latest: BlockRef; number: number }

export interface ForkchoiceRequest {
  head: BlockRef
  state: ForkchoiceState
}
