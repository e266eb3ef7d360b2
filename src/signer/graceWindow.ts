/**
 * The rotation grace window of op-node PR #20063 (`runcfg/runtime_config.go`: `rotateSigner`,
 * `PreviousP2PSequencerAddress`, `ConfirmCurrentSigner`), as a pure value: the rotated-out signer
 * and when the rotation was seen. Its end is derived from the clock, so it closes without a timer.
 */

export interface GraceWindowState {
  /** The rotated-out signer (op-node's prevP2PBlockSignerAddr), null when none */
  previous: Uint8Array | null
  /** When the rotation was seen, ms (op-node's signerChangeTime) */
  rotatedAtMs: number
}

export const NO_GRACE_WINDOW: GraceWindowState = { previous: null, rotatedAtMs: 0 }

/** The previous signer while its window is open: op-node ends it at `since > grace`, not `>=`. */
export function previousInGrace(
  state: GraceWindowState,
  nowMs: number,
  gracePeriodMs: number,
): Uint8Array | null {
  if (state.previous === null || nowMs - state.rotatedAtMs > gracePeriodMs) return null
  return state.previous
}

/**
 * What an L1 reload that reads `next` does (op-node's rotateSigner): only a change away from a
 * non-zero current signer opens a window (the current one becomes the previous one); anything
 * else, zero → B included, leaves an earlier window as it was.
 */
export function afterReload(
  state: GraceWindowState,
  current: Uint8Array | null,
  next: Uint8Array | null,
  nowMs: number,
): GraceWindowState {
  if (current === null || (next !== null && Buffer.from(current).equals(Buffer.from(next)))) {
    return state
  }
  return { previous: current, rotatedAtMs: nowMs }
}

/** A block of the current signer verified: the window is over (op-node's ConfirmCurrentSigner). */
export function afterCurrentSignerVerified(
  state: GraceWindowState,
  current: Uint8Array | null,
): GraceWindowState {
  return state.previous === null || current === null ? state : NO_GRACE_WINDOW
}
