import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  computeMessageId,
  computeMessageIdWithData,
  RECENT_MESSAGE_IDS_MAX_ENTRIES,
  RECENT_MESSAGE_IDS_MAX_RETAINED_BYTES,
  RecentMessageIds,
} from '../../../src/wire/msgId.ts'
import { MAX_GOSSIP_SIZE_BYTES, snappyCompress } from '../../../src/wire/snappy.ts'
import { bytesToHex, hexToBytes, vector, vectorsAvailable } from '../../utils/vectors.ts'

const hex = bytesToHex
const TOPIC = '/optimism/10/3/blocks'

/** Independent restatement of op-node's BuildMsgIdFn for one domain and body. */
function expectedId(domain: number, topic: string, body: Uint8Array): string {
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(topic)))
  const h = createHash('sha256')
    .update(Uint8Array.of(domain, 0, 0, 0))
    .update(len)
    .update(topic)
    .update(body)
    .digest()
  return hex(h.subarray(0, 20))
}

/** A uvarint length header followed by nothing: declares `length` bytes. */
function headerOnly(length: number): Uint8Array {
  const out: number[] = []
  let n = length
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Uint8Array.from(out)
}

describe('wire / msgId', () => {
  it('valid snappy: domain 1 over the decompressed bytes, including topic length and topic', () => {
    const body = new TextEncoder().encode('hello op-gossip '.repeat(20))
    const data = snappyCompress(body)
    const { id, decompressed } = computeMessageIdWithData(TOPIC, data)
    expect(id.length).toBe(20)
    expect(hex(id)).toBe(expectedId(1, TOPIC, body))
    expect(hex(decompressed as Uint8Array)).toBe(hex(body))
    expect(hex(computeMessageId(TOPIC, data))).toBe(hex(id))
    // The topic is part of the preimage.
    expect(hex(computeMessageId('/optimism/10/2/blocks', data))).not.toBe(hex(id))
  })

  it('invalid snappy (corrupt body): domain 0 over the raw data', () => {
    const data = Uint8Array.of(10, 0xff, 0xff, 0xff) // declares 10 bytes, garbage body
    const { id, decompressed } = computeMessageIdWithData(TOPIC, data)
    expect(decompressed).toBeNull()
    expect(hex(id)).toBe(expectedId(0, TOPIC, data))
  })

  it('empty data and an unreadable header: domain 0 over the raw data', () => {
    expect(hex(computeMessageId(TOPIC, new Uint8Array(0)))).toBe(
      expectedId(0, TOPIC, new Uint8Array(0)),
    )
    const bad = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff) // truncated uvarint
    expect(hex(computeMessageId(TOPIC, bad))).toBe(expectedId(0, TOPIC, bad))
  })

  it('a declared length of exactly 10 MiB is decoded, one byte more is hashed raw', () => {
    const atLimit = new Uint8Array(MAX_GOSSIP_SIZE_BYTES)
    const data = snappyCompress(atLimit)
    const r = computeMessageIdWithData(TOPIC, data)
    expect(r.decompressed?.length).toBe(MAX_GOSSIP_SIZE_BYTES)
    expect(hex(r.id)).toBe(expectedId(1, TOPIC, atLimit))

    const past = headerOnly(MAX_GOSSIP_SIZE_BYTES + 1)
    const p = computeMessageIdWithData(TOPIC, past)
    expect(p.decompressed).toBeNull()
    expect(hex(p.id)).toBe(expectedId(0, TOPIC, past))
  })

  it('a valid snappy block of zero bytes counts as valid (domain 1, empty body)', () => {
    const data = Uint8Array.of(0)
    const r = computeMessageIdWithData(TOPIC, data)
    expect(r.decompressed?.length).toBe(0)
    expect(hex(r.id)).toBe(expectedId(1, TOPIC, new Uint8Array(0)))
  })
})

