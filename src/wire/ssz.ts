/**
 * SSZ ExecutionPayload V1..V4 as op-node's op-service/eth/ssz.go reads and writes it
 * (op-gossip.md §2.3). Hand-written because the layout is one fixed container with three
 * variable fields and op-node's exact offset rules (not generic SSZ rules) decide validity.
 *
 * Decoding returns subarray views of the input for every byte field (no copies): the payload
 * shares memory with the message buffer.
 */
import { GossipValidationError } from './errors.ts'
import type { BlockVersion, ExecutionPayload, Withdrawal } from './types.ts'

/** Size of the fixed part per version: V1 508, V2 +withdrawals offset, V3 +blob gas, V4 +withdrawalsRoot. */
export const FIXED_PART_SIZE_BYTES = {
  1: 508,
  2: 512,
  3: 528,
  4: 560,
} as const satisfies Record<BlockVersion, number>

/** `ByteList[32]` extraData (op-node `BytesMax32`). */
export const MAX_EXTRA_DATA_SIZE_BYTES = 32

/** Consensus-spec MAX_TRANSACTIONS_PER_PAYLOAD, enforced by op-node. */
export const MAX_TRANSACTIONS_PER_PAYLOAD = 2 ** 20

/** Consensus-spec MAX_WITHDRAWALS_PER_PAYLOAD, enforced by op-node. */
export const MAX_WITHDRAWALS_PER_PAYLOAD = 16

/** index (8) + validatorIndex (8) + address (20) + amount (8). */
export const WITHDRAWAL_SIZE_BYTES = 44

/** SSZ offsets are uint32 little-endian. */
export const SSZ_OFFSET_SIZE_BYTES = 4

const HASH_SIZE_BYTES = 32
const ADDRESS_SIZE_BYTES = 20
const LOGS_BLOOM_SIZE_BYTES = 256
const UINT64_MAX = 2n ** 64n - 1n
const UINT256_MAX = 2n ** 256n - 1n

/** Field positions in the fixed part (identical in every version up to `withdrawalsOffset`). */
const AT = {
  parentHash: 0,
  feeRecipient: 32,
  stateRoot: 52,
  receiptsRoot: 84,
  logsBloom: 116,
  prevRandao: 372,
  blockNumber: 404,
  gasLimit: 412,
  gasUsed: 420,
  timestamp: 428,
  extraDataOffset: 436,
  baseFeePerGas: 440,
  blockHash: 472,
  transactionsOffset: 504,
  withdrawalsOffset: 508,
  blobGasUsed: 512,
  excessBlobGas: 520,
  withdrawalsRoot: 528,
} as const

const hasWithdrawals = (v: BlockVersion): boolean => v >= 2
const hasBlobGas = (v: BlockVersion): boolean => v >= 3
const hasWithdrawalsRoot = (v: BlockVersion): boolean => v === 4

function invalid(version: BlockVersion, message: string): GossipValidationError {
  return new GossipValidationError('SSZ_INVALID', `ExecutionPayloadV${version}: ${message}`)
}

function readUint256(view: DataView, at: number): bigint {
  return (
    view.getBigUint64(at, true) |
    (view.getBigUint64(at + 8, true) << 64n) |
    (view.getBigUint64(at + 16, true) << 128n) |
    (view.getBigUint64(at + 24, true) << 192n)
  )
}

/**
 * Splits the transactions region (op-service `unmarshalTransactions`): N offsets relative to the
 * region start, then the concatenated transactions. Elements are views into `bytes`.
 */
function decodeTransactions(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  version: BlockVersion,
): Uint8Array[] {
  const scope = end - start
  if (scope === 0) return []
  if (scope < SSZ_OFFSET_SIZE_BYTES) {
    throw invalid(version, `transactions region of ${scope} bytes cannot hold the first offset`)
  }
  const firstOffset = view.getUint32(start, true)
  if (firstOffset % SSZ_OFFSET_SIZE_BYTES !== 0) {
    throw invalid(version, `first transaction offset ${firstOffset} is not a multiple of 4`)
  }
  if (firstOffset > scope) {
    throw invalid(version, `first transaction offset ${firstOffset} is past the region (${scope})`)
  }
  const count = firstOffset / SSZ_OFFSET_SIZE_BYTES
  // op-node PR #13324: a zero first offset must not hide leftover bytes.
  if (count === 0) {
    throw invalid(version, `first transaction offset is 0 but the region has ${scope} bytes`)
  }
  if (count > MAX_TRANSACTIONS_PER_PAYLOAD) {
    throw invalid(version, `${count} transactions exceed MAX_TRANSACTIONS_PER_PAYLOAD`)
  }
  const txs = new Array<Uint8Array>(count)
  let current = firstOffset
  for (let i = 0; i < count; i++) {
    const next =
      i + 1 < count ? view.getUint32(start + (i + 1) * SSZ_OFFSET_SIZE_BYTES, true) : scope
    if (next < current || next > scope) {
      throw invalid(
        version,
        `transaction ${i} has bad end offset ${next} (start ${current}, region ${scope})`,
      )
    }
    txs[i] = bytes.subarray(start + current, start + next)
    current = next
  }
  return txs
}

