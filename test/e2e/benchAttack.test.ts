/**
 * `bench attack` as users run it: the real CLI in a child process, a devnet of real node
 * processes and one attacker process talking libp2p over 127.0.0.1 (--network loopback), every
 * phase shortened to a few seconds. Asserts the documented JSON (docs/attack.md) carries measured
 * values: the attacker sent messages, the nodes counted what they did with them, delivery was
 * measured. As root with `ip`, the same over network namespaces (--network netns): every node
 * and the attacker on an address of its own, the nodes with production per-IP defences.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { AttackBenchResult } from '../../src/devnet/attackBench.ts'
import { runCli } from '../utils/cli.ts'

const hasIp = await new Promise<boolean>((resolve) =>
  execFile('ip', ['-V'], (err) => resolve(err === null)),
)
const netnsSkip = process.getuid?.() !== 0 ? 'not root' : hasIp ? null : "no 'ip' command"
if (netnsSkip !== null) console.warn(`skipping bench attack --network netns: ${netnsSkip}`)

/**
 * Seconds per phase: the attackers' identities are refused within about half a second, so two
 * seconds hold the flood, the bans and at least one honest block (1 s blocks) in every phase.
 */
const PHASE_SECONDS = 2
/** Seconds of RSS sampling after the last attack phase: the test reads only the pre-attack RSS. */
const RECOVERY_SECONDS = 1
/**
 * Blocks before the first phase: the test checks that delivery was measured, not how fast a
 * warmed-up node is, so one block (the mesh is already formed) is enough.
 */
const WARMUP_BLOCKS = 1
/**
 * Seconds a phase's late arrivals still count: none. The test bounds delivery to [0, 1] rather
 * than asking for every block, and each phase's first blocks have long arrived when it ends
 * (deliveries on 127.0.0.1 take milliseconds), so the baseline's p99 is still measured.
 */
const SETTLE_SECONDS = 0
/** The pacing flags above, as the runs below pass them. */
const PACING_ARGS = ['--warmup', String(WARMUP_BLOCKS), '--settle-seconds', String(SETTLE_SECONDS)]

