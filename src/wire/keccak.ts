/**
 * keccak256 (Ethereum's Keccak-256, not NIST SHA3-256): the hot path of block validation
 * (payload hash over the whole message, plus one hash per transaction-trie node).
 *
 * Choice by measurement (scripts/bench/primitives.bench.ts; Node 22, x64 AMD EPYC, 2 shared cores):
 * - hash-wasm with one reused hasher has the lowest per-call cost: ~1.0-1.5 us for 64-256 B
 *   (the native addon needs four N-API calls per hash: ~1.9-2.8 us; viem/noble pure JS 10-20 us).
 * - the `keccak` package's native addon (raw KeccakState, one reused state) is fastest in bulk:
 *   ~0.36 ms per 100 KB and ~3.7 ms per MB (hash-wasm ~0.44 ms and ~4.3-5 ms: it copies the
 *   input into wasm memory first). The two cross over at roughly 2-4 KB.
 * So inputs shorter than KECCAK_NATIVE_MIN_INPUT_BYTES (trie leaves of ordinary transactions and
 * branch nodes of ~530 B) go to hash-wasm, and longer ones (the payload hash) to the native addon.
 * If the addon cannot load (no prebuild for the platform, bun, ...) or fails its self-check,
 * everything goes to hash-wasm, which is always available (pure wasm, no install scripts).
 *
 * Both backends reuse one state; this is safe because keccak256 is synchronous and
 * non-reentrant (JS is single-threaded per isolate; each worker loads its own module copy).
 */
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { createKeccak } from 'hash-wasm'

/** Inputs at least this long use the native addon (when loaded); shorter ones hash-wasm. */
export const KECCAK_NATIVE_MIN_INPUT_BYTES = 2048

const KECCAK256_RATE_BITS = 1088
const KECCAK256_CAPACITY_BITS = 512
/** Keccak (pre-NIST) padding: the multi-rate padding starts with a single 1 bit. */
const KECCAK_PADDING_BITS = 0x01
const KECCAK256_OUTPUT_BYTES = 32

interface NativeKeccakState {
  initialize(rateBits: number, capacityBits: number): void
  absorb(data: Uint8Array): void
  absorbLastFewBits(bits: number): void
  squeeze(length: number): Uint8Array
}

function loadNativeState(): NativeKeccakState | null {
  try {
    const require = createRequire(import.meta.url)
    const dir = dirname(require.resolve('keccak/package.json'))
    const loadAddon = require('node-gyp-build') as (dir: string) => unknown
    const Addon = loadAddon(dir)
    if (typeof Addon !== 'function') return null
    const state = new (Addon as new () => NativeKeccakState)()
    // Self-check once: a broken addon must not silently produce wrong hashes.
    state.initialize(KECCAK256_RATE_BITS, KECCAK256_CAPACITY_BITS)
    state.absorbLastFewBits(KECCAK_PADDING_BITS)
    const empty = state.squeeze(KECCAK256_OUTPUT_BYTES)
    return Buffer.from(empty).toString('hex') === KECCAK256_EMPTY_HEX ? state : null
  } catch {
    return null
  }
}

const KECCAK256_EMPTY_HEX = 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'

const wasmHasher = await createKeccak(256)
const nativeState = loadNativeState()

/** Which backend handles long inputs: 'native' (keccak addon) or 'wasm' (fallback). */
export const keccakBulkBackend: 'native' | 'wasm' = nativeState === null ? 'wasm' : 'native'

/** keccak256 through hash-wasm only (exported for tests and benchmarks). */
export function keccak256Wasm(data: Uint8Array): Uint8Array {
  wasmHasher.init()
  wasmHasher.update(data)
  return wasmHasher.digest('binary')
}

/** keccak256 through the native addon, or null when it did not load (tests and benchmarks). */
export const keccak256Native: ((data: Uint8Array) => Uint8Array) | null =
  nativeState === null
    ? null
    : (data) => {
        nativeState.initialize(KECCAK256_RATE_BITS, KECCAK256_CAPACITY_BITS)
        nativeState.absorb(data)
        nativeState.absorbLastFewBits(KECCAK_PADDING_BITS)
        const out = nativeState.squeeze(KECCAK256_OUTPUT_BYTES)
        // The addon returns a Buffer; hand out a plain Uint8Array view over the same memory.
        return new Uint8Array(out.buffer, out.byteOffset, KECCAK256_OUTPUT_BYTES)
      }

/** Keccak-256 of `data` (32 bytes, a fresh array owned by the caller). */
export const keccak256: (data: Uint8Array) => Uint8Array =
  keccak256Native === null
    ? keccak256Wasm
    : (() => {
        const native = keccak256Native
        return (data: Uint8Array) =>
          data.length >= KECCAK_NATIVE_MIN_INPUT_BYTES ? native(data) : keccak256Wasm(data)
      })()
