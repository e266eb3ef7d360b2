/**
 * The L1 origin and sequence number of an L2 block, read from its first transaction (the
 * L1-info deposit), for the `l1origin` / `sequenceNumber` fields of `optimism_syncStatus`.
 * Only what that needs is parsed: the deposit's RLP list down to its `data` field, then the
 * calldata layouts of op-node `rollup/derive/l1_block_info.go` (Bedrock ABI words; Ecotone,
 * Isthmus and Jovian packed). Anything unexpected gives null, never a throw.
 */

/** EIP-2718 type of a deposit transaction. */
export const DEPOSIT_TX_TYPE = 0x7e
/** Fields of a deposit: sourceHash, from, to, mint, value, gas, isSystemTx, data. */
const DEPOSIT_FIELD_COUNT = 8
const DATA_FIELD_INDEX = 7

/** Selector → layout of the L1-info calldata. */
const L1_INFO_LAYOUTS: Record<string, 'bedrock' | 'packed'> = {
  '015d8eb9': 'bedrock',
  '440a5e20': 'packed', // Ecotone
  '098999be': 'packed', // Isthmus
  '3db6be2b': 'packed', // Jovian
}
/** Bytes of calldata read: Bedrock 4 + 5 words; packed layouts up to the L1 hash. */
const BEDROCK_MIN_LENGTH_BYTES = 4 + 5 * 32
const PACKED_MIN_LENGTH_BYTES = 4 + 4 + 4 + 8 + 8 + 8 + 32 + 32 + 32

export interface L1InfoOrigin {
  l1origin: { hash: string; number: number }
  sequenceNumber: number
}

interface RlpSpan {
  /** Start of the payload */
  start: number
  /** End of the payload (exclusive) = start of the next item */
  end: number
  isList: boolean
}

function readLength(bytes: Uint8Array, at: number, size: number): number {
  if (size > 6 || at + size > bytes.length) return -1
  let n = 0
  for (let i = 0; i < size; i++) n = n * 256 + bytes[at + i]!
  return n
}

/** The RLP item at `at`, or null when it is malformed or runs past `limit`. */
function readRlpItem(bytes: Uint8Array, at: number, limit: number): RlpSpan | null {
  if (at >= limit) return null
  const b = bytes[at]!
  let span: RlpSpan
  if (b < 0x80) span = { start: at, end: at + 1, isList: false }
  else if (b <= 0xb7) span = { start: at + 1, end: at + 1 + (b - 0x80), isList: false }
  else if (b <= 0xbf) {
    const len = readLength(bytes, at + 1, b - 0xb7)
    if (len < 0) return null
    span = { start: at + 1 + (b - 0xb7), end: at + 1 + (b - 0xb7) + len, isList: false }
  } else if (b <= 0xf7) span = { start: at + 1, end: at + 1 + (b - 0xc0), isList: true }
  else {
    const len = readLength(bytes, at + 1, b - 0xf7)
    if (len < 0) return null
    span = { start: at + 1 + (b - 0xf7), end: at + 1 + (b - 0xf7) + len, isList: true }
  }
  return span.end <= limit ? span : null
}

function uintAt(bytes: Uint8Array, at: number, size: number): number {
  let n = 0n
  for (let i = 0; i < size; i++) n = (n << 8n) | BigInt(bytes[at + i]!)
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n)
}

function hexAt(bytes: Uint8Array, at: number, size: number): string {
  return `0x${Buffer.from(bytes.subarray(at, at + size)).toString('hex')}`
}

/** The calldata (`data` field) of a deposit transaction, or null. */
export function depositCalldata(tx: Uint8Array): Uint8Array | null {
  if (tx.length < 2 || tx[0] !== DEPOSIT_TX_TYPE) return null
  const list = readRlpItem(tx, 1, tx.length)
  if (list === null || !list.isList) return null
  let at = list.start
  for (let i = 0; i < DEPOSIT_FIELD_COUNT; i++) {
    const item = readRlpItem(tx, at, list.end)
    if (item === null || item.isList) return null
    if (i === DATA_FIELD_INDEX) return tx.subarray(item.start, item.end)
    at = item.end
  }
  return null
}

/** L1 origin and sequence number from an L2 block's first transaction; null if not L1-info. */
export function l1InfoOriginOf(firstTx: Uint8Array): L1InfoOrigin | null {
  const data = depositCalldata(firstTx)
  if (data === null || data.length < 4) return null
  const layout = L1_INFO_LAYOUTS[Buffer.from(data.subarray(0, 4)).toString('hex')]
  if (layout === 'bedrock') {
    if (data.length < BEDROCK_MIN_LENGTH_BYTES) return null
    // ABI words after the selector: number, timestamp, basefee, hash, sequenceNumber, ...
    return {
      l1origin: { hash: hexAt(data, 4 + 3 * 32, 32), number: uintAt(data, 4 + 24, 8) },
      sequenceNumber: uintAt(data, 4 + 4 * 32 + 24, 8),
    }
  }
  if (layout === 'packed') {
    if (data.length < PACKED_MIN_LENGTH_BYTES) return null
    // selector, baseFeeScalar(4), blobBaseFeeScalar(4), sequenceNumber(8), timestamp(8),
    // number(8), basefee(32), blobBaseFee(32), hash(32), ...
    return {
      l1origin: {
        hash: hexAt(data, 4 + 4 + 4 + 8 + 8 + 8 + 32 + 32, 32),
        number: uintAt(data, 4 + 4 + 4 + 8 + 8, 8),
      },
      sequenceNumber: uintAt(data, 4 + 4 + 4, 8),
    }
  }
  return null
}
