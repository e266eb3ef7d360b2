/**
 * Data types of the OP unsafe-block gossip wire format (spec: op-gossip.md §2).
 * Byte fields are Uint8Array views; decoders may return subarrays of the message buffer
 * (no copies), so callers that keep a payload beyond the message's life must not mutate it.
 */

/** Gossip topic version: `/optimism/<chainId>/<version - 1>/blocks` carries ExecutionPayload V<version>. */
export type BlockVersion = 1 | 2 | 3 | 4

export const BLOCK_VERSIONS: readonly BlockVersion[] = [1, 2, 3, 4]

export interface Withdrawal {
  index: bigint
  validatorIndex: bigint
  /** 20 bytes */
  address: Uint8Array
  amount: bigint
}

/**
 * ExecutionPayload V1..V4 as carried in gossip (SSZ layout: op-gossip.md §2.3).
 * Fields added by a later version are present exactly from that version on.
 */
export interface ExecutionPayload {
  /** 32 bytes */
  parentHash: Uint8Array
  /** 20 bytes */
  feeRecipient: Uint8Array
  /** 32 bytes */
  stateRoot: Uint8Array
  /** 32 bytes */
  receiptsRoot: Uint8Array
  /** 256 bytes */
  logsBloom: Uint8Array
  /** 32 bytes */
  prevRandao: Uint8Array
  blockNumber: bigint
  gasLimit: bigint
  gasUsed: bigint
  /** Unix seconds */
  timestamp: bigint
  /** 0..32 bytes */
  extraData: Uint8Array
  baseFeePerGas: bigint
  /** 32 bytes */
  blockHash: Uint8Array
  /** Opaque EIP-2718 transaction bytes, in block order */
  transactions: Uint8Array[]
  /** V2+ (must be empty for gossip validity) */
  withdrawals?: Withdrawal[]
  /** V3+ */
  blobGasUsed?: bigint
  /** V3+ */
  excessBlobGas?: bigint
  /** V4 only (OP Isthmus): L2ToL1MessagePasser storage root, 32 bytes */
  withdrawalsRoot?: Uint8Array
}

/** A decoded gossip message (after Snappy decompression): op-gossip.md §2.2. */
export interface SignedEnvelope {
  version: BlockVersion
  /** 65 bytes: r (32) || s (32) || v (1; 0 or 1 when signed, 0..7 accepted) */
  signature: Uint8Array
  /** V3+ only: 32 bytes */
  parentBeaconBlockRoot?: Uint8Array
  payload: ExecutionPayload
  /** Every byte after the signature: what the payload hash covers (§3.1) */
  signedBytes: Uint8Array
}
