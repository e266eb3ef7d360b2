import { SignableENR } from '@chainsafe/enr'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BUILTIN_CHAINS } from '../../../src/chains/builtin.ts'
import { createLocalEnr } from '../../../src/discovery/localEnr.ts'
import {
  decodeOpStackEntry,
  decodeUvarint,
  encodeOpStackEntry,
  encodeUvarint,
  MAX_UVARINT_LENGTH_BYTES,
  OpStackEntryError,
} from '../../../src/discovery/opstackEntry.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const KEY = new Uint8Array(32).fill(7)

/** op-gossip.md §8.1: chain → [entry content, full RLP item inside the ENR]. */
const GOLDEN: Record<number, [string, string]> = {
  10: ['0a00', '820a00'],
  8453: ['854200', '83854200'],
  11155420: ['dcefa80500', '85dcefa80500'],
  84532: ['b4940500', '84b4940500'],
}

describe('discovery / opstackEntry', () => {
  it.each(BUILTIN_CHAINS)('$name: content and RLP item match the spec golden vectors', (chain) => {
    const [content, item] = GOLDEN[chain.chainId]!
    expect(hex(encodeOpStackEntry(chain.chainId))).toBe(content)
    expect(decodeOpStackEntry(Buffer.from(content, 'hex'))).toEqual({
      chainId: BigInt(chain.chainId),
      version: 0n,
    })
    // In a signed record, the key "opstack" (RLP 0x87 + 7 bytes) is followed by exactly this item.
    const encoded = hex(
      createLocalEnr({ privateKey: KEY, chainId: chain.chainId, tcp: 9222, udp: 9222 }).encode(),
    )
    expect(encoded).toContain(`87${hex(new TextEncoder().encode('opstack'))}${item}`)
  })

  it('uvarint matches Go binary.PutUvarint at the byte boundaries', () => {
    expect(hex(encodeUvarint(0))).toBe('00')
    expect(hex(encodeUvarint(127))).toBe('7f')
    expect(hex(encodeUvarint(128))).toBe('8001')
    expect(hex(encodeUvarint(300))).toBe('ac02')
    expect(hex(encodeUvarint((1n << 64n) - 1n))).toBe('ffffffffffffffffff01')
    expect(() => encodeUvarint(1n << 64n)).toThrow(RangeError)
    expect(() => encodeUvarint(-1)).toThrow(RangeError)
  })

  it('decodes like Go ReadUvarint: MAX_UVARINT_LENGTH_BYTES at the limit, overflow past it', () => {
    const max = Buffer.from('ffffffffffffffffff01', 'hex')
    expect(max).toHaveLength(MAX_UVARINT_LENGTH_BYTES)
    expect(decodeUvarint(max)).toEqual({ value: (1n << 64n) - 1n, length: 10 })
    // 10th byte above 1 overflows uint64.
    expect(() => decodeUvarint(Buffer.from('ffffffffffffffffff02', 'hex'))).toThrow(
      OpStackEntryError,
    )
    // An 11th byte is past the limit.
    expect(() => decodeUvarint(Buffer.from('ffffffffffffffffff8001', 'hex'))).toThrow(
      OpStackEntryError,
    )
    expect(() => decodeUvarint(Buffer.from('80', 'hex'))).toThrow('truncated')
    expect(() => decodeUvarint(new Uint8Array())).toThrow('truncated')
  })

  it('needs both varints, allows trailing bytes (op-node leaves room for future data)', () => {
    expect(() => decodeOpStackEntry(Buffer.from('0a', 'hex'))).toThrow(OpStackEntryError)
    expect(() => decodeOpStackEntry(new Uint8Array())).toThrow(OpStackEntryError)
    expect(decodeOpStackEntry(Buffer.from('0a01ffff', 'hex'))).toEqual({
      chainId: 10n,
      version: 1n,
    })
  })

  it('round-trips any uint64 pair', () => {
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
    fc.assert(
      fc.property(u64, u64, (chainId, version) => {
        expect(decodeOpStackEntry(encodeOpStackEntry(chainId, version))).toEqual({
          chainId,
          version,
        })
      }),
    )
  })

  it('the ENR library hands back exactly the content bytes', () => {
    const enr = SignableENR.createV4(KEY)
    enr.set('opstack', encodeOpStackEntry(8453))
    expect(hex(enr.toENR().kvs.get('opstack')!)).toBe('854200')
  })
})
