/**
 * `--p2p.warmup` (src/gossip/warmUp.ts): on by default, off with `false`, from the flag or its
 * environment variable, which the devnet's node processes read as well.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addRunOptions, type RunFlags } from '../../../src/cli/run/flags.ts'
import { parseRunFlags } from '../../../src/cli/run/parse.ts'
import { UsageError } from '../../../src/cli/usageError.ts'
import { DEFAULT_WARM_UP } from '../../../src/gossip/warmUp.ts'
import { parseFlags } from '../../utils/cli.ts'

const parse = (args: string[], env: Record<string, string> = {}) =>
  parseFlags<RunFlags>(addRunOptions, ['--network', 'op-sepolia', ...args], env)

describe('cli / --p2p.warmup', () => {
  // The test run sets the variable to false for the processes it starts (vitest.config.ts).
  const fromTestRun = process.env.OP_GOSSIP_P2P_WARMUP
  beforeEach(() => {
    delete process.env.OP_GOSSIP_P2P_WARMUP
  })
  afterEach(() => {
    if (fromTestRun !== undefined) process.env.OP_GOSSIP_P2P_WARMUP = fromTestRun
  })

  it('is on by default and turned off by the flag or its environment variable', async () => {
    expect(DEFAULT_WARM_UP).toBe(true)
    expect((await parseRunFlags(await parse([]))).node.warmUp).toBe(true)
    expect((await parseRunFlags(await parse(['--p2p.warmup']))).node.warmUp).toBe(true)
    expect((await parseRunFlags(await parse(['--p2p.warmup=false']))).node.warmUp).toBe(false)
    const env = { OP_GOSSIP_P2P_WARMUP: 'false' }
    expect((await parseRunFlags(await parse([], env))).node.warmUp).toBe(false)
  })

  it('rejects a value that is not a boolean, naming the flag', async () => {
    const err = await parseRunFlags(await parse(['--p2p.warmup=maybe'])).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UsageError)
    expect(String((err as Error).message)).toContain('--p2p.warmup')
  })
})
