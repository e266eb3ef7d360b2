import { BUILTIN_CHAINS, getBuiltinChain } from './builtin.ts'
import { loadRollupConfigFile } from './rollupConfig.ts'
import type { ChainConfig } from './types.ts'

export class ChainSelectionError extends Error {
  override readonly name = 'ChainSelectionError'
  readonly code: 'CHAIN_UNKNOWN_NETWORK' | 'CHAIN_CONFLICTING_FLAGS' | 'CHAIN_NOT_SELECTED'
  constructor(code: ChainSelectionError['code'], message: string) {
    super(message)
    this.code = code
  }
}

export interface ChainSelection {
  /** `--network`: a built-in chain name */
  network?: string | undefined
  /** `--rollup.config`: path to op-node's rollup.json */
  rollupConfig?: string | undefined
}

/**
 * The chain chosen by `--network NAME` or `--rollup.config FILE` (exactly one).
 * @throws ChainSelectionError, or RollupConfigError for a bad rollup.json
 */
export function selectChain(sel: ChainSelection): ChainConfig {
  if (sel.network !== undefined && sel.rollupConfig !== undefined) {
    throw new ChainSelectionError(
      'CHAIN_CONFLICTING_FLAGS',
      '--network and --rollup.config are mutually exclusive',
    )
  }
  if (sel.rollupConfig !== undefined) return loadRollupConfigFile(sel.rollupConfig)
  if (sel.network !== undefined) {
    const chain = getBuiltinChain(sel.network)
    if (chain === undefined) {
      throw new ChainSelectionError(
        'CHAIN_UNKNOWN_NETWORK',
        `unknown --network ${sel.network} (known: ${BUILTIN_CHAINS.map((c) => c.name).join(', ')})`,
      )
    }
    return chain
  }
  throw new ChainSelectionError(
    'CHAIN_NOT_SELECTED',
    `choose a chain with --network (${BUILTIN_CHAINS.map((c) => c.name).join(', ')}) or --rollup.config FILE`,
  )
}
