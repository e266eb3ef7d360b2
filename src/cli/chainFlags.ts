/** `--network NAME` / `--rollup.config FILE`, as `run` and `enr` take them. */
import { selectChain } from '../chains/selectChain.ts'
import type { ChainConfig } from '../chains/types.ts'
import { withFlag } from './usageError.ts'

export const ROLLUP_CONFIG_FLAG = '--rollup.config'

export interface ChainFlags {
  network?: string | undefined
  'rollup.config'?: string | undefined
}

/**
 * The chain the flags choose. A bad rollup.json names --rollup.config; the selection errors
 * (neither flag, both, an unknown network) name their flags in their messages.
 */
export function selectChainFromFlags(flags: ChainFlags): ChainConfig {
  const network = flags.network
  const rollupConfig = flags['rollup.config']
  const onlyFile = rollupConfig !== undefined && network === undefined
  return withFlag(onlyFile ? ROLLUP_CONFIG_FLAG : undefined, () =>
    selectChain({ network, rollupConfig }),
  )
}
