import { OpGossipError } from '../util/errors.ts'
import { BUILTIN_CHAINS, getBuiltinChain } from './builtin.ts'
import { loadRollupConfigFile } from './rollupConfig.ts'
import type { ChainConfig } from './types.ts'

export type ChainSelectionErrorCode =
  | 'CHAIN_UNKNOWN_NETWORK'
  | 'CHAIN_CONFLICTING_FLAGS'
  | 'CHAIN_NOT_SELECTED'

/** `--network` / `--rollup.config` missing, both given, or naming no chain (messages name them). */
export class ChainSelectionError extends OpGossipError<ChainSelectionErrorCode> {
  override readonly name = 'ChainSelectionError'
  constructor(code: ChainSelectionErrorCode, message: string) {
    super(code, message, { kind: 'configuration' })
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
