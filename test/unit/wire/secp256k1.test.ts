import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  SECP256K1_BACKEND_ENV,
  secp256k1Backend,
  selectSecp256k1Backend,
} from '../../../src/wire/secp256k1.ts'

const native = selectSecp256k1Backend({})
const noble = selectSecp256k1Backend({ [SECP256K1_BACKEND_ENV]: 'noble' })
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const to32 = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'))
const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('hex'))

describe('wire / secp256k1 backends', () => {
  it('uses libsecp256k1 where its binding loads (linux-x64 here), noble when forced', () => {
    expect(native.name).toBe('libsecp256k1')
    expect(noble.name).toBe('noble')
    expect(secp256k1Backend.name).toBe(
      process.env[SECP256K1_BACKEND_ENV] === 'noble' ? 'noble' : 'libsecp256k1',
    )
  })

  it('sign and recover agree byte for byte between the two backends', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 3 }),
        (key, hash, recid) => {
          if (!native.isValidPrivateKey(key)) {
            expect(noble.isValidPrivateKey(key)).toBe(false)
            return
          }
          const a = native.sign(hash, key)
          const b = noble.sign(hash, key)
          expect(hex(b.signature)).toBe(hex(a.signature))
          expect(b.recid).toBe(a.recid)
          expect(hex(noble.publicKey(key))).toBe(hex(native.publicKey(key)))
          expect(hex(noble.recover(a.signature, a.recid, hash))).toBe(hex(native.publicKey(key)))
          // Any recovery id: both find the same key, or both find none.
          expect(hex(noble.recover(a.signature, recid, hash))).toBe(
            hex(native.recover(a.signature, recid, hash)),
          )
        },
      ),
      { numRuns: 200 },
    )
  })

  it('both refuse r or s of zero or >= n, and both accept the high-S twin', () => {
    const key = new Uint8Array(32).fill(7)
    const hash = new Uint8Array(32).fill(9)
    const { signature, recid } = native.sign(hash, key)
    const s = BigInt(`0x${hex(signature.subarray(32))}`)
    const withParts = (r: Uint8Array, sPart: Uint8Array) => Uint8Array.from([...r, ...sPart])
    for (const bad of [
      withParts(new Uint8Array(32), signature.subarray(32)),
      withParts(signature.subarray(0, 32), new Uint8Array(32)),
      withParts(to32(CURVE_ORDER), signature.subarray(32)),
      withParts(signature.subarray(0, 32), to32(CURVE_ORDER)),
    ]) {
      expect(native.recover(bad, recid, hash)).toBeNull()
      expect(noble.recover(bad, recid, hash)).toBeNull()
    }
    const twin = withParts(signature.subarray(0, 32), to32(CURVE_ORDER - s))
    expect(hex(noble.recover(twin, recid ^ 1, hash))).toBe(hex(native.publicKey(key)))
    expect(hex(native.recover(twin, recid ^ 1, hash))).toBe(hex(native.publicKey(key)))
  })
})
