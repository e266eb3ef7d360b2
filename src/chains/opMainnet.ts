import { OP_NODE_DEFAULT_BOOTNODES } from './bootnodes.ts'
import type { ChainConfig } from './types.ts'

/**
 * OP Mainnet (chain 10). Sources (op-gossip.md §3.4, §8.3, §10):
 * - fork times, genesis, block time: ethereum-optimism/superchain-registry
 *   `superchain/configs/mainnet/op.toml` (+ `superchain.toml`), cross-checked with kona's registry;
 *   regolith at 0 as op-node sets it for registry chains; Karst added to the registry 2026-05-26.
 * - genesis L1 block: kona `crates/protocol/registry` OP_MAINNET_CONFIG.
 * - SystemConfig proxy and unsafe block signer: the registry's last record (Sept 2025); the signer
 *   was the same in every registry version that listed it, but the live value is the L1 slot.
 * - bootnodes: op-node's default list (no ENR carrying opstack = 10 is known; the enodes are used).
 */
export const opMainnet: ChainConfig = {
  name: 'op-mainnet',
  chainId: 10,
  l1ChainId: 1,
  blockTime: 2,
  forks: {
    regolith: 0,
    canyon: 1704992401, // 2024-01-11 17:00:01 UTC
    delta: 1708560000, // 2024-02-22 00:00:00 UTC
    ecotone: 1710374401, // 2024-03-14 00:00:01 UTC
    fjord: 1720627201, // 2024-07-10 16:00:01 UTC
    granite: 1726070401, // 2024-09-11 16:00:01 UTC
    holocene: 1736445601, // 2025-01-09 18:00:01 UTC
    isthmus: 1746806401, // 2025-05-09 16:00:01 UTC
    jovian: 1764691201, // 2025-12-02 16:00:01 UTC
    karst: 1783526401, // 2026-07-08 16:00:01 UTC
  },
  genesis: {
    l2Time: 1686068903,
    l2Number: 105235063,
    l2Hash: '0xdbf6a80fef073de06add9b0d14026d6e5a86c85f6d102c36d3d8e9cf89c2afd3',
    l1: {
      number: 17422590,
      hash: '0x438335a20d98863a4c0c97999eb2481921ccd28553eac6f913af7c12aec04108',
    },
  },
  systemConfig: '0x229047fed2591dbec1eF1118d64F7aF3dB9EB290',
  unsafeBlockSigner: '0xAAAA45d9549EDA09E70937013520214382Ffc4A2',
  bootnodes: [...OP_NODE_DEFAULT_BOOTNODES],
  // Signer: last registry record Sept 2025. Bootnodes: liveness not checked.
  unconfirmed: ['unsafeBlockSigner', 'bootnodes'],
}
