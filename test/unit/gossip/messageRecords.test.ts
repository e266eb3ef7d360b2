import { describe, expect, it } from 'vitest'
import {
  MESSAGE_RECORDS_MAX_ENTRIES,
  MESSAGE_RECORDS_MAX_RETAINED_BYTES,
  type MessageRecord,
  MessageRecords,
  type MessageRecordsOptions,
} from '../../../src/gossip/messageRecords.ts'
import { computeMessageId } from '../../../src/wire/msgId.ts'
import { snappyCompress } from '../../../src/wire/snappy.ts'

const TOPIC = '/optimism/10/3/blocks'
const OTHER_TOPIC = '/optimism/10/2/blocks'
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const msg = (n: number): Uint8Array => snappyCompress(new Uint8Array(100).fill(n))
/** What one kept message holds alive: its 100 decoded bytes plus the raw data. */
const retained = (data: Uint8Array): number => 100 + data.length
/** A fresh buffer of exactly these bytes (what a second peer's copy looks like). */
const copy = (d: Uint8Array): Uint8Array => new Uint8Array(d)

/** Records on a clock that ticks once per reading, so every first-seen time is distinct. */
function recordsWithClock(opts: MessageRecordsOptions = {}) {
  let tick = 0
  const clock = () => ++tick
  return new MessageRecords(opts, { now: clock, monotonicNow: clock })
}

/** The record kept for `data` (as the dispatch finds it). */
function dispatch(records: MessageRecords, topic: string, data: Uint8Array): MessageRecord {
  return records.forDispatch(hex(computeMessageId(topic, data)), topic, data)
}

/** 100 bytes of `n` as one Snappy literal: the same message as msg(n), encoded differently. */
function literalEncoding(n: number): Uint8Array {
  return Uint8Array.from([100, 60 << 2, 99, ...new Uint8Array(100).fill(n)])
}

