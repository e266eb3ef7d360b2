import { describe, expect, it } from 'vitest'
import { RollupConfigError } from '../../../src/chains/rollupConfig.ts'
import { ChainSelectionError, selectChain } from '../../../src/chains/selectChain.ts'

const FIXTURE = new URL('../../fixtures/op-sepolia-rollup.json', import.meta.url).pathname

describe('chains / selectChain', () => {
  it('--network picks a built-in chain, --rollup.config reads a file', () => {
    expect(selectChain({ network: 'base' }).chainId).toBe(8453)
    expect(selectChain({ network: undefined, rollupConfig: FIXTURE }).chainId).toBe(11155420)
  })

  it.each([
    [{ network: 'base', rollupConfig: FIXTURE }, 'CHAIN_CONFLICTING_FLAGS'],
    [{ network: 'optimism' }, 'CHAIN_UNKNOWN_NETWORK'],
    [{}, 'CHAIN_NOT_SELECTED'],
  ])('%j → %s', (sel, code) => {
    expect(() => selectChain(sel)).toThrow(ChainSelectionError)
    try {
      selectChain(sel)
    } catch (err) {
      expect((err as ChainSelectionError).code).toBe(code)
    }
  })

  it('a bad rollup.json surfaces as RollupConfigError', () => {
    expect(() => selectChain({ rollupConfig: '/nonexistent/rollup.json' })).toThrow(
      RollupConfigError,
    )
  })
})
