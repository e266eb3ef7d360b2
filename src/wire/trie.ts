/**
 * Root of an ordered Merkle-Patricia trie (Ethereum yellow paper, appendix D) whose keys are
 * RLP(index) and whose values are the given byte strings, exactly as go-ethereum's
 * `types.DeriveSha` with a `StackTrie` computes transactionsRoot / withdrawalsRoot.
 *
 * Written by hand because no small, fast library does only this: general trie libraries
 * (@ethereumjs/trie, ...) keep a node database, async APIs and re-encode nodes per insert.
 * Here the keys are known in advance, so they are generated already sorted and the trie is
 * built bottom-up in one recursive pass: one node encoding (and at most one keccak) per node.
 *
 * Rules followed:
 * - keys are RLP(i), which are prefix-free, so no branch ever holds a value (slot 17 = 0x80);
 * - a child node whose encoding is shorter than 32 bytes is embedded as-is, otherwise it is
 *   referenced by its keccak256; the root is always hashed;
 * - empty values are skipped, as go-ethereum's StackTrie rejects them (DeriveSha ignores the
 *   error), so op-node's root for such a list leaves those indexes out;
 * - no values (or only empty ones) → the empty-trie root.
 */
import { keccak256 } from './keccak.ts'
import { rlpHeaderLength, rlpStringLength, writeRlpHeader, writeRlpString } from './rlp.ts'

/** keccak256(RLP("")): root of a trie with no entries. */
export const EMPTY_TRIE_ROOT: Uint8Array = new Uint8Array(
  Buffer.from('56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421', 'hex'),
)

/** Encodings shorter than this are embedded in their parent instead of hashed. */
const INLINE_NODE_MAX_BYTES = 31
const HASH_REF_PREFIX = 0x80 + 32
const EMPTY_STRING = 0x80
const BRANCH_WIDTH = 16
/** go-ethereum's DeriveSha order: indexes 1..127 (single-byte keys), then 0 (0x80), then 128+. */
const SINGLE_BYTE_INDEX_MAX = 0x7f

/** Nibbles of RLP(index): the trie path of entry `index`. */
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

/** Hex-prefix encoded length (bytes) of a path of `nibbleCount` nibbles. */
function hexPrefixByteLength(nibbleCount: number): number {
  return (nibbleCount >> 1) + 1
}

/** RLP-encoded size of the hex-prefix path (its first byte is always < 0x80). */
function hexPrefixRlpLength(nibbleCount: number): number {
  const n = hexPrefixByteLength(nibbleCount)
  return n === 1 ? 1 : 1 + n
}

/** Writes RLP(hexPrefix(path[from:to], isLeaf)) at `offset`; returns the offset after it. */
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

class OrderedTrieBuilder {
  private readonly keys: readonly Uint8Array[]
  private readonly values: readonly Uint8Array[]
  /** Leaf encodings are written here and hashed in place, saving one allocation per leaf. */
  private scratch = new Uint8Array(1024)

  constructor(keys: readonly Uint8Array[], values: readonly Uint8Array[]) {
    this.keys = keys
    this.values = values
  }

  /**
   * Encoding of the node covering sorted entries [lo, hi) below `depth` nibbles.
   * A leaf's encoding is a view into the scratch buffer: consume it before building the next.
   */
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

  /** What a parent embeds for a child: the encoding itself if short, else RLP(keccak256). */
  reference(encoding: Uint8Array): Uint8Array {
    if (encoding.length <= INLINE_NODE_MAX_BYTES) return encoding.slice()
    const ref = new Uint8Array(33)
    ref[0] = HASH_REF_PREFIX
    ref.set(keccak256(encoding), 1)
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
    let payload = BRANCH_WIDTH + 1 // one byte per empty slot, plus the empty value slot
    let i = lo
    while (i < hi) {
      const key = this.keys[i] as Uint8Array
      if (key.length <= depth) throw new Error('trie keys are not prefix-free') // cannot happen: RLP(i)
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

/** Root of the trie mapping RLP(i) → values[i] (transactionsRoot, withdrawalsRoot). */
export function orderedTrieRoot(values: readonly Uint8Array[]): Uint8Array {
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
  if (keys.length === 0) return EMPTY_TRIE_ROOT.slice()
  return keccak256(new OrderedTrieBuilder(keys, entries).node(0, keys.length, 0))
}