describe('gossip / messageRecords', () => {
  it('creates one record in the message-ID function and hands its decoded bytes to the validator once', () => {
    const records = recordsWithClock()
    const data = msg(1)
    const id = records.messageId(TOPIC, data)
    expect(hex(id)).toBe(hex(computeMessageId(TOPIC, data)))
    expect(records.retainedBytes).toBe(retained(data))
    const record = dispatch(records, TOPIC, data)
    expect(record.id).toBe(id)
    expect(record.idHex).toBe(hex(id))
    expect(record.topic).toBe(TOPIC)
    expect(record.data).toBe(data)
    expect(record.firstSeenMs).toBe(1)
    expect(record.firstSeenMono).toBe(2)
    // Found again at dispatch (same data object): no new record, no new clock reading.
    expect(dispatch(records, TOPIC, data)).toBe(record)
    expect(records.takeDecompressed(record)).toEqual(new Uint8Array(100).fill(1))
    expect(records.takeDecompressed(record)).toBeNull()
    expect(records.size).toBe(0)
    expect(records.retainedBytes).toBe(0)
  })

  it('finds a record by the exact data object only: same bytes in another object get a fresh one', () => {
    const records = recordsWithClock()
    const data = msg(1)
    records.messageId(TOPIC, data)
    const other = dispatch(records, TOPIC, data.slice())
    expect(other.decompressed).toBeNull()
    expect(other.firstSeenMs).toBe(3) // dated at dispatch
    expect(hex(other.id)).toBe(hex(computeMessageId(TOPIC, data)))
    // The kept record is untouched.
    expect(records.takeDecompressed(dispatch(records, TOPIC, data))).not.toBeNull()
  })

  it('turns the last ID into its string without encoding it again; any other ID is encoded', () => {
    const records = new MessageRecords()
    const data = msg(1)
    const id = records.messageId(TOPIC, data)
    const record = dispatch(records, TOPIC, data)
    expect(records.idToString(id)).toBe(record.idHex)
    const equalBytes = new Uint8Array(id)
    expect(records.idToString(equalBytes)).toBe(record.idHex)
    expect(records.idToString(new Uint8Array(20))).toBe('00'.repeat(20))
  })

  it('keeps invalid-snappy messages findable (first seen) without decoded bytes', () => {
    const records = recordsWithClock()
    const data = Uint8Array.of(5, 0xff)
    expect(hex(records.messageId(TOPIC, data))).toBe(hex(computeMessageId(TOPIC, data)))
    expect(records.retainedBytes).toBe(0)
    const record = dispatch(records, TOPIC, data)
    expect(record.firstSeenMs).toBe(1)
    expect(records.takeDecompressed(record)).toBeNull()
  })

  it('keeps at most maxEntries records: past it the oldest is dropped (default and custom)', () => {
    expect(MESSAGE_RECORDS_MAX_ENTRIES).toBe(32)
    const records = recordsWithClock({ maxEntries: 3 })
    const datas = [1, 2, 3, 4].map(msg)
    for (const d of datas) records.messageId(TOPIC, d)
    expect(records.size).toBe(3)
    expect(dispatch(records, TOPIC, datas[0] as Uint8Array).decompressed).toBeNull()
    expect(dispatch(records, TOPIC, datas[3] as Uint8Array).decompressed).not.toBeNull()

    const def = new MessageRecords()
    const atLimit = Array.from({ length: MESSAGE_RECORDS_MAX_ENTRIES }, (_, i) => msg(i))
    for (const d of atLimit) def.messageId(TOPIC, d)
    expect(def.size).toBe(MESSAGE_RECORDS_MAX_ENTRIES) // exactly at the limit: all kept
    const first = dispatch(def, TOPIC, atLimit[0] as Uint8Array)
    expect(first.decompressed).not.toBeNull()
    def.messageId(TOPIC, msg(MESSAGE_RECORDS_MAX_ENTRIES)) // one past: the oldest goes
    expect(def.size).toBe(MESSAGE_RECORDS_MAX_ENTRIES)
    // A dropped record releases its decoded bytes even where a queued job still holds it.
    expect(first.decompressed).toBeNull()
    expect(dispatch(def, TOPIC, atLimit[0] as Uint8Array)).not.toBe(first)
    expect(dispatch(def, TOPIC, atLimit[1] as Uint8Array).decompressed).not.toBeNull()
  })

  it('bounds the retained bytes: exactly at the limit kept, past it the oldest go', () => {
    expect(MESSAGE_RECORDS_MAX_RETAINED_BYTES).toBe(32 * 2 ** 20)
    const [a, b, c] = [1, 2, 3].map(msg) as [Uint8Array, Uint8Array, Uint8Array]
    const exact = new MessageRecords({ maxRetainedBytes: retained(a) + retained(b) })
    exact.messageId(TOPIC, a)
    exact.messageId(TOPIC, b)
    expect(exact.size).toBe(2) // exactly at the limit: both kept
    expect(exact.retainedBytes).toBe(retained(a) + retained(b))
    exact.messageId(TOPIC, c) // one past: the oldest (a) is dropped
    expect(exact.retainedBytes).toBe(retained(b) + retained(c))
    expect(dispatch(exact, TOPIC, a).decompressed).toBeNull()
    expect(exact.takeDecompressed(dispatch(exact, TOPIC, b))).not.toBeNull()
    expect(exact.takeDecompressed(dispatch(exact, TOPIC, c))).not.toBeNull()
    expect(exact.retainedBytes).toBe(0)
  })

  it('keeps no decoded bytes of a message larger than the byte bound, but returns its ID and first-seen time', () => {
    const big = msg(9)
    const records = recordsWithClock({ maxRetainedBytes: retained(big) - 1 })
    expect(hex(records.messageId(TOPIC, big))).toBe(hex(computeMessageId(TOPIC, big)))
    expect(records.retainedBytes).toBe(0)
    const record = dispatch(records, TOPIC, big)
    expect(record.firstSeenMs).toBe(1)
    expect(records.takeDecompressed(record)).toBeNull()
  })

  it("answers a byte-identical copy with the first copy's ID, without recomputing or a new record", () => {
    const records = new MessageRecords()
    const first = msg(1)
    const id = records.messageId(TOPIC, first)
    expect(records.reused).toBe(0)
    const again = records.messageId(TOPIC, copy(first))
    expect(again).toBe(id)
    expect(records.reused).toBe(1)
    // The copy is a duplicate: nothing is kept for the validator under it.
    expect(records.size).toBe(1)
    expect(records.idToString(again)).toBe(hex(id))
  })

  it('never answers data that differs in any byte, however long the shared prefix', () => {
    const records = new MessageRecords()
    const real = msg(2)
    records.messageId(TOPIC, real)
    const forged = copy(real)
    forged[forged.length - 1] = (forged.at(-1) as number) ^ 1
    expect(hex(records.messageId(TOPIC, forged))).toBe(hex(computeMessageId(TOPIC, forged)))
    expect(hex(records.messageId(TOPIC, forged))).not.toBe(hex(computeMessageId(TOPIC, real)))
    // Same bytes on another topic: the topic is part of the ID.
    expect(hex(records.messageId(OTHER_TOPIC, copy(real)))).toBe(
      hex(computeMessageId(OTHER_TOPIC, real)),
    )
    expect(records.reused).toBe(1) // only the second `forged`
  })

  it('keeps the first record of an ID: a later copy in another encoding does not replace it', () => {
    const records = recordsWithClock()
    const first = msg(7)
    const other = literalEncoding(7)
    expect(hex(computeMessageId(TOPIC, other))).toBe(hex(computeMessageId(TOPIC, first)))
    records.messageId(TOPIC, first)
    records.messageId(TOPIC, other)
    expect(records.size).toBe(1)
    expect(records.retainedBytes).toBe(retained(first))
    const record = dispatch(records, TOPIC, first)
    expect(record.data).toBe(first)
    expect(record.firstSeenMs).toBe(1)
  })

  it('publishing: hands back the decoded bytes, keeps nothing, and gossipsub finds the ID again', () => {
    const records = new MessageRecords()
    const data = msg(3)
    const { record, decompressed } = records.own(TOPIC, data)
    expect(decompressed).toEqual(new Uint8Array(100).fill(3))
    expect(record.decompressed).toBeNull()
    expect(records.size).toBe(0)
    expect(records.retainedBytes).toBe(0)
    // gossipsub's own message-ID call on publish: answered from the recent IDs.
    const id = records.messageId(TOPIC, data)
    expect(id).toBe(record.id)
    expect(records.reused).toBe(1)
    expect(records.idToString(id)).toBe(record.idHex)
    // Publishing the same bytes again: the recent record, nothing to decode.
    expect(records.own(TOPIC, copy(data))).toEqual({ record, decompressed: null })
  })

  it('release stops keeping a record that never reached the validator', () => {
    const records = new MessageRecords()
    const data = msg(4)
    records.messageId(TOPIC, data)
    const record = dispatch(records, TOPIC, data)
    records.release(record)
    expect(record.decompressed).toBeNull()
    expect(records.size).toBe(0)
    expect(records.retainedBytes).toBe(0)
  })
})
