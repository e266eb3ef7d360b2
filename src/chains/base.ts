import { OP_NODE_DEFAULT_BOOTNODES } from './bootnodes.ts'
import type { ChainConfig } from './types.ts'

/**
 * Base (chain 8453). Sources (op-gossip.md §3.4, §8.1, §8.3, §10):
 * - fork times, genesis, block time: the last superchain-registry version that contained Base
 *   (`superchain/configs/mainnet/base.toml`, removed from the registry 2026-04-27), cross-checked
 *   with kona's registry; regolith at 0 as op-node sets it for registry chains.
 * - genesis L1 block: kona `crates/protocol/registry` BASE_MAINNET_CONFIG.
 * - SystemConfig proxy and unsafe block signer: the registry's last record (Sept 2025).
 * - bootnodes: op-node's default list, which carries Base's own ENRs (opstack = 8453).
 * Unconfirmed: any fork after Jovian (Karst is left unscheduled), the block time after
 * 2026-04-27, and the signer after Sept 2025.
 */
/**
 * Base left the OP Stack (announced 2026-02) and ships base-consensus. Its own forks were read in
 * base/base `crates/common/chains/src/config.rs` (main of 2026-06-26, docs/conformance.md); the
 * BaseTime / Denim gossip rule (`block_validity.rs`, `base_time.rs`) is not implemented here.
 */
export function baseVerificationWarning(azul: string, beryl: string): string {
  return (
    'Base left the OP Stack and runs its own node (base-consensus): op-gossip verifies Base blocks ' +
    "with op-node's gossip rules and the OP fork times through Jovian. It does NOT verify Base's " +
    `own forks Azul (${azul}) and Beryl (${beryl}), nor Denim's 200 ms schedule (a BaseTime ` +
    'deposit as the second transaction of every block): a block off that schedule is accepted ' +
    'and relayed here, where base-consensus rejects it.'
  )
}

export const base: ChainConfig = {
  name: 'base',
  chainId: 8453,
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
    karst: null, // unconfirmed: not in the last registry record for Base
  },
  genesis: {
    l2Time: 1686789347,
    l2Number: 0,
    l2Hash: '0xf712aa9241cc24369b143cf6dce85f0902a9731e70d66818a3a5845b296c73dd',
    l1: {
      number: 17481768,
      hash: '0x5c13d307623a926cd31415036c8b7fa14572f9dac64528e857a470511fc30771',
    },
  },
  systemConfig: '0x73a79Fab69143498Ed3712e519A88a918e1f4072',
  unsafeBlockSigner: '0xAf6E19BE0F9cE7f8afd49a1824851023A8249e8a',
  bootnodes: [...OP_NODE_DEFAULT_BOOTNODES],
  unconfirmed: ['unsafeBlockSigner', 'forks.karst', 'blockTime', 'bootnodes'],
  verificationWarning: baseVerificationWarning('2026-05-28T18:00:00Z', '2026-06-25T18:00:00Z'),
}
