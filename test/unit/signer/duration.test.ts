import { describe, expect, it } from 'vitest'
import { getBuiltinChain } from '../../../src/chains/builtin.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { DurationError, parseDurationMs } from '../../../src/signer/duration.ts'
import { parseSignerFlags, SignerFlagError } from '../../../src/signer/signerFlags.ts'

describe('signer / duration', () => {
  it.each([
    ['0', 0],
    ['10m', 600_000],
    ['10m0s', 600_000],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1_500],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms)
  })

  it.each(['', '10', '-1s', '5 m', '1d', 'm'])('rejects %j', (text) => {
    expect(() => parseDurationMs(text)).toThrow(DurationError)
  })
})

describe('signer / signerFlags', () => {
  const op = getBuiltinChain('op-mainnet')!
  it('maps --p2p.signer.grace-period to the source option', () => {
    expect(parseSignerFlags({ 'p2p.signer.gracePeriod': '20m' }, op).gracePeriodMs).toBe(1_200_000)
    expect(parseSignerFlags({}, op).gracePeriodMs).toBeUndefined()
  })

  it('maps the flags and adds what the chain knows', () => {
    expect(
      parseSignerFlags(
        { l1: 'https://l1.example/key', 'l1.runtimeConfigReloadInterval': '1m' },
        op,
      ),
    ).toEqual({
      l1Url: 'https://l1.example/key',
      reloadIntervalMs: 60_000,
      systemConfig: op.systemConfig,
      l1ChainId: 1,
      lastKnownSigner: op.unsafeBlockSigner,
    })
  })

  it.each([
    [{ 'p2p.unsafeBlockSigner': '0x12' }, '--p2p.unsafe-block-signer'],
    [{ l1: 'ws://x' }, '--l1 must be an http'],
    [{ l1: 'not a url' }, '--l1 must be an http'],
    [{ 'l1.runtimeConfigReloadInterval': '5' }, '--l1.runtime-config-reload-interval'],
    [{ 'p2p.signer.gracePeriod': '3 hours' }, '--p2p.signer.grace-period'],
  ])('%j is an error naming %s', (flags, text) => {
    expect(() => parseSignerFlags(flags, op)).toThrow(SignerFlagError)
    expect(() => parseSignerFlags(flags, op)).toThrow(text)
  })

  it('--l1 on a chain without a SystemConfig address is an error unless a signer is given', () => {
    const devnet = createDevnetChain()
    expect(() => parseSignerFlags({ l1: 'http://127.0.0.1:8545' }, devnet)).toThrow(
      'no L1 SystemConfig',
    )
    const signer = '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc'
    expect(
      parseSignerFlags({ l1: 'http://127.0.0.1:8545', 'p2p.unsafeBlockSigner': signer }, devnet),
    ).toMatchObject({
      configuredSigner: signer,
    })
  })
})
