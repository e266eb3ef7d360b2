/**
 * BENCHMARK BASELINE ONLY (not used by src): the keccak and trie implementation that
 * src/wire/keccak.ts and src/wire/trie.ts replaced, kept so scripts/bench/primitives.bench.ts can
 * compare old and new in the same run on a shared, noisy machine.
 * - keccak: hash-wasm (one reused hasher) below 2 KB, the `keccak` native addon above;
 * - trie: the recursive builder hashing each node with its own keccak call.
 */
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { createKeccak } from 'hash-wasm'
import {
  rlpHeaderLength,
  rlpStringLength,
  writeRlpHeader,
  writeRlpString,
} from '../../../src/wire/rlp.ts'

const PREVIOUS_NATIVE_MIN_INPUT_BYTES = 2048
const KECCAK256_RATE_BITS = 1088
const KECCAK256_CAPACITY_BITS = 512
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
    return new (Addon as new () => NativeKeccakState)()
  } catch {
    return null
  }
}

const wasmHasher = await createKeccak(256)
const nativeState = loadNativeState()

/** hash-wasm with one reused hasher. */
export function keccak256HashWasm(data: Uint8Array): Uint8Array {
  wasmHasher.init()
  wasmHasher.update(data)
  return wasmHasher.digest('binary')
}

/** The `keccak` package's native addon (one reused state), or null when it does not load. */
export const keccak256NativeAddon: ((data: Uint8Array) => Uint8Array) | null =
  nativeState === null
    ? null
    : (data) => {
        nativeState.initialize(KECCAK256_RATE_BITS, KECCAK256_CAPACITY_BITS)
        nativeState.absorb(data)
        nativeState.absorbLastFewBits(KECCAK_PADDING_BITS)
        const out = nativeState.squeeze(KECCAK256_OUTPUT_BYTES)
        return new Uint8Array(out.buffer, out.byteOffset, KECCAK256_OUTPUT_BYTES)
      }

/** The previous keccak256: hash-wasm for short inputs, the native addon for long ones. */
export function previousKeccak256(data: Uint8Array): Uint8Array {
  return keccak256NativeAddon !== null && data.length >= PREVIOUS_NATIVE_MIN_INPUT_BYTES
    ? keccak256NativeAddon(data)
    : keccak256HashWasm(data)
}

const INLINE_NODE_MAX_BYTES = 31
const HASH_REF_PREFIX = 0x80 + 32
const EMPTY_STRING = 0x80
const BRANCH_WIDTH = 16
const SINGLE_BYTE_INDEX_MAX = 0x7f

function indexKeyNibbles(index: number): Uint8Array {
  if (index >= 1 && index <= SINGLE_BYTE_INDEX_MAX) return Uint8Array.of(index >> 4, index & 0xf)
  if (index === 0) return Uint8Array.of(0x8, 0x0)
  let byteLen = 0
  for (let n = index; n > 0; n = Math.floor(n / 256)) byteLen++
  const nibbles = new Uint8Array(2 + byteLen * 2)
  const prefix = EMPTY_STRING + byteLen
  nibbles[0] = prefix >> 4
  nibbles[1] = prefix & 0xf
  let n = index
  for (let i = byteLen - 1; i >= 0; i--) {
    const b = n & 0xff
    nibbles[2 + i * 2] = b >> 4
    nibbles[3 + i * 2] = b & 0xf
    n = Math.floor(n / 256)
  }
  return nibbles
}

function hexPrefixByteLength(nibbleCount: number): number {
  return (nibbleCount >> 1) + 1
}

function hexPrefixRlpLength(nibbleCount: number): number {
  const n = hexPrefixByteLength(nibbleCount)
  return n === 1 ? 1 : 1 + n
}

function writeHexPrefixPath(
  out: Uint8Array,
  offset: number,
  path: Uint8Array,
  from: number,
  to: number,
  isLeaf: boolean,
): number {
  const count = to - from
  const byteLen = hexPrefixByteLength(count)
  let o = offset
  if (byteLen > 1) out[o++] = EMPTY_STRING + byteLen
  const odd = count & 1
  const flag = (isLeaf ? 2 : 0) + odd
  let i = from
  out[o++] = odd === 1 ? (flag << 4) | (path[i++] as number) : flag << 4
  while (i < to) {
    out[o++] = ((path[i] as number) << 4) | (path[i + 1] as number)
    i += 2
  }
  return o
}

