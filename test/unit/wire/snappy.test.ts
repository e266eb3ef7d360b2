import fc from 'fast-check'
import snappyjs from 'snappyjs'
import { describe, expect, it } from 'vitest'
import { type GossipReasonCode, GossipValidationError } from '../../../src/wire/errors.ts'
import {
  MAX_GOSSIP_SIZE_BYTES,
  MAX_SNAPPY_DECODED_LENGTH_BYTES,
  MAX_SNAPPY_HEADER_SIZE_BYTES,
  MIN_GOSSIP_SIZE_BYTES,
  snappyCompress,
  snappyDecodedLength,
  snappyUncompress,
} from '../../../src/wire/snappy.ts'
import { bytesToHex, hexToBytes, loadVectors, vectorsAvailable } from '../../utils/vectors.ts'

// --- hand-built Snappy block streams -------------------------------------------------------

function uvarint(value: number): number[] {
  const out: number[] = []
  let v = value
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
  return out
}

const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')]

/** Literal, short form (1..60 bytes) */
const lit = (s: string): number[] => [(s.length - 1) << 2, ...ascii(s)]
/** Literal with an explicit 1..4-byte length field (tags 60..63), any length */
const litLong = (s: string, lengthBytes: 1 | 2 | 3 | 4): number[] => {
  const n = s.length - 1
  const len = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].slice(
    0,
    lengthBytes,
  )
  return [(59 + lengthBytes) << 2, ...len, ...ascii(s)]
}
/** Copy with 1-byte offset: length 4..11, offset 0..2047 */
const copy1 = (length: number, offset: number): number[] => [
  ((offset >>> 8) << 5) | ((length - 4) << 2) | 1,
  offset & 0xff,
]
/** Copy with 2-byte offset: length 1..64 */
const copy2 = (length: number, offset: number): number[] => [
  ((length - 1) << 2) | 2,
  offset & 0xff,
  offset >>> 8,
]
/** Copy with 4-byte offset: length 1..64 */
const copy4 = (length: number, offset: number): number[] => [
  ((length - 1) << 2) | 3,
  offset & 0xff,
  (offset >>> 8) & 0xff,
  (offset >>> 16) & 0xff,
  offset >>> 24,
]

/** A stream declaring `declared` bytes with the given elements. */
const stream = (declared: number, ...elements: number[][]): Uint8Array =>
  new Uint8Array([...uvarint(declared), ...elements.flat()])

/** Decodes the way the validator does: header, then strict uncompress. */
const decode = (data: Uint8Array): Uint8Array => snappyUncompress(data, snappyDecodedLength(data))

/** Byte equality without vitest's slow element-wise deep equality on large arrays. */
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

function codeOf(fn: () => unknown): GossipReasonCode | 'ok' | 'other' {
  try {
    fn()
    return 'ok'
  } catch (err) {
    return err instanceof GossipValidationError ? err.code : 'other'
  }
}

/** What lenient snappyjs does with the same bytes: its output as text, or 'throws'. */
function snappyjsResult(data: Uint8Array): string {
  try {
    return Buffer.from(snappyjs.uncompress(data)).toString('latin1')
  } catch {
    return 'throws'
  }
}

