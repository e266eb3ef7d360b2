import { CommanderError } from 'commander'
import { describe, expect, it } from 'vitest'
import { RollupConfigError } from '../../../src/chains/rollupConfig.ts'
import { ChainSelectionError } from '../../../src/chains/selectChain.ts'
import { describeFailure, isCleanCommanderExit } from '../../../src/cli/failure.ts'
import { describeStartFailure } from '../../../src/cli/run/lifecycle.ts'
import { namingFlag, UsageError, withFlag } from '../../../src/cli/usageError.ts'
import { BootnodeError } from '../../../src/discovery/bootnodes.ts'
import { DiscoveryFlagError } from '../../../src/discovery/discoveryFlags.ts'
import { NodeKeyError } from '../../../src/discovery/nodeKey.ts'
import type { NodeOptions } from '../../../src/node.ts'
import { DurationError } from '../../../src/signer/duration.ts'
import { SignerFlagError } from '../../../src/signer/signerFlags.ts'
import { SignerSourceError, SignerSourceErrorCode } from '../../../src/signer/signerSource.ts'
import { OpGossipError } from '../../../src/util/errors.ts'

describe('cli / failure', () => {
  it('a configuration error: one line naming the flag, exit status 2', () => {
    const err = new UsageError('must be a whole number', { flag: '--p2p.peers.lo' })
    expect(describeFailure(err)).toEqual({
      status: 2,
      text: 'op-gossip: --p2p.peers.lo: must be a whole number\n',
    })
  })

  it("commander's errors are usage errors without its 'error: ' prefix", () => {
    const err = new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'")
    expect(describeFailure(err)).toEqual({ status: 2, text: "op-gossip: unknown option '--x'\n" })
    // A command group without a subcommand: its help is already out.
    expect(describeFailure(new CommanderError(1, 'commander.help', '(outputHelp)'))).toEqual({
      status: 2,
      text: '',
    })
    expect(isCleanCommanderExit(new CommanderError(0, 'commander.helpDisplayed', ''))).toBe(true)
    expect(isCleanCommanderExit(err)).toBe(false)
  })

  it('anything else: exit status 1, first line only, the stack only when debugging', () => {
    expect(describeFailure(new Error('EL gone\nsecond line'))).toEqual({
      status: 1,
      text: 'op-gossip: EL gone\n',
    })
    const runtime = new OpGossipError('ENGINE_TIMEOUT', 'no answer', { flag: '--l2' })
    expect(describeFailure(runtime)).toEqual({ status: 1, text: 'op-gossip: --l2: no answer\n' })
    expect(describeFailure('text')).toEqual({ status: 1, text: 'op-gossip: text\n' })
    const debug = describeFailure(new Error('boom'), true).text.split('\n')
    expect(debug[0]).toBe('op-gossip: boom')
    expect(debug[2]).toMatch(/^\s+at /)
  })

  it('namingFlag / withFlag: a configuration error gains the flag, nothing else changes', () => {
    const bad = new DurationError('bad duration "x"')
    const named = namingFlag(bad, '--p2p.ban.duration') as UsageError
    expect(named).toBeInstanceOf(UsageError)
    expect(named).toMatchObject({ flag: '--p2p.ban.duration', code: 'BAD_DURATION', cause: bad })
    const runtime = new OpGossipError('X', 'y')
    expect(namingFlag(runtime, '--a')).toBe(runtime)
    const flagged = new UsageError('z', { flag: '--b' })
    expect(namingFlag(flagged, '--a')).toBe(flagged)
    expect(namingFlag(bad, undefined)).toBe(bad)
    expect(() =>
      withFlag('--x', () => {
        throw bad
      }),
    ).toThrow(expect.objectContaining({ flag: '--x' }))
  })
})

describe('cli / failure: every error class of the CLI area is a configuration error', () => {
  const errors: Record<string, OpGossipError> = {
    UsageError: new UsageError('m'),
    RollupConfigError: new RollupConfigError('ROLLUP_CONFIG_BAD_JSON', undefined, 'm'),
    ChainSelectionError: new ChainSelectionError('CHAIN_NOT_SELECTED', 'm'),
    SignerFlagError: new SignerFlagError('--l1', '--l1 must be an http(s) URL'),
    DurationError: new DurationError('m'),
    DiscoveryFlagError: new DiscoveryFlagError('--p2p.listen.udp', 'm'),
    BootnodeError: new BootnodeError('enr:x', 'm'),
    NodeKeyError: new NodeKeyError('m'),
    ...Object.fromEntries(
      Object.values(SignerSourceErrorCode).map((code) => [
        `SignerSourceError ${code}`,
        new SignerSourceError(code, 'm'),
      ]),
    ),
  }

  it.each(Object.entries(errors))(
    '%s: kind configuration, exit status 2, own name',
    (name, err) => {
      expect(err).toBeInstanceOf(OpGossipError)
      expect(err.kind).toBe('configuration')
      expect(describeFailure(err).status).toBe(2)
      expect(err.name).toBe(name.split(' ')[0])
    },
  )

  it('carries the flag where the class knows it', () => {
    expect(errors.SignerFlagError?.flag).toBe('--l1')
    expect(errors.DiscoveryFlagError?.flag).toBe('--p2p.listen.udp')
    expect(new SignerSourceError('SIGNER_L1_WRONG_CHAIN', 'm').flag).toBe('--l1')
    expect(new SignerSourceError('SIGNER_BAD_ADDRESS', 'm').flag).toBeUndefined()
  })
})

describe('cli / run: failures at start', () => {
  const node = { rpc: { host: '127.0.0.1', port: 9545 }, metrics: null } as unknown as NodeOptions

  it('names the flag behind an EL refusal, by code', () => {
    const auth = new OpGossipError('ENGINE_AUTH_FAILED', 'HTTP 401: JWT rejected', {
      kind: 'configuration',
    })
    expect(describeFailure(describeStartFailure(auth, node))).toEqual({
      status: 2,
      text: 'op-gossip: --l2.jwt-secret: HTTP 401: JWT rejected\n',
    })
    const chain = new OpGossipError('ENGINE_WRONG_CHAIN', 'EL is chain 5', {
      kind: 'configuration',
    })
    expect(describeFailure(describeStartFailure(chain, node)).text).toBe(
      'op-gossip: --l2: EL is chain 5\n',
    )
    const down = new OpGossipError('ENGINE_TRANSPORT', 'refused')
    expect(describeStartFailure(down, node)).toBe(down)
  })

  it('a port in use names --rpc.port or --metrics.port, from the socket error', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), {
      code: 'EADDRINUSE',
      syscall: 'listen',
      address: '127.0.0.1',
      port: 9545,
    })
    expect(describeFailure(describeStartFailure(inUse, node))).toEqual({
      status: 2,
      text: 'op-gossip: --rpc.port: cannot listen on 127.0.0.1:9545: EADDRINUSE\n',
    })
    const plain = new Error('other')
    expect(describeStartFailure(plain, node)).toBe(plain)
  })
})
