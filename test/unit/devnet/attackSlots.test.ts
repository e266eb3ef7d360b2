import { describe, expect, it } from 'vitest'
import {
  attackerSlot,
  attackerSlotsWanted,
  SOAK_CYCLE_MINUTES,
} from '../../../src/devnet/attackBench.ts'

describe('devnet / bench attack address slots', () => {
  it('wants one set of attackers per attack phase, soak cycles included', () => {
    expect(attackerSlotsWanted(['baseline'], 2, 0)).toBe(0)
    expect(attackerSlotsWanted(['baseline', 'invalid', 'duplicate'], 2, 0)).toBe(4)
    // A soak repeats every attack phase once per cycle (at least one cycle).
    expect(attackerSlotsWanted(['baseline', 'invalid'], 2, 1)).toBe(4)
    expect(attackerSlotsWanted(['baseline', 'invalid'], 3, 2 * SOAK_CYCLE_MINUTES)).toBe(9)
  })

  it('gives each attacker process the next slot, reusing slots past the last', () => {
    expect([0, 1, 2, 3, 4].map((n) => attackerSlot(n, 4))).toEqual([0, 1, 2, 3, 0])
    // Loopback has no slot limit (every attacker is 127.0.0.1).
    expect(attackerSlot(1000, Number.POSITIVE_INFINITY)).toBe(1000)
  })
})
