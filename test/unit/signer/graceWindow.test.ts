import { describe, expect, it } from 'vitest'
import {
  afterCurrentSignerVerified,
  afterReload,
  NO_GRACE_WINDOW,
  previousInGrace,
} from '../../../src/signer/graceWindow.ts'

const A = new Uint8Array(20).fill(0xaa)
const B = new Uint8Array(20).fill(0xbb)
const GRACE = 1000

describe('signer / grace window (pure)', () => {
  it('opens on a change away from a non-zero signer, open at exactly its end, closed after', () => {
    const w = afterReload(NO_GRACE_WINDOW, A, B, 5000)
    expect(w).toEqual({ previous: A, rotatedAtMs: 5000 })
    expect(previousInGrace(w, 6000, GRACE)).toBe(A)
    expect(previousInGrace(w, 6001, GRACE)).toBeNull()
  })

  it('opens nothing from an unset signer or for the same signer; A → zero opens one', () => {
    expect(afterReload(NO_GRACE_WINDOW, null, B, 5000)).toBe(NO_GRACE_WINDOW)
    expect(afterReload(NO_GRACE_WINDOW, A, A.slice(), 5000)).toBe(NO_GRACE_WINDOW)
    expect(afterReload(NO_GRACE_WINDOW, A, null, 5000)).toEqual({ previous: A, rotatedAtMs: 5000 })
  })

  it('closes at the first block of the current signer, not while the signer is unset', () => {
    const w = afterReload(NO_GRACE_WINDOW, A, B, 0)
    expect(afterCurrentSignerVerified(w, B)).toBe(NO_GRACE_WINDOW)
    expect(afterCurrentSignerVerified(w, null)).toBe(w)
  })
})
