/**
 * Root of an ordered Merkle-Patricia trie (Ethereum yellow paper, appendix D) whose keys are
 * RLP(index) and whose values are the given byte strings, exactly as go-ethereum's
 * `types.DeriveSha` with a `StackTrie` computes transactionsRoot / withdrawalsRoot.
 *
 * Written by hand because no small, fast library does only this: general trie libraries
 * (@ethereumjs/trie, ...) keep a node database, async APIs and re-encode nodes per insert.
 *
 * How (built for speed: a 100 KB block has hundreds of leaves, a 9 MB block tens of thousands):
 * 1. Keys are generated already sorted, and one recursive pass lays out every node's final
 *    RLP encoding directly in the keccak wasm memory (the sizes of all encodings are known
 *    without any hash: a child is either embedded or a 33-byte hash reference). Each node gets
 *    a slot with room for in-place Keccak padding. A hash reference is left as a placeholder,
 *    and the child remembers where its digest must go.
 * 2. Nodes are grouped by level (a node's level is one above its highest hashed child), and
 *    each level is hashed with ONE wasm batch call that writes every digest straight into its
 *    parent's placeholder. So a block costs a handful of JS→wasm calls instead of one per node,
 *    and the SIMD build hashes two nodes at a time.
 * scripts/bench/primitives.bench.ts compares it with one keccak call per node (the previous
 * design, scripts/bench/legacy/): figures in docs/performance.md.
 *
 * Rules followed:
 * - keys are RLP(i), which are prefix-free, so no branch ever holds a value (slot 17 = 0x80);
 * - a child node whose encoding is shorter than 32 bytes is embedded as-is, otherwise it is
 *   referenced by its keccak256; the root is always hashed;
 * - empty values are skipped, as go-ethereum's StackTrie rejects them (DeriveSha ignores the
 *   error), so op-node's root for such a list leaves those indexes out;
 * - no values (or only empty ones) → the empty-trie root.
 */
import { keccakEngine } from './keccak.ts'
import {
  KECCAK_WASM_ARENA_PTR,
  KECCAK_WASM_DESCRIPTOR_BYTES,
  KECCAK256_OUTPUT_BYTES,
  type KeccakWasm,
  paddedLength,
} from './keccakWasm.ts'
import { rlpHeaderLength, rlpStringLength, writeRlpHeader, writeRlpString } from './rlp.ts'

/** keccak256(RLP("")): root of a trie with no entries. */
export const EMPTY_TRIE_ROOT: Uint8Array = new Uint8Array(
  Buffer.from('56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421', 'hex'),
)

/** Encodings shorter than this are embedded in their parent instead of hashed. */
const HASHED_NODE_MIN_BYTES = 32
const HASH_REF_PREFIX = 0x80 + KECCAK256_OUTPUT_BYTES
const HASH_REF_BYTES = 1 + KECCAK256_OUTPUT_BYTES
const EMPTY_STRING = 0x80
const BRANCH_WIDTH = 16
/** go-ethereum's DeriveSha order: indexes 1..127 (single-byte keys), then 0 (0x80), then 128+. */
const SINGLE_BYTE_INDEX_MAX = 0x7f
/** Nibbles of RLP(i) for any array index (< 2^32): a 1-byte prefix plus up to 4 bytes. */
const KEY_NIBBLES_MAX = 10
/** A trie over RLP(i) keys is at most this deep (one branch or extension per key nibble). */
const LEVELS_MAX = 2 * KEY_NIBBLES_MAX + 2

/** Hex-prefix encoded length (bytes) of a path of `nibbleCount` nibbles. */
function hexPrefixByteLength(nibbleCount: number): number {
  return (nibbleCount >> 1) + 1
}

/** RLP-encoded size of the hex-prefix path (its first byte is always < 0x80). */
function hexPrefixRlpLength(nibbleCount: number): number {
  const n = hexPrefixByteLength(nibbleCount)
  return n === 1 ? 1 : 1 + n
}

