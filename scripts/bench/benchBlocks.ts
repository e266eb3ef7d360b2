/**
 * What the latency scripts share: the chain they validate against and a builder of 100 KB blocks
 * (the warm-up's size) signed by the script's own sequencer key.
 */
import { type BlockBuilder, createBlockBuilder } from '../../src/blocks/blockBuilder.ts'
import { getBuiltinChain } from '../../src/chains/builtin.ts'
import type { ChainConfig } from '../../src/chains/types.ts'
import { WARM_UP_BLOCK_BYTES } from '../../src/gossip/warmUp.ts'
import { WARM_UP_LIBRARY_TX_POOL } from '../../src/gossip/warmUpLibraries.ts'

export function benchChain(): ChainConfig {
  const chain = getBuiltinChain('op-mainnet')
  if (chain === undefined) throw new Error('op-mainnet is not a built-in chain')
  return chain
}

/** Blocks of WARM_UP_BLOCK_BYTES on `chain`, signed with `sequencerKey`. */
export function benchBlockBuilder(chain: ChainConfig, sequencerKey: Uint8Array): BlockBuilder {
  return createBlockBuilder({
    chain,
    privateKey: sequencerKey,
    targetBytes: WARM_UP_BLOCK_BYTES,
    txPoolSize: WARM_UP_LIBRARY_TX_POOL,
  })
}
