import fc from 'fast-check'
import { keccak256 as viemKeccak256 } from 'viem'
import { describe, expect, it } from 'vitest'
import { keccak256, keccak256Batch, keccakEngine } from '../../../src/wire/keccak.ts'
import {
  createKeccakWasm,
  KECCAK_WASM_INPUT_WINDOW_BYTES,
  KECCAK_WASM_MEMORY_MAX_BYTES,
  KECCAK_WASM_RATE_BYTES,
  type KeccakWasm,
  wasmSimdSupported,
} from '../../../src/wire/keccakWasm.ts'
import { bytesToHex } from '../../utils/vectors.ts'

/** viem's pure-JS keccak (noble): an independent reference, slow but fine for tests. */
const reference = (data: Uint8Array): string => viemKeccak256(data, 'hex')
const hex = (data: Uint8Array): string => bytesToHex(data)
const patterned = (n: number, seed = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + n + seed) & 0xff)

const RATE = KECCAK_WASM_RATE_BYTES
/** Lengths around the rate (136 B) and block multiples, where padding changes shape. */
const BOUNDARY_LENGTHS = [
  0, 1, 31, 32, 33, 134, 135, 136, 137, 271, 272, 273, 407, 408, 409, 1000, 2000,
]

const scalarEngine = createKeccakWasm({ variant: 'scalar' })
const engines: [string, KeccakWasm][] = [['scalar', scalarEngine]]
if (wasmSimdSupported) engines.push(['simd', createKeccakWasm({ variant: 'simd' })])

describe('wire / keccak', () => {
  it('hashes the empty string and "abc" to the known Keccak-256 values (not SHA3-256)', () => {
    expect(hex(keccak256(new Uint8Array(0)))).toBe(
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
    expect(hex(keccak256(new TextEncoder().encode('abc')))).toBe(
      '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45',
    )
  })

  it('uses the SIMD build on x64/arm64 Node 22 (WebAssembly SIMD is supported there)', () => {
    if (process.arch === 'x64' || process.arch === 'arm64') {
      expect(wasmSimdSupported).toBe(true)
      expect(keccakEngine.variant).toBe('simd')
    } else {
      expect(keccakEngine.variant).toBe(wasmSimdSupported ? 'simd' : 'scalar')
    }
  })

  it('matches the reference around the rate boundaries, in every engine', () => {
    for (const n of BOUNDARY_LENGTHS) {
      const data = patterned(n)
      const expected = reference(data)
      expect(hex(keccak256(data)), `length ${n}`).toBe(expected)
      for (const [name, engine] of engines) {
        expect(hex(engine.keccak256(data)), `${name} length ${n}`).toBe(expected)
      }
    }
  })

  it('streams inputs longer than the input window (chunk boundaries included)', () => {
    const w = KECCAK_WASM_INPUT_WINDOW_BYTES
    for (const n of [w - 1, w, w + 1, w + RATE, 2 * w, 2 * w + 137]) {
      const data = patterned(n, 7)
      const expected = reference(data)
      for (const [name, engine] of engines) {
        expect(hex(engine.keccak256(data)), `${name} length ${n}`).toBe(expected)
      }
    }
  })

  it('matches the reference for random inputs of 0..2000 bytes, including offset views', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 2000, size: 'max' }),
        fc.nat({ max: 7 }),
        (bytes, skip) => {
          const view = bytes.subarray(Math.min(skip, bytes.length))
          const expected = reference(view)
          expect(hex(keccak256(view))).toBe(expected)
          expect(hex(scalarEngine.keccak256(view))).toBe(expected)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('batches of random sizes match the reference, in every engine', () => {
    const lengthNear = fc.oneof(
      fc.integer({ min: 0, max: 2000 }),
      fc.constantFrom(...BOUNDARY_LENGTHS),
    )
    fc.assert(
      fc.property(fc.array(lengthNear, { maxLength: 40 }), fc.nat(), (lengths, seed) => {
        const inputs = lengths.map((n, i) => patterned(n, seed + i))
        const expected = inputs.map(reference)
        expect(keccak256Batch(inputs).map(hex)).toEqual(expected)
        for (const [, engine] of engines) {
          expect(keccak256Batch(inputs, engine).map(hex)).toEqual(expected)
        }
      }),
      { numRuns: 60 },
    )
  })

  it('SIMD batches keep both lanes right when message lengths differ a lot', () => {
    // One long message against many short ones (and the reverse): the lanes finish at very
    // different times, and the last message of a batch finishes on the scalar path.
    const long = patterned(50 * RATE + 3, 1)
    const shorts = Array.from({ length: 30 }, (_, i) => patterned(i * 17, i))
    for (const inputs of [[long, ...shorts], [...shorts, long], [long, long], [long]]) {
      const expected = inputs.map(reference)
      for (const [name, engine] of engines) {
        expect(keccak256Batch(inputs, engine).map(hex), name).toEqual(expected)
      }
    }
    expect(keccak256Batch([])).toEqual([])
  })

  it('returns fresh plain 32-byte arrays (no aliasing of wasm memory)', () => {
    const a = keccak256(new Uint8Array(10).fill(1))
    const b = keccak256(new Uint8Array(10).fill(2))
    expect(a.constructor).toBe(Uint8Array)
    expect(a.length).toBe(32)
    expect(a.buffer).not.toBe(b.buffer)
    expect(hex(a)).toBe(reference(new Uint8Array(10).fill(1)))
    const [c, d] = keccak256Batch([new Uint8Array(5), new Uint8Array(6)])
    expect(c?.buffer).not.toBe(d?.buffer)
    expect(c?.length).toBe(32)
  })

  it('grows memory for a big batch, then trims back to a fresh instance above the limit', () => {
    const limit = 1 << 20
    const engine = createKeccakWasm({ retainedMemoryMaxBytes: limit })
    const initial = engine.memoryBytes
    expect(initial).toBeLessThanOrEqual(limit)
    // ~2 MiB of inputs: must grow past the limit during the call. (Expected digests from the
    // single-message path, checked against viem above; viem itself is slow at this size.)
    const inputs = Array.from({ length: 8 }, (_, i) => patterned(256 * 1024 + i, i))
    const expected = inputs.map((input) => hex(scalarEngine.keccak256(input)))
    expect(keccak256Batch(inputs, engine).map(hex)).toEqual(expected)
    expect(engine.memoryBytes).toBe(initial)
    // A batch under the limit keeps its memory, and the engine still works after a trim.
    const small = [patterned(300 * 1024)]
    expect(keccak256Batch(small, engine).map(hex)).toEqual([hex(scalarEngine.keccak256(small[0]!))])
    expect(engine.memoryBytes).toBeGreaterThan(initial)
    expect(engine.memoryBytes).toBeLessThanOrEqual(limit)
    expect(hex(engine.keccak256(patterned(5)))).toBe(reference(patterned(5)))
  })

  it('refuses memory past the wasm32 limit with a RangeError (before allocating anything)', () => {
    const engine = createKeccakWasm()
    const before = engine.memoryBytes
    expect(() => engine.ensure(KECCAK_WASM_MEMORY_MAX_BYTES + 1)).toThrow(RangeError)
    expect(engine.memoryBytes).toBe(before)
    expect(hex(engine.keccak256(patterned(3)))).toBe(reference(patterned(3)))
  })

  it('refuses the SIMD build where the runtime lacks SIMD', () => {
    if (wasmSimdSupported) {
      expect(createKeccakWasm({ variant: 'simd' }).variant).toBe('simd')
    } else {
      expect(() => createKeccakWasm({ variant: 'simd' })).toThrow(/SIMD/)
    }
  })
})