/** op-service `unmarshalWithdrawals`: fixed 44-byte elements, an empty region is an empty list. */
function decodeWithdrawals(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  version: BlockVersion,
): Withdrawal[] {
  const scope = end - start
  if (scope % WITHDRAWAL_SIZE_BYTES !== 0) {
    throw invalid(version, `withdrawals region of ${scope} bytes is not a multiple of 44`)
  }
  const count = scope / WITHDRAWAL_SIZE_BYTES
  if (count > MAX_WITHDRAWALS_PER_PAYLOAD) {
    throw invalid(version, `${count} withdrawals exceed MAX_WITHDRAWALS_PER_PAYLOAD`)
  }
  const out = new Array<Withdrawal>(count)
  for (let i = 0, at = start; i < count; i++, at += WITHDRAWAL_SIZE_BYTES) {
    out[i] = {
      index: view.getBigUint64(at, true),
      validatorIndex: view.getBigUint64(at + 8, true),
      address: bytes.subarray(at + 16, at + 36),
      amount: view.getBigUint64(at + 36, true),
    }
  }
  return out
}

/**
 * Decodes an SSZ ExecutionPayload of the given version (chosen by topic, never by content),
 * applying op-node's checks in op-node's order.
 * @throws GossipValidationError SSZ_INVALID naming the violated rule
 */