const tmp = mkdtempSync(join(tmpdir(), 'opg-e2e-attack-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('e2e / bench attack', () => {
  it('floods a 2-follower devnet phase by phase and reports every phase in JSON', async () => {
    const report = join(tmp, 'report')
    const r = await runCli(
      [
        'bench',
        'attack',
        '--nodes',
        '2',
        '--attackers',
        '1',
        '--phase-seconds',
        String(PHASE_SECONDS),
        '--rate',
        '400',
        '--recovery-seconds',
        String(RECOVERY_SECONDS),
        ...PACING_ARGS,
        '--network',
        'loopback',
        '--json',
        '--report',
        report,
      ],
      { timeoutMs: 110_000 },
    )
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as AttackBenchResult
    expect(result).toMatchObject({
      nodes: 2,
      attackers: 1,
      phaseSeconds: PHASE_SECONDS,
      ratePerSecond: 400,
      network: 'loopback',
    })
    expect(result.phases.map((p) => p.phase)).toEqual([
      'baseline',
      'invalid',
      'duplicate',
      'replay',
      'malformed',
    ])
    const byPhase = Object.fromEntries(result.phases.map((p) => [p.phase, p]))
    for (const p of result.phases) {
      // Blocks were published and delivery measured over both followers.
      expect(p.published).toBeGreaterThan(0)
      expect(p.delivery).toBeGreaterThanOrEqual(0)
      expect(p.delivery).toBeLessThanOrEqual(1)
      expect(p.followers.map((f) => f.index)).toEqual([1, 2])
      for (const f of p.followers) {
        expect(f.cpuMsPerSecond).toBeGreaterThan(0)
        expect(f.rssMaxMb).toBeGreaterThan(10)
        expect(f.queueFull).not.toBeNull()
        expect(f.rateLimited).not.toBeNull()
      }
      expect(typeof p.pass).toBe('boolean')
    }
    expect(byPhase.baseline?.attackers.sent).toBe(0)
    expect(byPhase.baseline?.p99VsBaseline).toBeNull()
    for (const name of ['invalid', 'duplicate', 'replay', 'malformed']) {
      expect(byPhase[name]?.attackers.sent, name).toBeGreaterThan(0)
      expect(byPhase[name]?.p99VsBaseline, name).not.toBeNull()
    }
    // The invalid flood was rejected by the nodes or dropped by their per-peer limits, and it
    // rotated identities.
    const invalid = byPhase.invalid
    expect((invalid?.rejected ?? 0) + (invalid?.rateLimited ?? 0)).toBeGreaterThan(0)
    expect(invalid?.attackers.identities).toBeGreaterThan(1)
    // One identity per follower in the duplicate flood: its copies hit the rate limit, and
    // going on past it, the node bans it for flooding (a refused redial, then a fresh identity).
    const duplicate = byPhase.duplicate
    expect(duplicate?.attackers.honestReceived).toBeGreaterThan(0)
    expect(duplicate?.rateLimited).toBeGreaterThan(0)
    expect(duplicate?.attackers.disconnected).toBeGreaterThan(0)
    expect(duplicate?.attackers.timeToDisconnectMs).toBeGreaterThan(0)
    // Stale replays are rejected (too old) or rate-limited.
    expect((byPhase.replay?.rejected ?? 0) + (byPhase.replay?.rateLimited ?? 0)).toBeGreaterThan(0)
    expect(result.recovery?.preAttackMb).toHaveLength(2)
    expect(result.soak).toBeNull()
    expect(existsSync(join(report, 'index.html'))).toBe(true)
    const saved = JSON.parse(readFileSync(join(report, 'result.json'), 'utf8'))
    expect(saved.result.phases).toHaveLength(5)
  })

  it.skipIf(netnsSkip !== null)(
    'floods over network namespaces: the attacker on its own address, flood and relay work',
    async () => {
      const r = await runCli(
        [
          'bench',
          'attack',
          '--network',
          'netns',
          '--nodes',
          '2',
          '--attackers',
          '1',
          '--phases',
          'baseline,invalid,duplicate',
          '--phase-seconds',
          String(PHASE_SECONDS),
          '--rate',
          '400',
          '--recovery-seconds',
          String(RECOVERY_SECONDS),
          ...PACING_ARGS,
          '--json',
        ],
        { timeoutMs: 110_000 },
      )
      expect(r.code, r.stderr).toBe(0)
      // One address per attacker and attack phase: 2 here.
      expect(r.stderr).toContain('2 attackers in 10.213.2.0/24')
      const result = JSON.parse(r.stdout) as AttackBenchResult
      expect(result.network).toBe('netns')
      const byPhase = Object.fromEntries(result.phases.map((p) => [p.phase, p]))
      expect(byPhase.baseline?.published).toBeGreaterThan(0)
      expect(byPhase.baseline?.attackers.sent).toBe(0)
      // The attacker reached the followers from its namespace, rotating identities past the
      // production limit on inbound connections per IP.
      const invalid = byPhase.invalid
      expect(invalid?.attackers.sent).toBeGreaterThan(0)
      expect((invalid?.rejected ?? 0) + (invalid?.rateLimited ?? 0)).toBeGreaterThan(0)
      expect(invalid?.attackers.identities).toBeGreaterThan(1)
      // The followers relayed honest blocks to it across the bridge.
      expect(byPhase.duplicate?.attackers.honestReceived).toBeGreaterThan(0)
      expect(byPhase.duplicate?.attackers.sent).toBeGreaterThan(0)
    },
  )

  // Usage errors: independent short runs, side by side.
  it.concurrent('refuses an unknown network with exit code 2', async () => {
    const r = await runCli(['bench', 'attack', '--network', 'wan'], { timeoutMs: 30_000 })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--network')
  })

  it.concurrent('refuses an unknown phase with exit code 2', async () => {
    const r = await runCli(['bench', 'attack', '--phases', 'baseline,flood'], { timeoutMs: 30_000 })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--phases')
  })
})