/** Lays the trie out in wasm memory (see the module comment) and hashes it level by level. */
class OrderedTrieLayout {
  private readonly engine: KeccakWasm
  private readonly values: readonly Uint8Array[]
  /** Entry e (in key order) is values[valueIndex[e]]. */
  private readonly valueIndex: Int32Array
  /** Key nibbles of entry e at [e * KEY_NIBBLES_MAX, + keyLength[e]). */
  private readonly keys: Uint8Array
  private readonly keyLength: Uint8Array
  /** Per node: encoding address and length, level, and where its digest goes (if hashed). */
  private readonly nodePtr: Int32Array
  private readonly nodeLength: Int32Array
  private readonly nodeLevel: Uint8Array
  private readonly nodeOut: Int32Array
  private nodeCount = 0
  /** Hashed nodes per level (the batch sizes). */
  private readonly levelCount = new Int32Array(LEVELS_MAX + 1)
  /** Children of the branches under construction (a stack shared by the recursion). */
  private readonly childStack: Int32Array
  private childTop = 0
  /** Next free arena byte, and the current memory view (replaced when memory grows). */
  private top: number
  private bytes: Uint8Array

  constructor(engine: KeccakWasm, values: readonly Uint8Array[], valueIndex: Int32Array) {
    this.engine = engine
    this.values = values
    this.valueIndex = valueIndex
    const count = valueIndex.length
    this.keys = new Uint8Array(count * KEY_NIBBLES_MAX)
    this.keyLength = new Uint8Array(count)
    for (let e = 0; e < count; e++) this.writeKey(e, valueIndex[e] as number)
    // Leaves, plus at most count-1 branches and as many extensions (each sits on a branch),
    // plus a copy of a root too short to be hashed in place: 13 bytes per node, transient.
    const maxNodes = 3 * count
    this.nodePtr = new Int32Array(maxNodes)
    this.nodeLength = new Int32Array(maxNodes)
    this.nodeLevel = new Uint8Array(maxNodes)
    this.nodeOut = new Int32Array(maxNodes)
    this.childStack = new Int32Array(BRANCH_WIDTH * (LEVELS_MAX + 1))
    this.top = KECCAK_WASM_ARENA_PTR + KECCAK256_OUTPUT_BYTES // the root digest goes first
    this.bytes = engine.bytes
  }

  /** Nibbles of RLP(index), the trie path of entry `e`. */
  private writeKey(e: number, index: number): void {
    const keys = this.keys
    const at = e * KEY_NIBBLES_MAX
    let first: number
    let byteLength = 0
    if (index >= 1 && index <= SINGLE_BYTE_INDEX_MAX) {
      first = index
    } else {
      for (let n = index; n > 0; n = Math.floor(n / 256)) byteLength++
      first = EMPTY_STRING + byteLength // RLP(0) = 0x80, RLP(128..255) = 0x81 xx, ...
    }
    keys[at] = first >> 4
    keys[at + 1] = first & 0xf
    let n = index
    for (let i = byteLength - 1; i >= 0; i--) {
      const byte = n & 0xff
      keys[at + 2 + i * 2] = byte >> 4
      keys[at + 3 + i * 2] = byte & 0xf
      n = Math.floor(n / 256)
    }
    this.keyLength[e] = 2 + byteLength * 2
  }

  /** Returns the root digest (a fresh array). */
  root(): Uint8Array {
    const count = this.keyLength.length
    let rootNode = this.node(0, count, 0)
    if (!this.isHashed(rootNode)) {
      // The root is hashed even when short enough to be embedded: give it a padded slot.
      const length = this.nodeLength[rootNode] as number
      const from = this.nodePtr[rootNode] as number
      const ptr = this.allocate(length, true)
      this.bytes.copyWithin(ptr, from, from + length)
      rootNode = this.newNode(ptr, length, 0)
      this.levelCount[0] = (this.levelCount[0] as number) + 1
    }
    const rootOut = KECCAK_WASM_ARENA_PTR
    this.nodeOut[rootNode] = rootOut
    this.hashLevels(rootNode)
    return this.engine.bytes.slice(rootOut, rootOut + KECCAK256_OUTPUT_BYTES)
  }

  /**
   * Slot for an encoding of `length` bytes; a node that will be hashed gets room for in-place
   * padding, an embedded one only its bytes (so many tiny values cost little memory).
   * May grow the memory.
   */
  private allocate(length: number, hashed = length >= HASHED_NODE_MIN_BYTES): number {
    const ptr = this.top
    this.top += hashed ? paddedLength(length) : length
    if (this.top > this.bytes.length) {
      this.engine.ensure(this.top)
      this.bytes = this.engine.bytes
    }
    return ptr
  }

