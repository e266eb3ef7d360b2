import fc from 'fast-check'
import { toRlp, bytesToHex as viemBytesToHex } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  encodeRlp,
  encodeRlpBytes,
  encodeRlpList,
  encodeRlpUint,
  type RlpItem,
  uintToBytes,
} from '../../../src/wire/rlp.ts'
import { bytesToHex, hexToBytes } from '../../utils/vectors.ts'

type HexItem = `0x${string}` | HexItem[]
const toHexItem = (item: RlpItem): HexItem =>
  item instanceof Uint8Array ? viemBytesToHex(item) : item.map(toHexItem)

const rlpItem: fc.Arbitrary<RlpItem> = fc.letrec<{ item: RlpItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 80, size: 'max' }),
    fc.array(tie('item'), { maxLength: 6 }),
  ),
})).item

describe('wire / rlp', () => {
  it('encodes byte strings at the short/long boundaries', () => {
    expect(bytesToHex(encodeRlpBytes(new Uint8Array(0)))).toBe('0x80')
    expect(bytesToHex(encodeRlpBytes(Uint8Array.of(0x00)))).toBe('0x00')
    expect(bytesToHex(encodeRlpBytes(Uint8Array.of(0x7f)))).toBe('0x7f')
    expect(bytesToHex(encodeRlpBytes(Uint8Array.of(0x80)))).toBe('0x8180')
    const s55 = new Uint8Array(55).fill(0xaa)
    expect(encodeRlpBytes(s55)[0]).toBe(0x80 + 55)
    const s56 = new Uint8Array(56).fill(0xaa)
    expect(bytesToHex(encodeRlpBytes(s56).subarray(0, 2))).toBe('0xb838')
    const s256 = new Uint8Array(256)
    expect(bytesToHex(encodeRlpBytes(s256).subarray(0, 3))).toBe('0xb90100')
    const s70k = new Uint8Array(70_000)
    expect(bytesToHex(encodeRlpBytes(s70k).subarray(0, 4))).toBe('0xba011170')
  })

  it('encodes unsigned integers as minimal big-endian strings (0 → empty string)', () => {
    const cases: [bigint | number, string][] = [
      [0, '0x80'],
      [0n, '0x80'],
      [1, '0x01'],
      [127, '0x7f'],
      [128, '0x8180'],
      [256, '0x820100'],
      [0x3b9aca00, '0x843b9aca00'],
      [2n ** 64n - 1n, '0x88ffffffffffffffff'],
      [2n ** 255n, `0xa080${'00'.repeat(31)}`],
      [Number.MAX_SAFE_INTEGER, '0x871fffffffffffff'],
      [2n ** 53n, '0x8720000000000000'],
    ]
    for (const [value, expected] of cases) {
      expect(bytesToHex(encodeRlpUint(value)), String(value)).toBe(expected)
    }
    expect(bytesToHex(uintToBytes(0x0102n))).toBe('0x0102')
  })

  it('rejects negative and unsafe integers', () => {
    expect(() => uintToBytes(-1)).toThrow(RangeError)
    expect(() => uintToBytes(-1n)).toThrow(RangeError)
    expect(() => uintToBytes(2 ** 60)).toThrow(RangeError)
    expect(() => uintToBytes(1.5)).toThrow(RangeError)
  })

  it('encodes lists of pre-encoded items under short and long list headers', () => {
    expect(bytesToHex(encodeRlpList([]))).toBe('0xc0')
    expect(bytesToHex(encodeRlpList([encodeRlpUint(1), encodeRlpBytes(hexToBytes('0x'))]))).toBe(
      '0xc20180',
    )
    const long = encodeRlpList([encodeRlpBytes(new Uint8Array(60))])
    expect(bytesToHex(long.subarray(0, 4))).toBe('0xf83eb83c')
  })

  it('matches viem toRlp for random nested items', () => {
    fc.assert(
      fc.property(rlpItem, (item) => {
        expect(bytesToHex(encodeRlp(item))).toBe(toRlp(toHexItem(item) as never, 'hex'))
      }),
      { numRuns: 300 },
    )
  })
})
