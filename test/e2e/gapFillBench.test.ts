/**
 * `bench recovery`: every mechanism catches a restarted follower up over real HTTP (and, for
 * redis, a real redis-server), and the result rows carry the documented fields. Without
 * redis-server the redis mechanism is skipped with the reason in its row.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  formatRecoveryTable,
  isSkipped,
  RECOVERY_MECHANISMS,
  type RecoveryResult,
  runRecoveryBench,
} from '../../src/devnet/recoveryBench.ts'
import { runCli } from '../utils/cli.ts'
import { skipWithoutRedis } from '../utils/redisServer.ts'

const skipRedis = skipWithoutRedis()
const tmp = mkdtempSync(join(tmpdir(), 'opg-e2e-recovery-'))
const GAP = 20

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

describe('e2e / bench recovery', () => {
  it('EL sync and the backup RPC side by side: each closes the gap, with its requests', async () => {
    const results = await runRecoveryBench({
      gapBlocks: GAP,
      blockIntervalMs: 100,
      mechanisms: ['el-sync', 'backup-rpc'],
    })
    expect(results.map((r) => r.mechanism)).toEqual(['el-sync', 'backup-rpc'])
    for (const r of results) {
      expect(isSkipped(r)).toBe(false)
      const ran = r as RecoveryResult
      expect(Object.keys(ran).sort()).toEqual(
        ['blocksPerSecond', 'gapBlocks', 'mechanism', 'recoveryMs', 'requests'].sort(),
      )
      expect(ran.gapBlocks).toBe(GAP)
      expect(ran.recoveryMs).toBeGreaterThan(0)
      expect(ran.blocksPerSecond).toBeGreaterThan(0)
      expect(ran.requests).toBeGreaterThanOrEqual(GAP) // one read per missing block at least
    }
    const table = formatRecoveryTable(results)
    expect(table[0]).toMatch(/^mechanism\s+gap blocks\s+recovery\s+blocks\/s\s+requests$/)
    expect(table).toHaveLength(3)
  })

  it.skipIf(skipRedis)(
    'redis: the restarted subscriber replays the gap from the stream, in a few commands',
    async () => {
      expect(RECOVERY_MECHANISMS).toContain('redis')
      const [r] = await runRecoveryBench({
        gapBlocks: GAP,
        blockIntervalMs: 100,
        mechanisms: ['redis'],
      })
      expect(r !== undefined && !isSkipped(r)).toBe(true)
      const ran = r as RecoveryResult
      expect(Object.keys(ran).sort()).toEqual(
        ['blocksPerSecond', 'gapBlocks', 'mechanism', 'recoveryMs', 'requests'].sort(),
      )
      expect(ran).toMatchObject({ mechanism: 'redis', gapBlocks: GAP })
      expect(ran.recoveryMs).toBeGreaterThan(0)
      // The follower's EL gained at least the gap.
      expect(ran.blocksPerSecond * (ran.recoveryMs / 1000)).toBeGreaterThanOrEqual(GAP - 0.5)
      // One XREVRANGE page finds the EL head, then XREADs of up to 100 entries, not one per block.
      expect(ran.requests).toBeGreaterThanOrEqual(2)
      expect(ran.requests).toBeLessThan(GAP)
      const table = formatRecoveryTable([ran])
      expect(table[1]).toMatch(/^redis\s+20\s+\d+ ms\s+[\d.]+\s+\d+$/)
    },
    60_000,
  )

  it('redis without redis-server: skipped, with how to get it, in the table and in --json', async () => {
    const emptyPath = mkdtempSync(join(tmp, 'path-'))
    const args = ['bench', 'recovery', '--mechanism', 'redis', '--gap', '3']
    const table = await runCli(args, { env: { PATH: emptyPath }, timeoutMs: 30_000 })
    expect(table.code, table.stderr).toBe(0)
    const lines = table.stdout.trim().split('\n')
    expect(lines[1]).toMatch(/^redis\s+3\s+skipped\s+-\s+-$/)
    expect(lines[2]).toBe('redis skipped: redis-server missing (apt-get install redis-server)')
    const json = await runCli([...args, '--json'], { env: { PATH: emptyPath }, timeoutMs: 30_000 })
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout.trim())).toEqual([
      {
        mechanism: 'redis',
        gapBlocks: 3,
        skipped: 'redis-server missing (apt-get install redis-server)',
      },
    ])
  })
})
