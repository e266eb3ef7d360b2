/**
 * `bench recovery`: both mechanisms catch a restarted follower up over real HTTP, and the
 * result rows carry the documented fields.
 */
import { describe, expect, it } from 'vitest'
import { formatRecoveryTable, runRecoveryBench } from '../../src/devnet/recoveryBench.ts'

describe('e2e / bench recovery', () => {
  it('EL sync and the backup RPC side by side: each closes the gap, with its requests', async () => {
    const results = await runRecoveryBench({ gapBlocks: 20, blockIntervalMs: 100 })
    expect(results.map((r) => r.mechanism)).toEqual(['el-sync', 'backup-rpc'])
    for (const r of results) {
      expect(Object.keys(r).sort()).toEqual(
        ['blocksPerSecond', 'gapBlocks', 'mechanism', 'recoveryMs', 'requests'].sort(),
      )
      expect(r.gapBlocks).toBe(20)
      expect(r.recoveryMs).toBeGreaterThan(0)
      expect(r.blocksPerSecond).toBeGreaterThan(0)
      expect(r.requests).toBeGreaterThanOrEqual(20) // one read per missing block at least
    }
    const table = formatRecoveryTable(results)
    expect(table[0]).toMatch(/^mechanism\s+gap blocks\s+recovery\s+blocks\/s\s+requests$/)
    expect(table).toHaveLength(3)
  })
})
