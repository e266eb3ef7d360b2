/**
 * Engine API JSON shapes (engine-sync.md §2.2-§2.4) and their conversion from / to the wire
 * types: QUANTITY = 0x hex without leading zeros, DATA = 0x hex with an even number of digits.
 * Method choice per fork lives here too (§2.1).
 */
import type { ChainConfig } from '../chains/types.ts'
import { blockVersionAt } from '../wire/topics.ts'
import type { BlockVersion, ExecutionPayload, SignedEnvelope, Withdrawal } from '../wire/types.ts'
import { EngineError } from './errors.ts'

export type Hex = `0x${string}`

export const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`

export const HASH_SIZE_BYTES = 32
export const ADDRESS_SIZE_BYTES = 20
export const LOGS_BLOOM_SIZE_BYTES = 256
export const EXTRA_DATA_MAX_SIZE_BYTES = 32

export type NewPayloadMethod = 'engine_newPayloadV2' | 'engine_newPayloadV3' | 'engine_newPayloadV4'

/**
 * newPayload method per payload version (§2.1): V1 (Bedrock, Regolith) and V2 (Canyon, Delta)
 * both go through engine_newPayloadV2; Ecotone..Holocene V3; Isthmus on V4.
 */
export const NEW_PAYLOAD_METHOD = {
  1: 'engine_newPayloadV2',
  2: 'engine_newPayloadV2',
  3: 'engine_newPayloadV3',
  4: 'engine_newPayloadV4',
} as const satisfies Record<BlockVersion, NewPayloadMethod>

/** A forkchoice update without attributes is always V3, whatever the fork (§2.1). */
export const FORKCHOICE_UPDATED_METHOD = 'engine_forkchoiceUpdatedV3'

export interface WithdrawalJson {
  index: Hex
  validatorIndex: Hex
  address: Hex
  amount: Hex
}

export interface ExecutionPayloadJson {
  parentHash: Hex
  feeRecipient: Hex
  stateRoot: Hex
  receiptsRoot: Hex
  logsBloom: Hex
  prevRandao: Hex
  blockNumber: Hex
  gasLimit: Hex
  gasUsed: Hex
  timestamp: Hex
  extraData: Hex
  baseFeePerGas: Hex
  blockHash: Hex
  transactions: Hex[]
  withdrawals?: WithdrawalJson[]
  blobGasUsed?: Hex
  excessBlobGas?: Hex
  withdrawalsRoot?: Hex
}

/** op-node's envelope, the parameter of admin_postUnsafePayload (§2.3, §6.1). */
export interface ExecutionPayloadEnvelopeJson {
  executionPayload: ExecutionPayloadJson
  parentBeaconBlockRoot?: Hex
}

export interface ForkchoiceState {
  headBlockHash: Hex
  safeBlockHash: Hex
  finalizedBlockHash: Hex
}

export const PAYLOAD_STATUSES = [
  'VALID',
  'INVALID',
  'SYNCING',
  'ACCEPTED',
  'INVALID_BLOCK_HASH',
  // Pre-merge terminal-block status: op-node treats it as INVALID, and so does the sync driver.
  'INVALID_TERMINAL_BLOCK',
] as const
export type PayloadStatusValue = (typeof PAYLOAD_STATUSES)[number]

export interface PayloadStatus {
  status: PayloadStatusValue
  latestValidHash: Hex | null
  validationError: string | null
}

export interface ForkchoiceUpdatedResult {
  payloadStatus: PayloadStatus
  payloadId: Hex | null
}

/** The few header fields the driver tracks for a block. Numbers fit a JS number (< 2^53). */
export interface BlockRef {
  hash: Hex
  number: number
  parentHash: Hex
  /** Unix seconds */
  timestamp: number
}

/** A JSON value failed the Engine API schema; `field` names where. */
export class SchemaError extends Error {
  override readonly name = 'SchemaError'
  readonly code = 'ENGINE_SCHEMA_INVALID'
  readonly field: string
  constructor(field: string, message: string) {
    super(`${field}: ${message}`)
    this.field = field
  }
}

// ---------------------------------------------------------------------------------------------
// Scalars

const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/i
const DATA = /^0x([0-9a-f]{2})*$/i

/** QUANTITY: `0x` + hex without leading zeros (`0x0` for zero). */
export function toQuantity(value: bigint | number): Hex {
  if (value < 0) throw new RangeError('QUANTITY must not be negative')
  return `0x${value.toString(16)}`
}

/** DATA: `0x` + two lowercase hex digits per byte. */
export function toData(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

export function parseQuantity(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !QUANTITY.test(value)) {
    throw new SchemaError(field, 'expected a QUANTITY (0x hex, no leading zeros)')
  }
  return BigInt(value)
}

/** A QUANTITY that must fit a JS number (block numbers, timestamps, chain ids). */
export function parseQuantityNumber(value: unknown, field: string): number {
  const n = parseQuantity(value, field)
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new SchemaError(field, 'QUANTITY too large')
  return Number(n)
}

/** DATA of exactly `sizeBytes` bytes, or of at most `maxBytes` bytes. */
export function parseData(
  value: unknown,
  field: string,
  size: { exact: number } | { max: number } = { max: Number.POSITIVE_INFINITY },
): Uint8Array {
  if (typeof value !== 'string' || !DATA.test(value)) {
    throw new SchemaError(field, 'expected DATA (0x hex, even length)')
  }
  const length = (value.length - 2) / 2
  if ('exact' in size ? length !== size.exact : length > size.max) {
    const want = 'exact' in size ? `${size.exact}` : `at most ${size.max}`
    throw new SchemaError(field, `expected ${want} bytes, got ${length}`)
  }
  return new Uint8Array(Buffer.from(value.slice(2), 'hex'))
}

/** A 32-byte hash as lowercase hex (the form used as map keys everywhere). */
export function parseHash(value: unknown, field: string): Hex {
  if (typeof value !== 'string' || value.length !== 66 || !DATA.test(value)) {
    throw new SchemaError(field, 'expected a 32-byte DATA hash')
  }
  return value.toLowerCase() as Hex
}

export function isZeroHash(hash: Hex): boolean {
  return hash === ZERO_HASH
}

// ---------------------------------------------------------------------------------------------
// Payloads

/** Payload version a block at `timestamp` must have (and so the newPayload method): §2.1. */
export function engineVersionAt(chain: ChainConfig, timestamp: bigint | number): BlockVersion {
  return blockVersionAt(chain, timestamp)
}

function withdrawalToJson(w: Withdrawal): WithdrawalJson {
  return {
    index: toQuantity(w.index),
    validatorIndex: toQuantity(w.validatorIndex),
    address: toData(w.address),
    amount: toQuantity(w.amount),
  }
}

/**
 * ExecutionPayload JSON of `version`: V1 has no `withdrawals` key; V2 adds `withdrawals`; V3
 * adds `blobGasUsed` and `excessBlobGas`; V4 adds `withdrawalsRoot` (OP Isthmus). Key order
 * follows the engine spec. Throws SchemaError when a field the version needs is missing.
 */
export function payloadToJson(
  payload: ExecutionPayload,
  version: BlockVersion,
): ExecutionPayloadJson {
  const json: ExecutionPayloadJson = {
    parentHash: toData(payload.parentHash),
    feeRecipient: toData(payload.feeRecipient),
    stateRoot: toData(payload.stateRoot),
    receiptsRoot: toData(payload.receiptsRoot),
    logsBloom: toData(payload.logsBloom),
    prevRandao: toData(payload.prevRandao),
    blockNumber: toQuantity(payload.blockNumber),
    gasLimit: toQuantity(payload.gasLimit),
    gasUsed: toQuantity(payload.gasUsed),
    timestamp: toQuantity(payload.timestamp),
    extraData: toData(payload.extraData),
    baseFeePerGas: toQuantity(payload.baseFeePerGas),
    blockHash: toData(payload.blockHash),
    transactions: payload.transactions.map(toData),
  }
  if (version >= 2) {
    if (payload.withdrawals === undefined)
      throw new SchemaError('withdrawals', `required in V${version}`)
    json.withdrawals = payload.withdrawals.map(withdrawalToJson)
  }
  if (version >= 3) {
    if (payload.blobGasUsed === undefined)
      throw new SchemaError('blobGasUsed', `required in V${version}`)
    if (payload.excessBlobGas === undefined) {
      throw new SchemaError('excessBlobGas', `required in V${version}`)
    }
    json.blobGasUsed = toQuantity(payload.blobGasUsed)
    json.excessBlobGas = toQuantity(payload.excessBlobGas)
  }
  if (version === 4) {
    if (payload.withdrawalsRoot === undefined)
      throw new SchemaError('withdrawalsRoot', 'required in V4')
    json.withdrawalsRoot = toData(payload.withdrawalsRoot)
  }
  return json
}

export function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SchemaError(field, 'expected an object')
  }
  return value as Record<string, unknown>
}

function asArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new SchemaError(field, 'expected an array')
  return value
}

export function withdrawalFromJson(value: unknown, field: string): Withdrawal {
  const o = asObject(value, field)
  return {
    index: parseQuantity(o.index, `${field}.index`),
    validatorIndex: parseQuantity(o.validatorIndex, `${field}.validatorIndex`),
    address: parseData(o.address, `${field}.address`, { exact: ADDRESS_SIZE_BYTES }),
    amount: parseQuantity(o.amount, `${field}.amount`),
  }
}

/**
 * Parses ExecutionPayload JSON of any version. Optional fields are set exactly when their key is
 * present (and not null), so the caller can check presence against the fork, as the EL does.
 */
export function payloadFromJson(value: unknown, field = 'executionPayload'): ExecutionPayload {
  const o = asObject(value, field)
  const hash = (k: string) => parseData(o[k], `${field}.${k}`, { exact: HASH_SIZE_BYTES })
  const payload: ExecutionPayload = {
    parentHash: hash('parentHash'),
    feeRecipient: parseData(o.feeRecipient, `${field}.feeRecipient`, { exact: ADDRESS_SIZE_BYTES }),
    stateRoot: hash('stateRoot'),
    receiptsRoot: hash('receiptsRoot'),
    logsBloom: parseData(o.logsBloom, `${field}.logsBloom`, { exact: LOGS_BLOOM_SIZE_BYTES }),
    prevRandao: hash('prevRandao'),
    blockNumber: parseQuantity(o.blockNumber, `${field}.blockNumber`),
    gasLimit: parseQuantity(o.gasLimit, `${field}.gasLimit`),
    gasUsed: parseQuantity(o.gasUsed, `${field}.gasUsed`),
    timestamp: parseQuantity(o.timestamp, `${field}.timestamp`),
    extraData: parseData(o.extraData, `${field}.extraData`, { max: EXTRA_DATA_MAX_SIZE_BYTES }),
    baseFeePerGas: parseQuantity(o.baseFeePerGas, `${field}.baseFeePerGas`),
    blockHash: hash('blockHash'),
    transactions: asArray(o.transactions, `${field}.transactions`).map((tx, i) =>
      parseData(tx, `${field}.transactions[${i}]`),
    ),
  }
  if (o.withdrawals !== undefined && o.withdrawals !== null) {
    payload.withdrawals = asArray(o.withdrawals, `${field}.withdrawals`).map((w, i) =>
      withdrawalFromJson(w, `${field}.withdrawals[${i}]`),
    )
  }
  if (o.blobGasUsed !== undefined && o.blobGasUsed !== null) {
    payload.blobGasUsed = parseQuantity(o.blobGasUsed, `${field}.blobGasUsed`)
  }
  if (o.excessBlobGas !== undefined && o.excessBlobGas !== null) {
    payload.excessBlobGas = parseQuantity(o.excessBlobGas, `${field}.excessBlobGas`)
  }
  if (o.withdrawalsRoot !== undefined && o.withdrawalsRoot !== null) {
    payload.withdrawalsRoot = hash('withdrawalsRoot')
  }
  return payload
}

/** Version implied by which optional fields a parsed payload carries. */
export function payloadShapeVersion(payload: ExecutionPayload): BlockVersion {
  if (payload.withdrawalsRoot !== undefined) return 4
  if (payload.blobGasUsed !== undefined || payload.excessBlobGas !== undefined) return 3
  if (payload.withdrawals !== undefined) return 2
  return 1
}

/** JSON-RPC method and params of the newPayload call for a gossiped block (§2.1, §2.2). */
export function newPayloadRequest(
  envelope: SignedEnvelope,
  chain: ChainConfig,
): { method: NewPayloadMethod; params: unknown[] } {
  const version = engineVersionAt(chain, envelope.payload.timestamp)
  if (version !== envelope.version) {
    throw new EngineError(
      'ENGINE_VERSION_MISMATCH',
      `block ${envelope.payload.blockNumber} is a V${envelope.version} payload but its timestamp selects V${version}`,
    )
  }
  const payload = payloadToJson(envelope.payload, version)
  const method = NEW_PAYLOAD_METHOD[version]
  if (version <= 2) return { method, params: [payload] }
  const root = envelope.parentBeaconBlockRoot
  if (root === undefined) {
    throw new EngineError(
      'ENGINE_VERSION_MISMATCH',
      `block ${envelope.payload.blockNumber} (V${version}) has no parentBeaconBlockRoot`,
    )
  }
  // Blobs are disabled on L2: expectedBlobVersionedHashes and executionRequests are always [].
  if (version === 3) return { method, params: [payload, [], toData(root)] }
  return { method, params: [payload, [], toData(root), []] }
}

/** op-node's ExecutionPayloadEnvelope JSON (admin_postUnsafePayload): §2.3, §6.1. */
export function envelopeToJson(envelope: SignedEnvelope): ExecutionPayloadEnvelopeJson {
  const json: ExecutionPayloadEnvelopeJson = {
    executionPayload: payloadToJson(envelope.payload, envelope.version),
  }
  if (envelope.parentBeaconBlockRoot !== undefined) {
    json.parentBeaconBlockRoot = toData(envelope.parentBeaconBlockRoot)
  }
  return json
}

/** The BlockRef of a gossiped block. */
export function blockRefOf(payload: ExecutionPayload): BlockRef {
  return {
    hash: toData(payload.blockHash),
    number: Number(payload.blockNumber),
    parentHash: toData(payload.parentHash),
    timestamp: Number(payload.timestamp),
  }
}

// ---------------------------------------------------------------------------------------------
// Results

export function parsePayloadStatus(value: unknown, field = 'result'): PayloadStatus {
  const o = asObject(value, field)
  const status = o.status
  if (typeof status !== 'string' || !(PAYLOAD_STATUSES as readonly string[]).includes(status)) {
    throw new SchemaError(`${field}.status`, `unknown payload status ${JSON.stringify(status)}`)
  }
  const lvh = o.latestValidHash
  const err = o.validationError
  return {
    status: status as PayloadStatusValue,
    latestValidHash:
      lvh === null || lvh === undefined ? null : parseHash(lvh, `${field}.latestValidHash`),
    validationError: typeof err === 'string' ? err : null,
  }
}

export function parseForkchoiceUpdatedResult(value: unknown): ForkchoiceUpdatedResult {
  const o = asObject(value, 'result')
  const id = o.payloadId
  return {
    payloadStatus: parsePayloadStatus(o.payloadStatus, 'result.payloadStatus'),
    payloadId: typeof id === 'string' ? (id as Hex) : null,
  }
}

/** A block from eth_getBlockBy* (null stays null: "not found"). */
export function parseBlockRef(value: unknown, field = 'result'): BlockRef | null {
  if (value === null) return null
  const o = asObject(value, field)
  return {
    hash: parseHash(o.hash, `${field}.hash`),
    number: parseQuantityNumber(o.number, `${field}.number`),
    parentHash: parseHash(o.parentHash, `${field}.parentHash`),
    timestamp: parseQuantityNumber(o.timestamp, `${field}.timestamp`),
  }
}

export function parseForkchoiceState(value: unknown, field = 'params[0]'): ForkchoiceState {
  const o = asObject(value, field)
  return {
    headBlockHash: parseHash(o.headBlockHash, `${field}.headBlockHash`),
    safeBlockHash: parseHash(o.safeBlockHash, `${field}.safeBlockHash`),
    finalizedBlockHash: parseHash(o.finalizedBlockHash, `${field}.finalizedBlockHash`),
  }
}