  private newNode(ptr: number, length: number, level: number): number {
    const id = this.nodeCount++
    this.nodePtr[id] = ptr
    this.nodeLength[id] = length
    this.nodeLevel[id] = level
    if (length >= HASHED_NODE_MIN_BYTES) {
      this.levelCount[level] = (this.levelCount[level] as number) + 1
    }
    return id
  }

  private isHashed(node: number): boolean {
    return (this.nodeLength[node] as number) >= HASHED_NODE_MIN_BYTES
  }

  /** Size of what a parent embeds for `node`: its encoding, or a 33-byte hash reference. */
  private referenceLength(node: number): number {
    const length = this.nodeLength[node] as number
    return length >= HASHED_NODE_MIN_BYTES ? HASH_REF_BYTES : length
  }

  /** Level a parent gets from `child`: above a hashed child, unaffected by an embedded one. */
  private levelAbove(child: number): number {
    return (this.nodeLength[child] as number) >= HASHED_NODE_MIN_BYTES
      ? (this.nodeLevel[child] as number) + 1
      : 0
  }

  /** Writes the reference to `child` at `o`: a digest placeholder or the embedded encoding. */
  private writeReference(o: number, child: number): number {
    const bytes = this.bytes
    const length = this.nodeLength[child] as number
    if (length >= HASHED_NODE_MIN_BYTES) {
      bytes[o] = HASH_REF_PREFIX
      this.nodeOut[child] = o + 1
      return o + HASH_REF_BYTES
    }
    const from = this.nodePtr[child] as number
    bytes.copyWithin(o, from, from + length)
    return o + length
  }

  /** Writes RLP(hexPrefix(key(e)[from:to], isLeaf)) at `o`; returns the offset after it. */
  private writeHexPrefixPath(o: number, e: number, from: number, to: number, leaf: boolean) {
    const bytes = this.bytes
    const keys = this.keys
    const count = to - from
    const byteLength = hexPrefixByteLength(count)
    if (byteLength > 1) bytes[o++] = EMPTY_STRING + byteLength
    const odd = count & 1
    const flag = (leaf ? 2 : 0) + odd
    let i = e * KEY_NIBBLES_MAX + from
    const end = e * KEY_NIBBLES_MAX + to
    bytes[o++] = odd === 1 ? (flag << 4) | (keys[i++] as number) : flag << 4
    while (i < end) {
      bytes[o++] = ((keys[i] as number) << 4) | (keys[i + 1] as number)
      i += 2
    }
    return o
  }

  /** The node covering sorted entries [lo, hi) below `depth` nibbles. */
  private node(lo: number, hi: number, depth: number): number {
    if (hi - lo === 1) return this.leaf(lo, depth)
    const keys = this.keys
    const first = lo * KEY_NIBBLES_MAX
    const last = (hi - 1) * KEY_NIBBLES_MAX
    const maxLength = Math.min(this.keyLength[lo] as number, this.keyLength[hi - 1] as number)
    let common = depth
    while (common < maxLength && keys[first + common] === keys[last + common]) common++
    if (common === depth) return this.branch(lo, hi, depth)
    return this.extension(lo, depth, common, this.branch(lo, hi, common))
  }

  private leaf(e: number, depth: number): number {
    const value = this.values[this.valueIndex[e] as number] as Uint8Array
    const keyLength = this.keyLength[e] as number
    const payload = hexPrefixRlpLength(keyLength - depth) + rlpStringLength(value)
    const length = rlpHeaderLength(payload) + payload
    const ptr = this.allocate(length)
    let o = writeRlpHeader(this.bytes, ptr, payload, 'list')
    o = this.writeHexPrefixPath(o, e, depth, keyLength, true)
    writeRlpString(this.bytes, o, value)
    return this.newNode(ptr, length, 0)
  }

  private extension(e: number, from: number, to: number, child: number): number {
    const payload = hexPrefixRlpLength(to - from) + this.referenceLength(child)
    const length = rlpHeaderLength(payload) + payload
    const ptr = this.allocate(length)
    let o = writeRlpHeader(this.bytes, ptr, payload, 'list')
    o = this.writeHexPrefixPath(o, e, from, to, false)
    this.writeReference(o, child)
    return this.newNode(ptr, length, this.levelAbove(child))
  }

