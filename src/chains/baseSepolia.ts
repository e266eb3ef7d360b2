import { baseVerificationWarning } from './base.ts'
import { OP_NODE_DEFAULT_BOOTNODES } from './bootnodes.ts'
import type { ChainConfig } from './types.ts'

/**
 * Base Sepolia (chain 84532). Sources (op-gossip.md §3.4, §8.3, §10):
 * - fork times, genesis, block time: the last superchain-registry version that contained Base
 *   Sepolia (`superchain/configs/sepolia/base.toml`, removed 2026-04-27), cross-checked with
 *   kona's registry; regolith at 0 as op-node sets it for registry chains.
 * - genesis L1 block: kona `crates/protocol/registry` BASE_SEPOLIA_CONFIG.
 * - SystemConfig proxy and unsafe block signer: the registry's last record (Sept 2025).
 * - bootnodes: op-node's default list.
 * Unconfirmed: any fork after Jovian (Karst left unscheduled), block time after 2026-04-27, signer.
 */
export const baseSepolia: ChainConfig = {
  name: 'base-sepolia',
  chainId: 84532,
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
    karst: null, // unconfirmed: not in the last registry record for Base Sepolia
  },
  genesis: {
    l2Time: 1695768288,
    l2Number: 0,
    l2Hash: '0x0dcc9e089e30b90ddfc55be9a37dd15bc551aeee999d2e2b51414c54eaf934e4',
    l1: {
      number: 4370868,
      hash: '0xcac9a83291d4dec146d6f7f69ab2304f23f5be87b1789119a0c5b1e4482444ed',
    },
  },
  systemConfig: '0xf272670eb55e895584501d564AfEB048bEd26194',
  unsafeBlockSigner: '0xb830b99c95Ea32300039624Cb567d324D4b1D83C',
  bootnodes: [...OP_NODE_DEFAULT_BOOTNODES],
  unconfirmed: ['unsafeBlockSigner', 'forks.karst', 'blockTime', 'bootnodes'],
  verificationWarning: baseVerificationWarning('2026-04-20T18:00:00Z', '2026-06-18T18:00:00Z'),
}
