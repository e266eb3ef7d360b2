/**
 * One Redis stream entry: the exact gossip message bytes (Snappy, signature included) plus the
 * topic, block number, block hash, message ID and the publisher's first-seen time. Pure codec:
 * the fields are hints for replay and logs; subscribers trust them for nothing (the block itself
 * goes through the gossip validator, and the hints must then agree with it).
 */
import { MAX_GOSSIP_SIZE_BYTES } from '../wire/snappy.ts'

/** Field names, in the order they are written. */
export const ENTRY_FIELDS = {
  data: 'data',
  topic: 'topic',
  number: 'number',
  hash: 'hash',
  messageId: 'id',
  firstSeenMs: 'seen',
} as const

/** A `data` field longer than this is refused before any decoding (gossip's own bound). */
export const MAX_ENTRY_DATA_BYTES = MAX_GOSSIP_SIZE_BYTES

/** Any other field longer than this is malformed (topics are ~25 bytes, hashes 66). */
export const MAX_ENTRY_TEXT_FIELD_BYTES = 256

const FIELD_COUNT = Object.keys(ENTRY_FIELDS).length
const HASH_PATTERN = /^0x[0-9a-f]{64}$/
const MESSAGE_ID_PATTERN = /^[0-9a-f]{40}$/
const DECIMAL_PATTERN = /^(0|[1-9][0-9]{0,19})$/

export interface StreamEntry {
  topic: string
  /** The gossip message bytes as published on the topic */
  data: Uint8Array
  blockNumber: bigint
  /** 0x-hex, lower case */
  blockHash: string
  /** Hex of op-node's 20-byte message ID (the first-writer-wins key) */
  messageId: string
  /** Date.now() at the publisher when it first saw the block */
  firstSeenMs: number
}

/** Why an entry was refused before validation (validator reasons come on top). */
export const EntryRejectReason = {
  /** Missing, repeated, unknown or unparsable fields */
  ENTRY_MALFORMED: 'ENTRY_MALFORMED',
  /** `data` longer than MAX_ENTRY_DATA_BYTES */
  ENTRY_OVERSIZED: 'ENTRY_OVERSIZED',
  /** The block validated but the entry's number / hash / topic fields disagree with it */
  ENTRY_FIELDS_MISMATCH: 'ENTRY_FIELDS_MISMATCH',
} as const

export type EntryRejectReasonCode = keyof typeof EntryRejectReason

export type DecodedEntry =
  | { ok: true; entry: StreamEntry }
  | { ok: false; reason: EntryRejectReasonCode }

/** The XADD field / value list of an entry. */
export function encodeStreamEntry(entry: StreamEntry): Array<string | Buffer> {
  return [
    ENTRY_FIELDS.data,
    Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength),
    ENTRY_FIELDS.topic,
    entry.topic,
    ENTRY_FIELDS.number,
    entry.blockNumber.toString(),
    ENTRY_FIELDS.hash,
    entry.blockHash,
    ENTRY_FIELDS.messageId,
    entry.messageId,
    ENTRY_FIELDS.firstSeenMs,
    String(Math.round(entry.firstSeenMs)),
  ]
}

function asBytes(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) return value
  if (typeof value === 'string') return Buffer.from(value, 'latin1')
  return null
}

/**
 * Decodes the flat field / value list of one entry (Buffers, as read with a Buffer type
 * mapping). Never throws: anything unexpected is ENTRY_MALFORMED.
 */
export function decodeStreamEntry(fields: unknown): DecodedEntry {
  const malformed = { ok: false, reason: 'ENTRY_MALFORMED' } as const
  if (!Array.isArray(fields) || fields.length !== FIELD_COUNT * 2) return malformed
  const byName = new Map<string, Uint8Array>()
  for (let i = 0; i < fields.length; i += 2) {
    const name = asBytes(fields[i])
    const value = asBytes(fields[i + 1])
    if (name === null || value === null || name.length > MAX_ENTRY_TEXT_FIELD_BYTES) {
      return malformed
    }
    const key = Buffer.from(name).toString('latin1')
    if (byName.has(key)) return malformed
    if (key === ENTRY_FIELDS.data) {
      if (value.length > MAX_ENTRY_DATA_BYTES) return { ok: false, reason: 'ENTRY_OVERSIZED' }
    } else if (value.length > MAX_ENTRY_TEXT_FIELD_BYTES) return malformed
    byName.set(key, value)
  }
  const text = (name: string) => {
    const v = byName.get(name)
    return v === undefined ? null : Buffer.from(v).toString('latin1')
  }
  const data = byName.get(ENTRY_FIELDS.data)
  const topic = text(ENTRY_FIELDS.topic)
  const number = text(ENTRY_FIELDS.number)
  const hash = text(ENTRY_FIELDS.hash)
  const messageId = text(ENTRY_FIELDS.messageId)
  const seen = text(ENTRY_FIELDS.firstSeenMs)
  if (data === undefined || topic === null || number === null || hash === null) return malformed
  if (messageId === null || seen === null) return malformed
  if (!DECIMAL_PATTERN.test(number) || !DECIMAL_PATTERN.test(seen)) return malformed
  if (!HASH_PATTERN.test(hash) || !MESSAGE_ID_PATTERN.test(messageId)) return malformed
  const firstSeenMs = Number(seen)
  if (!Number.isSafeInteger(firstSeenMs)) return malformed
  return {
    ok: true,
    entry: { topic, data, blockNumber: BigInt(number), blockHash: hash, messageId, firstSeenMs },
  }
}