describe('wire / snappy', () => {
  it('exports the op-node gossip size limits', () => {
    expect(MAX_GOSSIP_SIZE_BYTES).toBe(10_485_760)
    expect(MIN_GOSSIP_SIZE_BYTES).toBe(66)
    // the headers the validator compares against those limits read back exactly
    for (const n of [
      MIN_GOSSIP_SIZE_BYTES - 1,
      MIN_GOSSIP_SIZE_BYTES,
      MAX_GOSSIP_SIZE_BYTES,
      MAX_GOSSIP_SIZE_BYTES + 1,
    ]) {
      expect(snappyDecodedLength(new Uint8Array(uvarint(n)))).toBe(n)
    }
  })

  describe('length header (golang/snappy decodedLen)', () => {
    const cases: [string, number[], number | 'SNAPPY_BAD_HEADER'][] = [
      ['empty input', [], 'SNAPPY_BAD_HEADER'],
      ['truncated varint', [0x80], 'SNAPPY_BAD_HEADER'],
      ['truncated 5-byte varint', [0xff, 0xff, 0xff, 0xff], 'SNAPPY_BAD_HEADER'],
      ['zero', [0x00], 0],
      ['one byte', [0x7f], 127],
      ['two bytes', [0x80, 0x01], 128],
      [
        `${MAX_SNAPPY_DECODED_LENGTH_BYTES} (limit)`,
        [0xff, 0xff, 0xff, 0xff, 0x0f],
        MAX_SNAPPY_DECODED_LENGTH_BYTES,
      ],
      ['2^32 (one past)', [0x80, 0x80, 0x80, 0x80, 0x10], 'SNAPPY_BAD_HEADER'],
      ['2^35 via high bits', [0xff, 0xff, 0xff, 0xff, 0x7f], 'SNAPPY_BAD_HEADER'],
      [
        `zero-padded to ${MAX_SNAPPY_HEADER_SIZE_BYTES} bytes (Go accepts)`,
        [0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
        5,
      ],
      [
        `zero-padded to ${MAX_SNAPPY_HEADER_SIZE_BYTES + 1} bytes`,
        [0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
        'SNAPPY_BAD_HEADER',
      ],
      [
        '64-bit overflow in the 10th byte',
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02],
        'SNAPPY_BAD_HEADER',
      ],
    ]
    it.each(cases)('%s', (_name, bytes, want) => {
      const data = new Uint8Array(bytes)
      if (want === 'SNAPPY_BAD_HEADER') {
        expect(codeOf(() => snappyDecodedLength(data))).toBe('SNAPPY_BAD_HEADER')
        expect(codeOf(() => snappyUncompress(data, 0))).toBe('SNAPPY_BAD_HEADER')
      } else {
        expect(snappyDecodedLength(data)).toBe(want)
      }
    })
  })

  describe('strict body (golang/snappy decode)', () => {
    /** name, stream, what snappyjs does with it (documents why the strict scan exists) */
    const corrupt: [string, Uint8Array, string][] = [
      ['header only', stream(5), '\0\0\0\0\0'],
      ['truncated at an element boundary', stream(10, lit('abcde')), 'abcde\0\0\0\0\0'],
      ['truncated inside a literal', stream(5, lit('abcde')).subarray(0, 4), 'throws'],
      ['truncated literal length field', stream(100, [61 << 2, 0x05]), 'throws'],
      ['truncated 1-byte-offset copy', stream(8, lit('abcd'), [0x01]), 'abcd\0\0\0\0'],
      ['truncated 2-byte-offset copy', stream(8, lit('abcd'), [0x0e, 0x04]), 'throws'],
      ['truncated 4-byte-offset copy', stream(8, lit('abcd'), [0x0f, 0x04, 0, 0]), 'throws'],
      ['copy offset 0', stream(8, lit('abcd'), copy1(4, 0)), 'throws'],
      ['copy offset before the start', stream(8, lit('abcd'), copy1(4, 5)), 'throws'],
      ['copy as the first element', stream(4, copy2(4, 1)), 'throws'],
      [
        '4-byte offset >= 2^31 (negative in snappyjs)',
        stream(8, lit('abcd'), copy4(4, 2 ** 32 - 1)),
        'abcd\0\0\0\0',
      ],
      ['4-byte offset beyond the output', stream(8, lit('abcd'), copy4(4, 0x100)), 'throws'],
      ['literal past the declared length', stream(4, lit('abcde')), 'abcd'],
      ['copy past the declared length', stream(6, lit('abcd'), copy1(4, 4)), 'abcdab'],
      ['trailing literal after a full output', stream(4, lit('abcd'), lit('x')), 'abcd'],
      ['trailing copy after a full output', stream(4, lit('abcd'), copy1(4, 4)), 'abcd'],
      [
        '4-byte literal length overflowing',
        stream(8, [63 << 2, 0xff, 0xff, 0xff, 0xff], ascii('abcdefgh')),
        'throws',
      ],
    ]
    it.each(corrupt)('%s → SNAPPY_CORRUPT', (_name, data, lenient) => {
      expect(codeOf(() => decode(data))).toBe('SNAPPY_CORRUPT')
      expect(snappyjsResult(data)).toBe(lenient)
    })

    it('rejects a decodedLength argument that disagrees with the header', () => {
      const data = stream(4, lit('abcd'))
      expect(codeOf(() => snappyUncompress(data, 5))).toBe('SNAPPY_CORRUPT')
    })

    /** Streams golang/snappy accepts, some of which snappyjs wrongly rejects. */
    const valid: [string, Uint8Array, string, string][] = [
      ['empty message', stream(0), '', ''],
      ['plain literal', stream(3, lit('abc')), 'abc', 'abc'],
      [
        'overlapping copy (run-length)',
        stream(12, lit('ab'), copy1(10, 2)),
        'abababababab',
        'abababababab',
      ],
      ['2-byte offset copy', stream(8, lit('wxyz'), copy2(4, 4)), 'wxyzwxyz', 'wxyzwxyz'],
      ['4-byte offset copy', stream(8, lit('wxyz'), copy4(4, 4)), 'wxyzwxyz', 'wxyzwxyz'],
      [
        'non-canonical long literal at the end',
        stream(3, lit('ab'), litLong('c', 1)),
        'abc',
        'throws',
      ],
      ['3-byte literal length', stream(5, litLong('hello', 3)), 'hello', 'hello'],
      [
        '10-byte zero-padded header',
        new Uint8Array([0x83, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, ...lit('abc')]),
        'abc',
        'throws',
      ],
    ]
    it.each(valid)('accepts %s', (_name, data, want, lenient) => {
      const out = decode(data)
      expect(Buffer.from(out).toString('latin1')).toBe(want)
      expect(out.constructor).toBe(Uint8Array)
      expect(snappyjsResult(data)).toBe(lenient)
    })

    it('accepts long copies that take the bulk path (copyWithin) and long literals (set)', () => {
      const text = 'The quick brown fox jumps over the lazy dog, 0123456789!'
      const data = stream(
        text.length * 2 + 40,
        litLong(text, 2),
        copy2(text.length, text.length),
        copy2(40, 2),
      )
      const out = Buffer.from(decode(data)).toString('latin1')
      const head = text + text
      expect(out).toBe(head + head.slice(-2).repeat(20))
    })

    it('never throws anything but GossipValidationError on random bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
          const code = codeOf(() => {
            const n = snappyDecodedLength(data)
            // stay within what the validator would let through
            if (n > MAX_GOSSIP_SIZE_BYTES) return
            expect(snappyUncompress(data, n).length).toBe(n)
          })
          expect(['ok', 'SNAPPY_BAD_HEADER', 'SNAPPY_CORRUPT']).toContain(code)
        }),
        { numRuns: 2000 },
      )
    })

    it('mutated valid streams fail cleanly or decode to what snappyjs decodes', () => {
      const base = snappyCompress(
        new Uint8Array(Buffer.from('abcabcabcabd'.repeat(40) + 'xyz'.repeat(30))),
      )
      fc.assert(
        fc.property(
          fc.nat({ max: base.length - 1 }),
          fc.integer({ min: 0, max: 255 }),
          (at, byte) => {
            const data = base.slice()
            data[at] = byte
            let out: Uint8Array | undefined
            const code = codeOf(() => {
              out = decode(data)
            })
            expect(['ok', 'SNAPPY_BAD_HEADER', 'SNAPPY_CORRUPT']).toContain(code)
            if (out !== undefined) {
              expect(out.length).toBe(snappyDecodedLength(data))
              // everything we accept is well-formed, so the lenient decoder must agree byte for byte
              const lenient = snappyjs.uncompress(data)
              expect(sameBytes(out, lenient)).toBe(true)
            }
          },
        ),
        { numRuns: 1000 },
      )
    })
  })

  describe('compress', () => {
    it('round-trips random and repetitive data through the strict decoder', () => {
      const repetitive = fc
        .tuple(fc.uint8Array({ minLength: 1, maxLength: 50 }), fc.integer({ min: 1, max: 3000 }))
        .map(([unit, times]) => {
          const out = new Uint8Array(unit.length * times)
          for (let i = 0; i < times; i++) out.set(unit, i * unit.length)
          return out
        })
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 5000 }), repetitive), (data) => {
          const compressed = snappyCompress(data)
          expect(compressed.constructor).toBe(Uint8Array)
          expect(snappyDecodedLength(compressed)).toBe(data.length)
          expect(sameBytes(decode(compressed), data)).toBe(true)
        }),
        { numRuns: 300 },
      )
    })

    it('round-trips data larger than one 64 KiB snappy block', () => {
      const data = new Uint8Array(300_000)
      for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 251) ^ (i >> 10)
      expect(sameBytes(decode(snappyCompress(data)), data)).toBe(true)
      // Buffer input comes back as a plain Uint8Array
      expect(snappyCompress(Buffer.from(data)).constructor).toBe(Uint8Array)
    })
  })

  describe.skipIf(!vectorsAvailable)('op-alloy-gossip-envelopes.json', () => {
    const messages = loadVectors('op-alloy-gossip-envelopes.json').filter(
      (v) => v.input.snappy_message_hex !== undefined,
    )

    it('has the four gossip messages', () => {
      expect(messages).toHaveLength(4)
    })

    for (const v of messages) {
      it(`${v.name}: decompresses to the declared length and round-trips`, () => {
        const data = hexToBytes(v.input.snappy_message_hex)
        const length = snappyDecodedLength(data)
        expect(length).toBe(v.derived!.decompressed_length)
        const out = snappyUncompress(data, length)
        expect(out.length).toBe(length)
        expect(bytesToHex(out.subarray(0, 65))).toBe(v.derived!.signature)
        expect(sameBytes(out, snappyjs.uncompress(data))).toBe(true)
        expect(sameBytes(decode(snappyCompress(out)), out)).toBe(true)
      })
    }
  })
})