export function decodeExecutionPayload(bytes: Uint8Array, version: BlockVersion): ExecutionPayload {
  const fixedSize: number = FIXED_PART_SIZE_BYTES[version]
  const scope = bytes.length
  if (scope < fixedSize) {
    throw invalid(version, `${scope} bytes is shorter than the ${fixedSize}-byte fixed part`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, scope)

  const extraDataOffset = view.getUint32(AT.extraDataOffset, true)
  if (extraDataOffset !== fixedSize) {
    throw invalid(
      version,
      `extraData offset ${extraDataOffset} must equal the fixed size ${fixedSize}`,
    )
  }
  const transactionsOffset = view.getUint32(AT.transactionsOffset, true)
  if (transactionsOffset < extraDataOffset) {
    throw invalid(version, `transactions offset ${transactionsOffset} is before extraData`)
  }
  let withdrawalsOffset = scope
  if (hasWithdrawals(version)) {
    withdrawalsOffset = view.getUint32(AT.withdrawalsOffset, true)
    if (withdrawalsOffset < transactionsOffset) {
      throw invalid(version, `withdrawals offset ${withdrawalsOffset} is before the transactions`)
    }
    if (withdrawalsOffset > scope) {
      throw invalid(version, `withdrawals offset ${withdrawalsOffset} is past the end (${scope})`)
    }
  }
  if (
    transactionsOffset > extraDataOffset + MAX_EXTRA_DATA_SIZE_BYTES ||
    transactionsOffset > scope
  ) {
    throw invalid(
      version,
      `extraData of ${transactionsOffset - extraDataOffset} bytes exceeds ${MAX_EXTRA_DATA_SIZE_BYTES} or the payload`,
    )
  }

  const payload: ExecutionPayload = {
    parentHash: bytes.subarray(AT.parentHash, AT.parentHash + HASH_SIZE_BYTES),
    feeRecipient: bytes.subarray(AT.feeRecipient, AT.feeRecipient + ADDRESS_SIZE_BYTES),
    stateRoot: bytes.subarray(AT.stateRoot, AT.stateRoot + HASH_SIZE_BYTES),
    receiptsRoot: bytes.subarray(AT.receiptsRoot, AT.receiptsRoot + HASH_SIZE_BYTES),
    logsBloom: bytes.subarray(AT.logsBloom, AT.logsBloom + LOGS_BLOOM_SIZE_BYTES),
    prevRandao: bytes.subarray(AT.prevRandao, AT.prevRandao + HASH_SIZE_BYTES),
    blockNumber: view.getBigUint64(AT.blockNumber, true),
    gasLimit: view.getBigUint64(AT.gasLimit, true),
    gasUsed: view.getBigUint64(AT.gasUsed, true),
    timestamp: view.getBigUint64(AT.timestamp, true),
    extraData: bytes.subarray(extraDataOffset, transactionsOffset),
    baseFeePerGas: readUint256(view, AT.baseFeePerGas),
    blockHash: bytes.subarray(AT.blockHash, AT.blockHash + HASH_SIZE_BYTES),
    transactions: decodeTransactions(bytes, view, transactionsOffset, withdrawalsOffset, version),
  }
  if (hasWithdrawals(version)) {
    // op-node quirk: an empty region decodes to an empty list (never "absent") on V2+.
    payload.withdrawals = decodeWithdrawals(bytes, view, withdrawalsOffset, scope, version)
  }
  if (hasBlobGas(version)) {
    payload.blobGasUsed = view.getBigUint64(AT.blobGasUsed, true)
    payload.excessBlobGas = view.getBigUint64(AT.excessBlobGas, true)
  }
  if (hasWithdrawalsRoot(version)) {
    payload.withdrawalsRoot = bytes.subarray(
      AT.withdrawalsRoot,
      AT.withdrawalsRoot + HASH_SIZE_BYTES,
    )
  }
  return payload
}

/** A payload that cannot be encoded as the requested version (a bug in the caller). */
export class PayloadEncodingError extends Error {
  override readonly name = 'PayloadEncodingError'
  /** The offending ExecutionPayload field */
  readonly field: string

  constructor(field: string, message: string) {
    super(`cannot encode ExecutionPayload: ${field} ${message}`)
    this.field = field
  }
}

function checkBytes(field: string, value: Uint8Array, size: number): void {
  if (value.length !== size)
    throw new PayloadEncodingError(field, `must be ${size} bytes, got ${value.length}`)
}

function checkUint(field: string, value: bigint, max: bigint): void {
  if (value < 0n || value > max) throw new PayloadEncodingError(field, `is out of range: ${value}`)
}

function checkFields(payload: ExecutionPayload, version: BlockVersion): void {
  checkBytes('parentHash', payload.parentHash, HASH_SIZE_BYTES)
  checkBytes('feeRecipient', payload.feeRecipient, ADDRESS_SIZE_BYTES)
  checkBytes('stateRoot', payload.stateRoot, HASH_SIZE_BYTES)
  checkBytes('receiptsRoot', payload.receiptsRoot, HASH_SIZE_BYTES)
  checkBytes('logsBloom', payload.logsBloom, LOGS_BLOOM_SIZE_BYTES)
  checkBytes('prevRandao', payload.prevRandao, HASH_SIZE_BYTES)
  checkBytes('blockHash', payload.blockHash, HASH_SIZE_BYTES)
  checkUint('blockNumber', payload.blockNumber, UINT64_MAX)
  checkUint('gasLimit', payload.gasLimit, UINT64_MAX)
  checkUint('gasUsed', payload.gasUsed, UINT64_MAX)
  checkUint('timestamp', payload.timestamp, UINT64_MAX)
  checkUint('baseFeePerGas', payload.baseFeePerGas, UINT256_MAX)
  if (payload.extraData.length > MAX_EXTRA_DATA_SIZE_BYTES) {
    throw new PayloadEncodingError('extraData', `exceeds ${MAX_EXTRA_DATA_SIZE_BYTES} bytes`)
  }
  if (payload.transactions.length > MAX_TRANSACTIONS_PER_PAYLOAD) {
    throw new PayloadEncodingError('transactions', 'exceeds MAX_TRANSACTIONS_PER_PAYLOAD')
  }
  // Every field must be present exactly from its version on, or encode→decode would not be identity.
  const presence = (field: string, present: boolean, expected: boolean): void => {
    if (present !== expected) {
      throw new PayloadEncodingError(
        field,
        `must be ${expected ? 'set' : 'absent'} for V${version}`,
      )
    }
  }
  presence('withdrawals', payload.withdrawals !== undefined, hasWithdrawals(version))
  presence('blobGasUsed', payload.blobGasUsed !== undefined, hasBlobGas(version))
  presence('excessBlobGas', payload.excessBlobGas !== undefined, hasBlobGas(version))
  presence('withdrawalsRoot', payload.withdrawalsRoot !== undefined, hasWithdrawalsRoot(version))
  if (payload.withdrawals !== undefined) {
    if (payload.withdrawals.length > MAX_WITHDRAWALS_PER_PAYLOAD) {
      throw new PayloadEncodingError('withdrawals', 'exceeds MAX_WITHDRAWALS_PER_PAYLOAD')
    }
    for (const w of payload.withdrawals) {
      checkUint('withdrawals.index', w.index, UINT64_MAX)
      checkUint('withdrawals.validatorIndex', w.validatorIndex, UINT64_MAX)
      checkBytes('withdrawals.address', w.address, ADDRESS_SIZE_BYTES)
      checkUint('withdrawals.amount', w.amount, UINT64_MAX)
    }
  }
  if (payload.blobGasUsed !== undefined) checkUint('blobGasUsed', payload.blobGasUsed, UINT64_MAX)
  if (payload.excessBlobGas !== undefined)
    checkUint('excessBlobGas', payload.excessBlobGas, UINT64_MAX)
  if (payload.withdrawalsRoot !== undefined) {
    checkBytes('withdrawalsRoot', payload.withdrawalsRoot, HASH_SIZE_BYTES)
  }
}

/** Encoded size in bytes of `payload` as `version` (fields are not validated here). */
export function executionPayloadSize(payload: ExecutionPayload, version: BlockVersion): number {
  let size = FIXED_PART_SIZE_BYTES[version] + payload.extraData.length
  for (const tx of payload.transactions) size += SSZ_OFFSET_SIZE_BYTES + tx.length
  if (hasWithdrawals(version)) size += (payload.withdrawals?.length ?? 0) * WITHDRAWAL_SIZE_BYTES
  return size
}

/**
 * Writes the SSZ encoding of `payload` into `out` at `at` (lets the envelope encoder write the
 * signature and beacon root in front without a second copy).
 * @returns the number of bytes written (`executionPayloadSize`)
 * @throws PayloadEncodingError when a field is missing, extra, mis-sized or out of range for `version`
 */
export function encodeExecutionPayloadInto(
  payload: ExecutionPayload,
  version: BlockVersion,
  out: Uint8Array,
  at: number,
): number {
  checkFields(payload, version)
  const size = executionPayloadSize(payload, version)
  if (at < 0 || at + size > out.length) throw new RangeError('output buffer too small')
  const view = new DataView(out.buffer, out.byteOffset + at, size)
  const ssz = out.subarray(at, at + size)
  const fixedSize = FIXED_PART_SIZE_BYTES[version]

  ssz.set(payload.parentHash, AT.parentHash)
  ssz.set(payload.feeRecipient, AT.feeRecipient)
  ssz.set(payload.stateRoot, AT.stateRoot)
  ssz.set(payload.receiptsRoot, AT.receiptsRoot)
  ssz.set(payload.logsBloom, AT.logsBloom)
  ssz.set(payload.prevRandao, AT.prevRandao)
  view.setBigUint64(AT.blockNumber, payload.blockNumber, true)
  view.setBigUint64(AT.gasLimit, payload.gasLimit, true)
  view.setBigUint64(AT.gasUsed, payload.gasUsed, true)
  view.setBigUint64(AT.timestamp, payload.timestamp, true)
  view.setUint32(AT.extraDataOffset, fixedSize, true)
  for (let i = 0; i < 4; i++) {
    view.setBigUint64(
      AT.baseFeePerGas + 8 * i,
      BigInt.asUintN(64, payload.baseFeePerGas >> BigInt(64 * i)),
      true,
    )
  }
  ssz.set(payload.blockHash, AT.blockHash)
  const transactionsOffset = fixedSize + payload.extraData.length
  view.setUint32(AT.transactionsOffset, transactionsOffset, true)

  ssz.set(payload.extraData, fixedSize)
  const txs = payload.transactions
  let dataOffset = txs.length * SSZ_OFFSET_SIZE_BYTES
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i]!
    view.setUint32(transactionsOffset + i * SSZ_OFFSET_SIZE_BYTES, dataOffset, true)
    ssz.set(tx, transactionsOffset + dataOffset)
    dataOffset += tx.length
  }
  const withdrawalsOffset = transactionsOffset + dataOffset

  if (hasWithdrawals(version)) {
    view.setUint32(AT.withdrawalsOffset, withdrawalsOffset, true)
    let w = withdrawalsOffset
    for (const withdrawal of payload.withdrawals ?? []) {
      view.setBigUint64(w, withdrawal.index, true)
      view.setBigUint64(w + 8, withdrawal.validatorIndex, true)
      ssz.set(withdrawal.address, w + 16)
      view.setBigUint64(w + 36, withdrawal.amount, true)
      w += WITHDRAWAL_SIZE_BYTES
    }
  }
  if (hasBlobGas(version)) {
    view.setBigUint64(AT.blobGasUsed, payload.blobGasUsed ?? 0n, true)
    view.setBigUint64(AT.excessBlobGas, payload.excessBlobGas ?? 0n, true)
  }
  if (hasWithdrawalsRoot(version) && payload.withdrawalsRoot !== undefined) {
    ssz.set(payload.withdrawalsRoot, AT.withdrawalsRoot)
  }
  return size
}

/**
 * Encodes `payload` as SSZ ExecutionPayload `version`, byte-for-byte what op-node's MarshalSSZ
 * writes (the devnet sequencer relies on this).
 * @throws PayloadEncodingError when a field is missing, extra, mis-sized or out of range for `version`
 */
export function encodeExecutionPayload(
  payload: ExecutionPayload,
  version: BlockVersion,
): Uint8Array {
  const out = new Uint8Array(executionPayloadSize(payload, version))
  encodeExecutionPayloadInto(payload, version, out, 0)
  return out
}
