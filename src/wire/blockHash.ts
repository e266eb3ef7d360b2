/**
 * Block-hash recomputation (op-gossip.md §6.3): keccak256(RLP(header)) with the header rebuilt
 * from an ExecutionPayload the way op-node's `ExecutionPayloadEnvelope.CheckBlockHash` does.
 */
import { createHash } from 'node:crypto'
import { keccak256 } from './keccak.ts'
import { encodeRlpBytes, encodeRlpList, encodeRlpUint } from './rlp.ts'
import { orderedTrieRoot } from './trie.ts'
import type { BlockVersion, ExecutionPayload, Withdrawal } from './types.ts'

/** keccak256(RLP([])): the ommers hash of every post-merge header. */
export const EMPTY_OMMERS_HASH: Uint8Array = new Uint8Array(
  Buffer.from('1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347', 'hex'),
)

/** sha256(""): requestsHash of an Isthmus header (OP has no execution-layer requests). */
export const EMPTY_REQUESTS_HASH: Uint8Array = new Uint8Array(createHash('sha256').digest())

const ZERO_NONCE = new Uint8Array(8)
const RLP_ZERO = encodeRlpUint(0)
const RLP_EMPTY_OMMERS_HASH = encodeRlpBytes(EMPTY_OMMERS_HASH)
const RLP_ZERO_NONCE = encodeRlpBytes(ZERO_NONCE)
const RLP_EMPTY_REQUESTS_HASH = encodeRlpBytes(EMPTY_REQUESTS_HASH)

/** Thrown when a payload lacks a field its version requires (a decoder bug or bad caller). */
export class BlockHashInputError extends Error {
  override readonly name = 'BlockHashInputError'
  readonly code = 'BLOCK_HASH_MISSING_FIELD'
}

function required<T>(value: T | undefined, field: string, version: BlockVersion): T {
  if (value === undefined) {
    throw new BlockHashInputError(`${field} is required for a v${version} block hash`)
  }
  return value
}

/** RLP([index, validatorIndex, address, amount]): a withdrawal as a trie value. */
export function encodeWithdrawal(w: Withdrawal): Uint8Array {
  return encodeRlpList([
    encodeRlpUint(w.index),
    encodeRlpUint(w.validatorIndex),
    encodeRlpBytes(w.address),
    encodeRlpUint(w.amount),
  ])
}

/** Trie root of a withdrawals list (the empty-trie root for the empty list gossip requires). */
export function withdrawalsTrieRoot(withdrawals: readonly Withdrawal[]): Uint8Array {
  return orderedTrieRoot(withdrawals.map(encodeWithdrawal))
}

/**
 * RLP of the header a payload of `version` implies (§6.3): v1 ends at baseFeePerGas; v2 adds
 * withdrawalsRoot (of payload.withdrawals); v3 adds blobGasUsed, excessBlobGas and
 * parentBeaconBlockRoot; v4 takes withdrawalsRoot from the payload and appends requestsHash.
 * Throws BlockHashInputError when a field the version needs is missing.
 */
export function encodeBlockHeader(
  payload: ExecutionPayload,
  version: BlockVersion,
  parentBeaconBlockRoot?: Uint8Array,
): Uint8Array {
  const items: Uint8Array[] = [
    encodeRlpBytes(payload.parentHash),
    RLP_EMPTY_OMMERS_HASH,
    encodeRlpBytes(payload.feeRecipient),
    encodeRlpBytes(payload.stateRoot),
    encodeRlpBytes(orderedTrieRoot(payload.transactions)),
    encodeRlpBytes(payload.receiptsRoot),
    encodeRlpBytes(payload.logsBloom),
    RLP_ZERO, // difficulty
    encodeRlpUint(payload.blockNumber),
    encodeRlpUint(payload.gasLimit),
    encodeRlpUint(payload.gasUsed),
    encodeRlpUint(payload.timestamp),
    encodeRlpBytes(payload.extraData),
    encodeRlpBytes(payload.prevRandao),
    RLP_ZERO_NONCE,
    encodeRlpUint(payload.baseFeePerGas),
  ]
  if (version >= 2) {
    const withdrawalsRoot =
      version === 4
        ? required(payload.withdrawalsRoot, 'withdrawalsRoot', version)
        : withdrawalsTrieRoot(required(payload.withdrawals, 'withdrawals', version))
    items.push(encodeRlpBytes(withdrawalsRoot))
  }
  if (version >= 3) {
    items.push(
      encodeRlpUint(required(payload.blobGasUsed, 'blobGasUsed', version)),
      encodeRlpUint(required(payload.excessBlobGas, 'excessBlobGas', version)),
      encodeRlpBytes(required(parentBeaconBlockRoot, 'parentBeaconBlockRoot', version)),
    )
  }
  if (version === 4) items.push(RLP_EMPTY_REQUESTS_HASH)
  return encodeRlpList(items)
}

/** keccak256(RLP(header)) for a payload of `version` (compare with payload.blockHash). */
export function computeBlockHash(
  payload: ExecutionPayload,
  version: BlockVersion,
  parentBeaconBlockRoot?: Uint8Array,
): Uint8Array {
  return keccak256(encodeBlockHeader(payload, version, parentBeaconBlockRoot))
}