class PreviousTrieBuilder {
  private readonly keys: readonly Uint8Array[]
  private readonly values: readonly Uint8Array[]
  private scratch = new Uint8Array(1024)

  constructor(keys: readonly Uint8Array[], values: readonly Uint8Array[]) {
    this.keys = keys
    this.values = values
  }

  node(lo: number, hi: number, depth: number): Uint8Array {
    if (hi - lo === 1) return this.leaf(lo, depth)
    const first = this.keys[lo] as Uint8Array
    const last = this.keys[hi - 1] as Uint8Array
    const maxLen = Math.min(first.length, last.length)
    let common = depth
    while (common < maxLen && first[common] === last[common]) common++
    if (common === depth) return this.branch(lo, hi, depth)
    return this.extension(first, depth, common, this.reference(this.branch(lo, hi, common)))
  }

  reference(encoding: Uint8Array): Uint8Array {
    if (encoding.length <= INLINE_NODE_MAX_BYTES) return encoding.slice()
    const ref = new Uint8Array(33)
    ref[0] = HASH_REF_PREFIX
    ref.set(previousKeccak256(encoding), 1)
    return ref
  }

  private leaf(index: number, depth: number): Uint8Array {
    const key = this.keys[index] as Uint8Array
    const value = this.values[index] as Uint8Array
    const payload = hexPrefixRlpLength(key.length - depth) + rlpStringLength(value)
    const total = rlpHeaderLength(payload) + payload
    if (this.scratch.length < total)
      this.scratch = new Uint8Array(Math.max(total, this.scratch.length * 2))
    const out = this.scratch
    let o = writeRlpHeader(out, 0, payload, 'list')
    o = writeHexPrefixPath(out, o, key, depth, key.length, true)
    o = writeRlpString(out, o, value)
    return out.subarray(0, o)
  }

  private extension(path: Uint8Array, from: number, to: number, childRef: Uint8Array): Uint8Array {
    const payload = hexPrefixRlpLength(to - from) + childRef.length
    const out = new Uint8Array(rlpHeaderLength(payload) + payload)
    let o = writeRlpHeader(out, 0, payload, 'list')
    o = writeHexPrefixPath(out, o, path, from, to, false)
    out.set(childRef, o)
    return out
  }

  private branch(lo: number, hi: number, depth: number): Uint8Array {
    const children: (Uint8Array | undefined)[] = new Array(BRANCH_WIDTH)
    let payload = BRANCH_WIDTH + 1
    let i = lo
    while (i < hi) {
      const key = this.keys[i] as Uint8Array
      const nibble = key[depth] as number
      let j = i + 1
      while (j < hi && (this.keys[j] as Uint8Array)[depth] === nibble) j++
      const ref = this.reference(this.node(i, j, depth + 1))
      children[nibble] = ref
      payload += ref.length - 1
      i = j
    }
    const out = new Uint8Array(rlpHeaderLength(payload) + payload)
    let o = writeRlpHeader(out, 0, payload, 'list')
    for (let c = 0; c < BRANCH_WIDTH; c++) {
      const ref = children[c]
      if (ref === undefined) {
        out[o++] = EMPTY_STRING
      } else {
        out.set(ref, o)
        o += ref.length
      }
    }
    out[o] = EMPTY_STRING
    return out
  }
}

/** The previous orderedTrieRoot (one keccak call per hashed node). */
export function previousOrderedTrieRoot(values: readonly Uint8Array[]): Uint8Array {
  const count = values.length
  const keys: Uint8Array[] = []
  const entries: Uint8Array[] = []
  const add = (index: number): void => {
    const value = values[index] as Uint8Array
    if (value.length === 0) return
    keys.push(indexKeyNibbles(index))
    entries.push(value)
  }
  for (let i = 1; i < count && i <= SINGLE_BYTE_INDEX_MAX; i++) add(i)
  if (count > 0) add(0)
  for (let i = SINGLE_BYTE_INDEX_MAX + 1; i < count; i++) add(i)
  if (keys.length === 0) return previousKeccak256(Uint8Array.of(EMPTY_STRING))
  return previousKeccak256(new PreviousTrieBuilder(keys, entries).node(0, keys.length, 0))
}