describe('wire / msgId recent IDs (duplicate copies)', () => {
  const block = (n: number, size = 1000): Uint8Array => {
    const raw = new Uint8Array(size)
    for (let i = 0; i < size; i++) raw[i] = (i * 31 + n) & 0xff
    return snappyCompress(raw)
  }
  /** A fresh buffer of exactly these bytes (what a second peer's copy looks like). */
  const copy = (d: Uint8Array): Uint8Array => new Uint8Array(d)

  it('keeps at most RECENT_MESSAGE_IDS_MAX_ENTRIES pairs: at the limit all answer, past it the oldest goes', () => {
    const recent = new RecentMessageIds()
    const datas = Array.from({ length: RECENT_MESSAGE_IDS_MAX_ENTRIES + 1 }, (_, i) => block(i, 64))
    const ids = datas.map((d) => computeMessageId(TOPIC, d))
    for (let i = 0; i < RECENT_MESSAGE_IDS_MAX_ENTRIES; i++) {
      recent.add(TOPIC, datas[i] as Uint8Array, ids[i] as Uint8Array)
    }
    expect(recent.size).toBe(RECENT_MESSAGE_IDS_MAX_ENTRIES)
    expect(recent.find(TOPIC, copy(datas[0] as Uint8Array))).toBe(ids[0])
    recent.add(TOPIC, datas.at(-1) as Uint8Array, ids.at(-1) as Uint8Array)
    expect(recent.size).toBe(RECENT_MESSAGE_IDS_MAX_ENTRIES)
    expect(recent.find(TOPIC, copy(datas[0] as Uint8Array))).toBeUndefined()
    expect(recent.find(TOPIC, copy(datas[1] as Uint8Array))).toBe(ids[1])
  })

  it('bounds retained memory by the whole buffer behind each view: at the limit kept, past it dropped', () => {
    expect(RECENT_MESSAGE_IDS_MAX_RETAINED_BYTES).toBe(16 * 2 ** 20)
    /** A message as a view into a 4 KiB read buffer. */
    const view = (n: number): Uint8Array => {
      const message = block(n, 64)
      const readBuffer = new Uint8Array(4096)
      readBuffer.set(message, 0)
      return readBuffer.subarray(0, message.length)
    }
    const recent = new RecentMessageIds({ maxRetainedBytes: 2 * 4096 })
    const [a, b, c] = [1, 2, 3].map(view) as [Uint8Array, Uint8Array, Uint8Array]
    const id = new Uint8Array(20)
    recent.add(TOPIC, a, id)
    recent.add(TOPIC, b, id)
    expect(recent.retainedBytes).toBe(2 * 4096) // exactly at the limit: both kept
    expect(recent.size).toBe(2)
    recent.add(TOPIC, c, id) // one past: the oldest goes
    expect(recent.size).toBe(2)
    expect(recent.find(TOPIC, copy(a))).toBeUndefined()
    expect(recent.find(TOPIC, copy(c))).toBe(id)
    // A single view whose buffer exceeds the bound is not kept at all.
    const small = new RecentMessageIds({ maxRetainedBytes: 4095 })
    small.add(TOPIC, a, id)
    expect(small.size).toBe(0)
  })
})

describe.skipIf(!vectorsAvailable)('wire / msgId (op-alloy messages)', () => {
  it('v1 message on /optimism/10/0/blocks', () => {
    const v = vector('op-alloy-gossip-envelopes.json', 'test_roundtrip_encode_envelope_v1')
    expect(
      hex(computeMessageId('/optimism/10/0/blocks', hexToBytes(v.input.snappy_message_hex))),
    ).toBe('0x89a3015ab0f41b00cc8789405f5146a84e7aa350')
  })

  it('v4 message on /optimism/10/3/blocks', () => {
    const v = vector('op-alloy-gossip-envelopes.json', 'test_roundtrip_encode_envelope_v4')
    const r = computeMessageIdWithData(
      '/optimism/10/3/blocks',
      hexToBytes(v.input.snappy_message_hex),
    )
    expect(hex(r.id)).toBe('0x019c60341be0edc43df4298441f1885544c47494')
    expect(r.decompressed?.length).toBe(v.derived?.decompressed_length)
  })
})
