import { describe, expect, it } from 'vitest'
import { startDevnet } from '../../../src/devnet/devnet.ts'
import { MIN_SEQUENCER_INTERVAL_SECONDS } from '../../../src/devnet/sequencerLoop.ts'

// Both refusals come before anything is started or written.
describe('devnet / startDevnet block time', () => {
  it('refuses a block time below the sequencer minimum', async () => {
    await expect(
      startDevnet({ followers: 1, blockTimeSeconds: MIN_SEQUENCER_INTERVAL_SECONDS / 2 }),
    ).rejects.toThrow(/blockTimeSeconds must be >= 0.1/)
    await expect(startDevnet({ followers: 1, blockTimeSeconds: Number.NaN })).rejects.toThrow(
      RangeError,
    )
  })

  it('refuses a fractional block time with an EL (several blocks share a timestamp)', async () => {
    await expect(
      startDevnet({ followers: 1, blockTimeSeconds: 0.2, withEl: true }),
    ).rejects.toThrow(/without an EL/)
  })
})
