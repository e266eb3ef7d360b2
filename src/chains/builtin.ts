import { base } from './base.ts'
import { baseSepolia } from './baseSepolia.ts'
import { opMainnet } from './opMainnet.ts'
import { opSepolia } from './opSepolia.ts'
import type { ChainConfig } from './types.ts'

/** The chains `--network` accepts, in the order `op-gossip chains` lists them. */
export const BUILTIN_CHAINS: readonly ChainConfig[] = [opMainnet, base, opSepolia, baseSepolia]

/**
 * op-node's `--network` names (the superchain registry's `<chain>-<superchain>`) that differ from
 * ours, so an op-node command line or environment file works unchanged.
 */
export const OP_NODE_NETWORK_ALIASES: Readonly<Record<string, string>> = {
  'base-mainnet': 'base',
}

/**
 * Built-in chain by its short name (`op-mainnet`, `base`, `op-sepolia`, `base-sepolia`) or its
 * op-node network name (`base-mainnet`).
 */
export function getBuiltinChain(name: string): ChainConfig | undefined {
  const canonical = OP_NODE_NETWORK_ALIASES[name] ?? name
  return BUILTIN_CHAINS.find((c) => c.name === canonical)
}

/** Built-in chain by its L2 chain id. */
export function getBuiltinChainById(chainId: number): ChainConfig | undefined {
  return BUILTIN_CHAINS.find((c) => c.chainId === chainId)
}
