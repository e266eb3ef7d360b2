/**
 * `runAttackBench`'s pacing options (`warmupBlocks`, `settleMs`): out-of-range values are refused
 * before the devnet is touched (the CLI checks the flags first; this guards other callers).
 */
import { describe, expect, it } from 'vitest'
import { type AttackBenchOptions, runAttackBench } from '../../../src/devnet/attackBench.ts'
import type { Devnet } from '../../../src/devnet/devnet.ts'

const base: AttackBenchOptions = {
  phases: ['baseline'],
  attackers: 1,
  phaseSeconds: 1,
  ratePerSecond: 1,
  blockBytes: 1000,
  recoverySeconds: 0,
  soakMinutes: 0,
}

/** A devnet that fails the test if the bench reaches it. */
const untouchable = new Proxy({} as Devnet, {
  get(_target, key) {
    throw new Error(`the devnet was used (${String(key)})`)
  },
})

describe('devnet / bench attack pacing options', () => {
  it('refuses fewer than one warm-up block or a fractional count', async () => {
    for (const warmupBlocks of [0, -1, 1.5]) {
      await expect(runAttackBench(untouchable, { ...base, warmupBlocks })).rejects.toThrow(
        /warmupBlocks must be >= 1/,
      )
    }
  })

  it('refuses a negative settle time', async () => {
    for (const settleMs of [-1, Number.NaN]) {
      await expect(runAttackBench(untouchable, { ...base, settleMs })).rejects.toThrow(
        /settleMs must be >= 0/,
      )
    }
  })

  it('takes the smallest values: past the checks, the bench goes on to the devnet', async () => {
    await expect(
      runAttackBench(untouchable, { ...base, warmupBlocks: 1, settleMs: 0 }),
    ).rejects.toThrow(/the devnet was used/)
  })
})
