/**
 * Gossip verdicts and stable reason codes. Each code maps to the op-node validation step it
 * mirrors (op-gossip.md §6.2) and to the verdict op-node returns there.
 */
export type Verdict = 'accept' | 'reject' | 'ignore'

export const GossipReason = {
  /** §6.2 step 1: the Snappy header (uvarint decoded length) cannot be read */
  SNAPPY_BAD_HEADER: 'reject',
  /** step 2: decoded length > 10 MiB */
  SNAPPY_TOO_LARGE: 'reject',
  /** step 3: decoded length < 66 */
  SNAPPY_TOO_SMALL: 'reject',
  /** step 4: the Snappy body is corrupt or truncated */
  SNAPPY_CORRUPT: 'reject',
  /** step 6: no unsafe-block signer configured */
  SIGNER_UNKNOWN: 'ignore',
  /** step 7: public-key recovery failed (bad r/s, v > 7: op-gossip.md §2.2) */
  BAD_SIGNATURE: 'reject',
  /** step 8: recovered address is not the unsafe-block signer */
  WRONG_SIGNER: 'reject',
  /** step 9: SSZ decode failed */
  SSZ_INVALID: 'reject',
  /** step 10: timestamp older than now - threshold */
  TIMESTAMP_TOO_OLD: 'reject',
  /** step 11: timestamp more than 5 s in the future */
  TIMESTAMP_TOO_NEW: 'reject',
  /** step 12: recomputed block hash differs */
  BLOCK_HASH_MISMATCH: 'reject',
  /** steps 13-14: withdrawals present on v1 / absent on v2+ */
  WITHDRAWALS_WRONG_VERSION: 'reject',
  /** step 15: withdrawals non-empty on v2+ */
  WITHDRAWALS_NOT_EMPTY: 'reject',
  /** steps 16-17: blob gas fields present on v1/v2 */
  BLOB_GAS_WRONG_VERSION: 'reject',
  /** step 18: blobGasUsed absent on v3+ */
  BLOB_GAS_USED_MISSING: 'reject',
  /** step 19: blobGasUsed non-zero on v3+ before Jovian */
  BLOB_GAS_USED_NOT_ZERO: 'reject',
  /** step 20: excessBlobGas absent or non-zero on v3+ */
  EXCESS_BLOB_GAS_INVALID: 'reject',
  /** step 21: parentBeaconBlockRoot absent on v3+ */
  PARENT_BEACON_ROOT_MISSING: 'reject',
  /** step 22: withdrawalsRoot absent on v4 */
  WITHDRAWALS_ROOT_MISSING: 'reject',
  /** step 23: more than 5 distinct blocks already seen at this height */
  TOO_MANY_BLOCKS_AT_HEIGHT: 'reject',
  /** step 24: this block hash was already seen at this height */
  DUPLICATE_BLOCK: 'ignore',
  /** topic is not one of this chain's four block topics */
  UNKNOWN_TOPIC: 'reject',
  /** an unexpected exception inside validation (op-node: panic → reject) */
  INTERNAL_ERROR: 'reject',
} as const satisfies Record<string, Exclude<Verdict, 'accept'>>

export type GossipReasonCode = keyof typeof GossipReason

export const GOSSIP_REASON_CODES = Object.keys(GossipReason) as GossipReasonCode[]

/** A typed failure raised by wire decoders and mapped to a verdict by the validator. */
export class GossipValidationError extends Error {
  override readonly name = 'GossipValidationError'
  readonly code: GossipReasonCode
  readonly verdict: Exclude<Verdict, 'accept'>

  constructor(code: GossipReasonCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.verdict = GossipReason[code]
  }
}
