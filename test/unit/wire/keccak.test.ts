import fc from 'fast-check'
import { keccak256 as viemKeccak256 } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  KECCAK_NATIVE_MIN_INPUT_BYTES,
  keccak256,
  keccak256Native,
  keccak256Wasm,
  keccakBulkBackend,
} from '../../../src/wire/keccak.ts'
import { bytesToHex } from '../../utils/vectors.ts'

/** viem's pure-JS keccak (noble): an independent reference, slow but fine for tests. */
const reference = (data: Uint8Array): string => viemKeccak256(data, 'hex')
const hex = (data: Uint8Array): string => bytesToHex(data)

describe('wire / keccak', () => {
  it('hashes the empty string and "abc" to the known Keccak-256 values (not SHA3-256)', () => {
    expect(hex(keccak256(new Uint8Array(0)))).toBe(
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
    expect(hex(keccak256(new TextEncoder().encode('abc')))).toBe(
      '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45',
    )
  })

  it('loads the native addon on linux-x64, where a prebuild ships', () => {
    if (process.platform === 'linux' && process.arch === 'x64') {
      expect(keccakBulkBackend).toBe('native')
      expect(keccak256Native).not.toBeNull()
    } else {
      expect(['native', 'wasm']).toContain(keccakBulkBackend)
    }
  })

  it('every backend matches the reference around the rate (136 B) and the backend threshold', () => {
    const lengths = [
      1,
      31,
      32,
      33,
      135,
      136,
      137,
      271,
      272,
      273,
      KECCAK_NATIVE_MIN_INPUT_BYTES - 1,
      KECCAK_NATIVE_MIN_INPUT_BYTES,
      KECCAK_NATIVE_MIN_INPUT_BYTES + 1,
      4096,
      100_000,
    ]
    for (const n of lengths) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff)
      const expected = reference(data)
      expect(hex(keccak256(data)), `length ${n}`).toBe(expected)
      expect(hex(keccak256Wasm(data)), `wasm length ${n}`).toBe(expected)
      if (keccak256Native !== null) expect(hex(keccak256Native(data)), `native ${n}`).toBe(expected)
    }
  })

  it('matches the reference for random inputs, including offset subarray views', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 2000, size: 'max' }),
        fc.nat({ max: 7 }),
        (bytes, skip) => {
          const view = bytes.subarray(Math.min(skip, bytes.length))
          const expected = reference(view)
          expect(hex(keccak256(view))).toBe(expected)
          if (keccak256Native !== null) expect(hex(keccak256Native(view))).toBe(expected)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('returns a fresh plain 32-byte Uint8Array per call (no aliasing of the reused state)', () => {
    for (const n of [10, KECCAK_NATIVE_MIN_INPUT_BYTES * 2]) {
      const a = keccak256(new Uint8Array(n).fill(1))
      const b = keccak256(new Uint8Array(n).fill(2))
      expect(a.constructor).toBe(Uint8Array)
      expect(a.length).toBe(32)
      expect(hex(a)).not.toBe(hex(b))
      expect(hex(a)).toBe(reference(new Uint8Array(n).fill(1)))
    }
  })
})
