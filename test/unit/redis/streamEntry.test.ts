import { describe, expect, it } from 'vitest'
import {
  decodeStreamEntry,
  ENTRY_FIELDS,
  encodeStreamEntry,
  MAX_ENTRY_DATA_BYTES,
  MAX_ENTRY_TEXT_FIELD_BYTES,
  type StreamEntry,
} from '../../../src/redis/streamEntry.ts'

const entry: StreamEntry = {
  topic: '/optimism/901/3/blocks',
  data: new Uint8Array([0, 1, 2, 255]),
  blockNumber: 42n,
  blockHash: `0x${'ab'.repeat(32)}`,
  messageId: 'cd'.repeat(20),
  firstSeenMs: 1_700_000_000_123,
}

/** The field list as Redis hands it back: Buffers. */
const asRead = (fields: Array<string | Buffer>) => fields.map((f) => Buffer.from(f))

function withField(name: string, value: string | Buffer): Buffer[] {
  const fields = asRead(encodeStreamEntry(entry))
  const i = fields.findIndex((f) => f.toString('latin1') === name)
  fields[i + 1] = Buffer.from(value)
  return fields
}

describe('redis / streamEntry', () => {
  it('round-trips an entry with its exact bytes', () => {
    expect(encodeStreamEntry(entry).filter((_, i) => i % 2 === 0)).toEqual(
      Object.values(ENTRY_FIELDS),
    )
    const decoded = decodeStreamEntry(asRead(encodeStreamEntry(entry)))
    if (!decoded.ok) throw new Error(decoded.reason)
    expect({ ...decoded.entry, data: new Uint8Array(decoded.entry.data) }).toEqual(entry)
  })

  it('takes data of exactly MAX_ENTRY_DATA_BYTES and refuses one byte more as ENTRY_OVERSIZED', () => {
    const at = withField(ENTRY_FIELDS.data, Buffer.alloc(MAX_ENTRY_DATA_BYTES))
    expect(decodeStreamEntry(at).ok).toBe(true)
    const past = withField(ENTRY_FIELDS.data, Buffer.alloc(MAX_ENTRY_DATA_BYTES + 1))
    expect(decodeStreamEntry(past)).toEqual({ ok: false, reason: 'ENTRY_OVERSIZED' })
  })

  it('takes text fields up to MAX_ENTRY_TEXT_FIELD_BYTES, refuses longer ones', () => {
    const at = withField(ENTRY_FIELDS.topic, 't'.repeat(MAX_ENTRY_TEXT_FIELD_BYTES))
    expect(decodeStreamEntry(at).ok).toBe(true)
    const past = withField(ENTRY_FIELDS.topic, 't'.repeat(MAX_ENTRY_TEXT_FIELD_BYTES + 1))
    expect(decodeStreamEntry(past)).toEqual({ ok: false, reason: 'ENTRY_MALFORMED' })
  })

  it.each([
    ['not a list', 'data'],
    ['a missing field', asRead(encodeStreamEntry(entry)).slice(0, -2)],
    ['an extra field', [...asRead(encodeStreamEntry(entry)), Buffer.from('x'), Buffer.from('y')]],
    [
      'a repeated field',
      [...asRead(encodeStreamEntry(entry)).slice(0, -2), Buffer.from('data'), Buffer.from('x')],
    ],
    ['a negative number', withField(ENTRY_FIELDS.number, '-1')],
    ['a hex number', withField(ENTRY_FIELDS.number, '0x2a')],
    ['a short hash', withField(ENTRY_FIELDS.hash, '0xab')],
    ['an upper-case hash', withField(ENTRY_FIELDS.hash, `0x${'AB'.repeat(32)}`)],
    ['a short message ID', withField(ENTRY_FIELDS.messageId, 'cd')],
    ['a first-seen time beyond 2^53', withField(ENTRY_FIELDS.firstSeenMs, '99999999999999999999')],
  ])('refuses %s as ENTRY_MALFORMED', (_what, fields) => {
    expect(decodeStreamEntry(fields)).toEqual({ ok: false, reason: 'ENTRY_MALFORMED' })
  })
})
