/**
 * `--p2p.warmup` (src/gossip/warmUp.ts): on by default, off with `false`, from the flag or its
 * environment variable, which the devnet's node processes read as well.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { addRunOptions, envNameOf, type RunFlags } from '../../../src/cli/run/flags.ts'
import { parseRunFlags } from '../../../src/cli/run/parse.ts'
import { UsageError } from '../../../src/cli/usageError.ts'
import type { NodeProcessConfig } from '../../../src/devnet/ipcProtocol.ts'
import { devnetNodeOptions, WARM_UP_ENV } from '../../../src/devnet/nodeRunner.ts'
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

describe('devnet / the warm-up environment variable', () => {
  const signer = `0x${'ab'.repeat(20)}` as const
  const config: NodeProcessConfig = {
    index: 1,
    role: 'follower',
    chain: createDevnetChain({ unsafeBlockSigner: signer }),
    peerKey: `0x${'01'.repeat(64)}`,
    signer,
    listenIp: '127.0.0.1',
    listenTcpPort: 0,
    bootnodes: [],
    mesh: { d: 8, lo: 6, hi: 12 },
    peers: { lo: 3, hi: 30 },
    discoveryIntervalMs: 1000,
    statsIntervalMs: 1000,
    el: null,
    logLevel: 'warn',
  }

  it('is the one `op-gossip run` reads, and decides the devnet node’s warm-up', () => {
    expect(WARM_UP_ENV).toBe(envNameOf('--p2p.warmup'))
    expect(devnetNodeOptions(config, null, {}).warmUp).toBe(DEFAULT_WARM_UP)
    expect(devnetNodeOptions(config, null, { [WARM_UP_ENV]: 'false' }).warmUp).toBe(false)
    expect(devnetNodeOptions(config, null, { [WARM_UP_ENV]: '1' }).warmUp).toBe(true)
    expect(() => devnetNodeOptions(config, null, { [WARM_UP_ENV]: 'maybe' })).toThrow(UsageError)
  })
})
