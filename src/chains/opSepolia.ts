import { OP_NODE_DEFAULT_BOOTNODES } from './bootnodes.ts'
import type { ChainConfig } from './types.ts'

/**
 * OP Sepolia (chain 11155420). Sources (op-gossip.md §3.4, §8.3, §10):
 * - fork times, genesis, block time: ethereum-optimism/superchain-registry
 *   `superchain/configs/sepolia/op.toml` (+ `superchain.toml`), cross-checked with kona's registry;
 *   regolith at 0 as op-node sets it for registry chains; Karst added to the registry 2026-05-26.
 *   (Pectra blob schedule 1742486400 is L1-info only and not a gossip fork.)
 * - genesis L1 block: OP Sepolia's published rollup.json (see test/fixtures/op-sepolia-rollup.json).
 * - SystemConfig proxy and unsafe block signer: the registry's last record (Sept 2025).
 * - bootnodes: op-node's default list.
 */
export const opSepolia: ChainConfig = {
  name: 'op-sepolia',
  chainId: 11155420,
  l1ChainId: 11155111,
  blockTime: 2,
  forks: {
    regolith: 0,
    canyon: 1699981200, // 2023-11-14 17:00:00 UTC
    delta: 1703203200, // 2023-12-22 00:00:00 UTC
    ecotone: 1708534800, // 2024-02-21 17:00:00 UTC
    fjord: 1716998400, // 2024-05-29 16:00:00 UTC
    granite: 1723478400, // 2024-08-12 16:00:00 UTC
    holocene: 1732633200, // 2024-11-26 15:00:00 UTC
    isthmus: 1744905600, // 2025-04-17 16:00:00 UTC
    jovian: 1763568001, // 2025-11-19 16:00:01 UTC
    karst: 1781712001, // 2026-06-17 16:00:01 UTC
  },
  genesis: {
    l2Time: 1691802540,
    l2Number: 0,
    l2Hash: '0x102de6ffb001480cc9b8b548fd05c34cd4f46ae4aa91759393db90ea0409887d',
    l1: {
      number: 4071408,
      hash: '0x48f520cf4ddaf34c8336e6e490632ea3cf1e5e93b0b2bc6e917557e31845371b',
    },
  },
  systemConfig: '0x034edD2A225f7f429A63E0f1D2084B9E0A93b538',
  unsafeBlockSigner: '0x57CACBB0d30b01eb2462e5dC940c161aff3230D3',
  bootnodes: [...OP_NODE_DEFAULT_BOOTNODES],
  unconfirmed: ['unsafeBlockSigner', 'bootnodes'],
}
