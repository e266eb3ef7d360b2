import { describe, expect, it } from 'vitest'
import { createBlockBuilder, devnetKey } from '../../../src/blocks/blockBuilder.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import {
  ATTACK_PHASES,
  createAttackMessageSource,
  MALFORMED_KINDS,
  MIN_REENCODE_CHUNK_BYTES,
  malformedMessage,
  REENCODE_CHUNK_VARIANTS,
  REPLAY_POOL_BLOCKS,
  reencode,
  SIGNATURE_BYTES,
  signatureTemplate,
  snappyLiterals,
  withRandomSignature,
} from '../../../src/devnet/attackMessages.ts'
import { DEVNET_SEQUENCER_KEY_LABEL } from '../../../src/devnet/devnetPlan.ts'
import {
  createBlockValidator,
  DEFAULT_TIMESTAMP_THRESHOLD_SECONDS,
} from '../../../src/gossip/validator.ts'
import {
  MAX_GOSSIP_SIZE_BYTES,
  snappyDecodedLength,
  snappyUncompress,
} from '../../../src/wire/snappy.ts'

const chain = createDevnetChain()
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const decode = (d: Uint8Array) => snappyUncompress(d, snappyDecodedLength(d))
const NOW_MS = Date.now()
const signer = createBlockBuilder({
  chain,
  privateKey: devnetKey(DEVNET_SEQUENCER_KEY_LABEL),
}).signer
const validator = () => createBlockValidator({ chain, signer: () => signer, now: () => NOW_MS })

describe('devnet / attackMessages', () => {
  it('names the phases in their default order', () => {
    expect(ATTACK_PHASES).toEqual(['baseline', 'invalid', 'duplicate', 'replay', 'malformed'])
  })

  it('re-encodes a block with the same payload and different bytes per variant', () => {
    const block = createBlockBuilder({
      chain,
      privateKey: devnetKey('x'),
      targetBytes: 5000,
    }).next()
    const copies = [0, 1, 2, REENCODE_CHUNK_VARIANTS].map((v) => reencode(block.data, v))
    for (const c of copies) expect(hex(decode(c))).toBe(hex(block.decompressed))
    expect(new Set(copies.slice(0, 3).map(hex)).size).toBe(3)
    // Past the variants the encodings repeat (a duplicate on the wire too).
    expect(hex(copies[3] as Uint8Array)).toBe(hex(copies[0] as Uint8Array))
    expect(MIN_REENCODE_CHUNK_BYTES).toBeGreaterThan(0)
  })

  it('replaces only the signature of a signature template, which decodes to the block', () => {
    const block = createBlockBuilder({
      chain,
      privateKey: devnetKey('t'),
      targetBytes: 8000,
    }).next()
    const template = signatureTemplate(block)
    expect(hex(decode(template.bytes))).toBe(hex(block.decompressed))
    const [a, b] = [withRandomSignature(template), withRandomSignature(template)]
    const [da, db] = [decode(a), decode(b)]
    expect(hex(da.subarray(SIGNATURE_BYTES))).toBe(
      hex(block.decompressed.subarray(SIGNATURE_BYTES)),
    )
    expect(hex(da.subarray(0, SIGNATURE_BYTES))).not.toBe(hex(db.subarray(0, SIGNATURE_BYTES)))
    expect(hex(da.subarray(0, SIGNATURE_BYTES))).not.toBe(
      hex(block.decompressed.subarray(0, SIGNATURE_BYTES)),
    )
    // The template itself is left as it was.
    expect(hex(decode(template.bytes))).toBe(hex(block.decompressed))
  })

  it('encodes literals of every length form, and refuses chunk sizes out of range', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i % 251)
    for (const chunk of [1, 59, 60, 61, 255, 256, 257, 1000, 65_536]) {
      expect(hex(decode(snappyLiterals(data, chunk)))).toBe(hex(data))
    }
    expect(() => snappyLiterals(data, 0)).toThrow(RangeError)
    expect(() => snappyLiterals(data, 65_537)).toThrow(RangeError)
  })

  it('crafts invalid blocks the validator rejects, each one distinct', () => {
    const source = createAttackMessageSource({
      chain,
      blockBytes: 5000,
      seed: 1,
      now: () => NOW_MS,
    })
    const v = validator()
    const msgs = Array.from({ length: 5 }, () => source.invalid())
    expect(new Set(msgs.map((m) => hex(m.data))).size).toBe(5)
    for (const m of msgs) {
      const r = v.validate(m.topic, m.data)
      expect(r.verdict).toBe('reject')
      expect(decode(m.data).length).toBeGreaterThan(SIGNATURE_BYTES)
    }
  })

  it('replays validly signed blocks older than the timestamp threshold', () => {
    const source = createAttackMessageSource({
      chain,
      blockBytes: 3000,
      seed: 2,
      now: () => NOW_MS,
    })
    const v = validator()
    const first = source.replay()
    const r = v.validate(first.topic, first.data)
    expect([r.verdict, r.reason]).toEqual(['reject', 'TIMESTAMP_TOO_OLD'])
    const envelope = r.envelope
    if (envelope !== null) {
      expect(Number(envelope.payload.timestamp)).toBeLessThan(
        NOW_MS / 1000 - DEFAULT_TIMESTAMP_THRESHOLD_SECONDS,
      )
    }
    // The pool repeats after REPLAY_POOL_BLOCKS messages.
    for (let i = 1; i < REPLAY_POOL_BLOCKS; i++) source.replay()
    expect(hex(source.replay().data)).toBe(hex(first.data))
  })

  it('makes each kind of malformed message', () => {
    const block = createBlockBuilder({
      chain,
      privateKey: devnetKey('y'),
      targetBytes: 3000,
    }).next()
    const from = Uint8Array.from([1, 2, 3])
    const v = validator()
    const byKind = Object.fromEntries(
      MALFORMED_KINDS.map((k) => [
        k,
        malformedMessage(k, { ...block, signed: signatureTemplate(block) }, from),
      ]),
    )
    expect(byKind['from-field']?.from).toEqual(from)
    expect(v.validate(block.topic, byKind.truncated?.data as Uint8Array).verdict).toBe('reject')
    expect(v.validate(block.topic, byKind.garbage?.data as Uint8Array).verdict).toBe('reject')
    const oversize = byKind['oversize-header']?.data as Uint8Array
    expect(snappyDecodedLength(oversize)).toBe(MAX_GOSSIP_SIZE_BYTES + 1)
    expect(v.validate(block.topic, oversize).verdict).toBe('reject')
    // The duplicate source needs an honest block first.
    const source = createAttackMessageSource({ chain, blockBytes: 3000, seed: 3 })
    expect(source.duplicate(null)).toBeNull()
    expect(hex(decode(source.duplicate(block)?.data as Uint8Array))).toBe(hex(block.decompressed))
  })
})