  private branch(lo: number, hi: number, depth: number): number {
    const keys = this.keys
    const stack = this.childStack
    const base = this.childTop
    // Children in nibble order (keys are sorted), pushed as (nibble, node) pairs.
    let payload = BRANCH_WIDTH + 1 // one byte per empty slot, plus the empty value slot
    let level = 0
    let i = lo
    while (i < hi) {
      if ((this.keyLength[i] as number) <= depth) throw new Error('trie keys are not prefix-free')
      const nibble = keys[i * KEY_NIBBLES_MAX + depth] as number
      let j = i + 1
      while (j < hi && keys[j * KEY_NIBBLES_MAX + depth] === nibble) j++
      const child = this.node(i, j, depth + 1)
      stack[this.childTop++] = nibble
      stack[this.childTop++] = child
      payload += this.referenceLength(child) - 1
      level = Math.max(level, this.levelAbove(child))
      i = j
    }
    const length = rlpHeaderLength(payload) + payload
    const ptr = this.allocate(length)
    const bytes = this.bytes
    let o = writeRlpHeader(bytes, ptr, payload, 'list')
    let next = base
    for (let slot = 0; slot < BRANCH_WIDTH; slot++) {
      if (next < this.childTop && stack[next] === slot) {
        o = this.writeReference(o, stack[next + 1] as number)
        next += 2
      } else {
        bytes[o++] = EMPTY_STRING
      }
    }
    bytes[o] = EMPTY_STRING
    this.childTop = base
    return this.newNode(ptr, length, level)
  }

  /**
   * Writes one descriptor table grouped by level (the hashed nodes, plus the root whatever its
   * size) and hashes level 0, 1, ... with one batch call each: a level's digests land in the
   * parent encodings before the next level is hashed.
   */
  private hashLevels(rootNode: number): void {
    const rootLevel = this.nodeLevel[rootNode] as number
    // levelStart[l] = index of level l's first descriptor (prefix sums of levelCount).
    const levelStart = new Int32Array(rootLevel + 2)
    for (let l = 0; l <= rootLevel; l++) {
      levelStart[l + 1] = (levelStart[l] as number) + (this.levelCount[l] as number)
    }
    const hashedCount = levelStart[rootLevel + 1] as number
    const descriptors = this.top
    this.engine.ensure(descriptors + hashedCount * KECCAK_WASM_DESCRIPTOR_BYTES)
    const view = this.engine.view
    const fill = levelStart.slice()
    for (let node = 0; node < this.nodeCount; node++) {
      if (!this.isHashed(node) && node !== rootNode) continue
      const level = this.nodeLevel[node] as number
      const index = fill[level] as number
      fill[level] = index + 1
      const d = descriptors + index * KECCAK_WASM_DESCRIPTOR_BYTES
      view.setUint32(d, this.nodePtr[node] as number, true)
      view.setUint32(d + 4, this.nodeLength[node] as number, true)
      view.setUint32(d + 8, this.nodeOut[node] as number, true)
    }
    for (let level = 0; level <= rootLevel; level++) {
      const start = levelStart[level] as number
      const count = (levelStart[level + 1] as number) - start
      if (count > 0) {
        this.engine.hashBatch(descriptors + start * KECCAK_WASM_DESCRIPTOR_BYTES, count)
      }
    }
  }
}

/**
 * Root of the trie mapping RLP(i) → values[i] (transactionsRoot, withdrawalsRoot).
 * @param engine keccak engine to hash with (tests pass the scalar build). @default keccakEngine
 */
export function orderedTrieRoot(
  values: readonly Uint8Array[],
  engine: KeccakWasm = keccakEngine,
): Uint8Array {
  const count = values.length
  // Entries in key order (go-ethereum's DeriveSha order), empty values left out.
  const order = new Int32Array(count)
  let entries = 0
  for (let i = 1; i < count && i <= SINGLE_BYTE_INDEX_MAX; i++) {
    if ((values[i] as Uint8Array).length > 0) order[entries++] = i
  }
  if (count > 0 && (values[0] as Uint8Array).length > 0) order[entries++] = 0
  for (let i = SINGLE_BYTE_INDEX_MAX + 1; i < count; i++) {
    if ((values[i] as Uint8Array).length > 0) order[entries++] = i
  }
  if (entries === 0) return EMPTY_TRIE_ROOT.slice()
  try {
    return new OrderedTrieLayout(engine, values, order.subarray(0, entries)).root()
  } finally {
    engine.trim()
  }
}
