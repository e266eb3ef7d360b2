import { base } from './base.ts'
import { baseSepolia } from './baseSepolia.ts'
import { opMainnet } from './opMainnet.ts'
import { opSepolia } from './opSepolia.ts'
import type { ChainConfig } from './types.ts'

/** The chains `--network` accepts, in the order `op-gossip chains` lists them. */
export const BUILTIN_CHAINS: readonly ChainConfig[] = [opMainnet, base, opSepolia, baseSepolia]

/** Built-in chain by its short name (`op-mainnet`, `base`, `op-sepolia`, `base-sepolia`). */
export function getBuiltinChain(name: string): ChainConfig | undefined {
  return BUILTIN_CHAINS.find((c) => c.name === name)
}

/** Built-in chain by its L2 chain id. */
export function getBuiltinChainById(chainId: number): ChainConfig | undefined {
  return BUILTIN_CHAINS.find((c) => c.chainId === chainId)
}
