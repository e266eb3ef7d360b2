/**
 * The pacing flags of the benches: `bench attack --warmup / --settle-seconds` and
 * `bench latency --idle-window / --settle`. Their defaults are the benches' own constants, each
 * takes its limits and refuses past them with a usage error (exit status 2) naming the flag.
 */
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { register } from '../../../src/cli/commands/bench.ts'
import {
  MAX_ATTACK_WARMUP_BLOCKS,
  MAX_PHASE_SETTLE_SECONDS,
  parseAttackPacing,
} from '../../../src/cli/commands/benchAttack.ts'
import {
  MAX_IDLE_WINDOW_SECONDS,
  MAX_SETTLE_SECONDS,
  parseIdleTiming,
} from '../../../src/cli/commands/benchLatency.ts'
import { UsageError } from '../../../src/cli/usageError.ts'
import { ATTACK_WARMUP_BLOCKS, PHASE_SETTLE_MS } from '../../../src/devnet/attackBench.ts'
import { DEFAULT_IDLE_CPU_WINDOW_MS, DEFAULT_SETTLE_MS } from '../../../src/devnet/latencyBench.ts'
import { failureInProcess } from '../../utils/cli.ts'

/** The option values a bench subcommand holds before any argument is parsed: its defaults. */
function defaultsOf(name: string): Record<string, string> {
  const program = new Command('op-gossip')
  register(program)
  const bench = program.commands.find((c) => c.name() === 'bench')
  const cmd = bench?.commands.find((c) => c.name() === name)
  if (cmd === undefined) throw new Error(`no bench ${name}`)
  return cmd.opts()
}

/** Past-limit values of each flag: below the minimum, above the maximum, not a whole number. */
const refused = (min: number, max: number) => [String(min - 1), String(max + 1), '1.5', 'x', '']

describe('cli / bench attack --warmup and --settle-seconds', () => {
  const ok = { warmup: '1', settleSeconds: '0' }

  it('defaults to the bench constants', () => {
    const d = defaultsOf('attack')
    expect(
      parseAttackPacing({ warmup: d.warmup ?? '', settleSeconds: d.settleSeconds ?? '' }),
    ).toEqual({
      warmupBlocks: ATTACK_WARMUP_BLOCKS,
      settleMs: PHASE_SETTLE_MS,
    })
  })

  it('takes the limits, in blocks and whole seconds', () => {
    expect(parseAttackPacing(ok)).toEqual({ warmupBlocks: 1, settleMs: 0 })
    expect(
      parseAttackPacing({
        warmup: String(MAX_ATTACK_WARMUP_BLOCKS),
        settleSeconds: String(MAX_PHASE_SETTLE_SECONDS),
      }),
    ).toEqual({ warmupBlocks: MAX_ATTACK_WARMUP_BLOCKS, settleMs: MAX_PHASE_SETTLE_SECONDS * 1000 })
  })

  it('refuses past the limits, naming the flag', () => {
    for (const bad of refused(1, MAX_ATTACK_WARMUP_BLOCKS)) {
      expect(() => parseAttackPacing({ ...ok, warmup: bad }), bad).toThrow(UsageError)
      expect(() => parseAttackPacing({ ...ok, warmup: bad }), bad).toThrow(/^--warmup /)
    }
    for (const bad of refused(0, MAX_PHASE_SETTLE_SECONDS)) {
      expect(() => parseAttackPacing({ ...ok, settleSeconds: bad }), bad).toThrow(UsageError)
      expect(() => parseAttackPacing({ ...ok, settleSeconds: bad }), bad).toThrow(
        /^--settle-seconds /,
      )
    }
  })

  it('exits with status 2 before anything starts', async () => {
    for (const args of [
      ['--warmup', '0'],
      ['--settle-seconds', String(MAX_PHASE_SETTLE_SECONDS + 1)],
    ]) {
      const failure = await failureInProcess(register, ['bench', 'attack', ...args])
      expect(failure?.status, args.join(' ')).toBe(2)
      expect(failure?.text).toContain(args[0])
    }
  })
})

describe('cli / bench latency --idle-window and --settle', () => {
  const ok = { idleWindow: '1', settle: '0' }

  it('defaults to the bench constants', () => {
    const d = defaultsOf('latency')
    expect(parseIdleTiming({ idleWindow: d.idleWindow ?? '', settle: d.settle ?? '' })).toEqual({
      idleWindowMs: DEFAULT_IDLE_CPU_WINDOW_MS,
      settleMs: DEFAULT_SETTLE_MS,
    })
  })

  it('takes the limits, in whole seconds', () => {
    expect(parseIdleTiming(ok)).toEqual({ idleWindowMs: 1000, settleMs: 0 })
    expect(
      parseIdleTiming({
        idleWindow: String(MAX_IDLE_WINDOW_SECONDS),
        settle: String(MAX_SETTLE_SECONDS),
      }),
    ).toEqual({ idleWindowMs: MAX_IDLE_WINDOW_SECONDS * 1000, settleMs: MAX_SETTLE_SECONDS * 1000 })
  })

  it('refuses past the limits (an idle window of 0 s measures nothing), naming the flag', () => {
    for (const bad of refused(1, MAX_IDLE_WINDOW_SECONDS)) {
      expect(() => parseIdleTiming({ ...ok, idleWindow: bad }), bad).toThrow(UsageError)
      expect(() => parseIdleTiming({ ...ok, idleWindow: bad }), bad).toThrow(/^--idle-window /)
    }
    for (const bad of refused(0, MAX_SETTLE_SECONDS)) {
      expect(() => parseIdleTiming({ ...ok, settle: bad }), bad).toThrow(UsageError)
      expect(() => parseIdleTiming({ ...ok, settle: bad }), bad).toThrow(/^--settle /)
    }
  })

  it('exits with status 2 before anything starts', async () => {
    for (const args of [
      ['--idle-window', '0'],
      ['--settle', String(MAX_SETTLE_SECONDS + 1)],
    ]) {
      const failure = await failureInProcess(register, ['bench', 'latency', ...args])
      expect(failure?.status, args.join(' ')).toBe(2)
      expect(failure?.text).toContain(args[0])
    }
  })
})
