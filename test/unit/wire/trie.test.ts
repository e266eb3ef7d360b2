import fc from 'fast-check'
import { toRlp, bytesToHex as viemBytesToHex, keccak256 as viemKeccak256 } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  createKeccakWasm,
  KECCAK_WASM_RETAINED_MEMORY_MAX_BYTES,
  type KeccakWasm,
  wasmSimdSupported,
} from '../../../src/wire/keccakWasm.ts'
import { EMPTY_TRIE_ROOT, orderedTrieRoot } from '../../../src/wire/trie.ts'
import { bytesToHex, hexToBytes, loadVectors, vectorsAvailable } from '../../utils/vectors.ts'

/*
 * Independent slow reference: a textbook insert-based Merkle-Patricia trie over arbitrary keys,
 * encoded with viem's toRlp/keccak256 (no code shared with src/wire/trie.ts or rlp.ts).
 */
type RefNode =
  | { kind: 'leaf'; path: number[]; value: Uint8Array }
  | { kind: 'ext'; path: number[]; child: RefNode }
  | { kind: 'branch'; children: (RefNode | null)[]; value: Uint8Array | null }

function commonPrefix(a: number[], b: number[]): number {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}

function emptyBranch(): { kind: 'branch'; children: (RefNode | null)[]; value: Uint8Array | null } {
  return { kind: 'branch', children: new Array<RefNode | null>(16).fill(null), value: null }
}

function insert(node: RefNode | null, path: number[], value: Uint8Array): RefNode {
  if (node === null) return { kind: 'leaf', path, value }
  if (node.kind === 'branch') {
    if (path.length === 0) return { ...node, value }
    const children = node.children.slice()
    const nib = path[0] as number
    children[nib] = insert(children[nib] ?? null, path.slice(1), value)
    return { ...node, children }
  }
  const cp = commonPrefix(node.path, path)
  if (node.kind === 'leaf' && cp === node.path.length && cp === path.length) {
    return { kind: 'leaf', path, value }
  }
  if (node.kind === 'ext' && cp === node.path.length) {
    return { kind: 'ext', path: node.path, child: insert(node.child, path.slice(cp), value) }
  }
  // Split at cp: a branch holding the old node's remainder and the new entry.
  let branch: RefNode = emptyBranch()
  const rest = node.path.slice(cp)
  if (node.kind === 'leaf') {
    branch = insert(branch, rest, node.value)
  } else {
    const b = branch as { children: (RefNode | null)[] }
    b.children[rest[0] as number] =
      rest.length === 1 ? node.child : { kind: 'ext', path: rest.slice(1), child: node.child }
  }
  branch = insert(branch, path.slice(cp), value)
  return cp === 0 ? branch : { kind: 'ext', path: path.slice(0, cp), child: branch }
}

type Hex = `0x${string}`
type Struct = Hex | Struct[]

function hexPrefix(path: number[], leaf: boolean): Hex {
  const flag = (leaf ? 2 : 0) + (path.length % 2)
  const nibbles = path.length % 2 === 1 ? [flag, ...path] : [flag, 0, ...path]
  const bytes = new Uint8Array(nibbles.length / 2)
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = ((nibbles[2 * i] as number) << 4) | (nibbles[2 * i + 1] as number)
  }
  return viemBytesToHex(bytes)
}

function structOf(node: RefNode): Struct {
  if (node.kind === 'leaf') return [hexPrefix(node.path, true), viemBytesToHex(node.value)]
  if (node.kind === 'ext') return [hexPrefix(node.path, false), refOf(node.child)]
  return [
    ...node.children.map((c) => (c === null ? '0x' : refOf(c))),
    viemBytesToHex(node.value ?? new Uint8Array()),
  ]
}

function refOf(node: RefNode): Struct {
  const s = structOf(node)
  const encoded = toRlp(s as never, 'bytes')
  return encoded.length < 32 ? s : viemKeccak256(encoded, 'hex')
}

function referenceRoot(entries: [Uint8Array, Uint8Array][]): string {
  let root: RefNode | null = null
  for (const [key, value] of entries) {
    const nibbles = [...key].flatMap((b) => [b >> 4, b & 0xf])
    root = insert(root, nibbles, value)
  }
  if (root === null) return viemKeccak256(toRlp('0x', 'bytes'), 'hex')
  return viemKeccak256(toRlp(structOf(root) as never, 'bytes'), 'hex')
}

/** RLP(i) via viem: the minimal big-endian hex of i (0 → empty string). */
function indexKey(i: number): Uint8Array {
  const h = i === 0 ? '' : i.toString(16)
  return toRlp(`0x${h.length % 2 === 1 ? `0${h}` : h}`, 'bytes')
}

/** Keys RLP(i), values as given, inserted in plain index order (the trie is order-independent). */
function referenceOrderedRoot(values: Uint8Array[]): string {
  const entries: [Uint8Array, Uint8Array][] = []
  values.forEach((v, i) => {
    if (v.length > 0) entries.push([indexKey(i), v])
  })
  return referenceRoot(entries)
}

/** Every engine the trie can run on: the default, plus explicit scalar and SIMD builds. */
const engines: [string, KeccakWasm | undefined][] = [
  ['default', undefined],
  ['scalar', createKeccakWasm({ variant: 'scalar' })],
]
if (wasmSimdSupported) engines.push(['simd', createKeccakWasm({ variant: 'simd' })])

/** Roots from every engine; they must agree (returns the shared value). */
function rootAllEngines(values: Uint8Array[]): string {
  const roots = engines.map(([, engine]) => bytesToHex(orderedTrieRoot(values, engine)))
  for (const [i, [name]] of engines.entries()) expect(roots[i], name).toBe(roots[0])
  return roots[0] as string
}

/** Deterministic pseudo-random values (xorshift words), views into one shared buffer. */
function pseudoRandomValues(
  count: number,
  minBytes: number,
  maxBytes: number,
  seed: number,
): Uint8Array[] {
  let s = seed >>> 0 || 1
  const next = (): number => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s
  }
  const lengths = Array.from(
    { length: count },
    () => minBytes + (next() % (maxBytes - minBytes + 1)),
  )
  const words = new Uint32Array(Math.ceil(lengths.reduce((sum, n) => sum + n, 0) / 4))
  for (let i = 0; i < words.length; i++) words[i] = next()
  const bytes = new Uint8Array(words.buffer)
  let offset = 0
  return lengths.map((n) => {
    offset += n
    return bytes.subarray(offset - n, offset)
  })
}

describe('wire / trie', () => {
  it('returns the empty-trie root for no values', () => {
    expect(bytesToHex(orderedTrieRoot([]))).toBe(
      '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421',
    )
    expect(bytesToHex(EMPTY_TRIE_ROOT)).toBe(bytesToHex(orderedTrieRoot([])))
    expect(referenceOrderedRoot([])).toBe(bytesToHex(EMPTY_TRIE_ROOT))
  })

  it('returns a copy of the empty root that callers may mutate', () => {
    const a = orderedTrieRoot([])
    a[0] = 0
    expect(bytesToHex(orderedTrieRoot([])).slice(0, 4)).toBe('0x56')
  })

  it('hashes a single short value (root node < 32 bytes is still hashed)', () => {
    const v = [Uint8Array.of(1, 2, 3)]
    expect(bytesToHex(orderedTrieRoot(v))).toBe(referenceOrderedRoot(v))
  })

  it('skips empty values like go-ethereum StackTrie (other indexes keep their keys)', () => {
    const values = [Uint8Array.of(0xaa), new Uint8Array(0), Uint8Array.of(0xbb)]
    const root = bytesToHex(orderedTrieRoot(values))
    expect(root).toBe(referenceOrderedRoot(values))
    expect(root).not.toBe(bytesToHex(orderedTrieRoot([Uint8Array.of(0xaa), Uint8Array.of(0xbb)])))
    expect(bytesToHex(orderedTrieRoot([new Uint8Array(0)]))).toBe(bytesToHex(EMPTY_TRIE_ROOT))
  })

  it('matches the reference trie for 0..300 random values of 1..120 bytes (inline and hashed nodes)', () => {
    const lengths: number[] = []
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 120, size: 'max' }), {
          maxLength: 300,
          size: 'max',
        }),
        (values) => {
          lengths.push(values.length)
          expect(rootAllEngines(values)).toBe(referenceOrderedRoot(values))
        },
      ),
      { numRuns: 40 },
    )
    // The generator must really reach large tries (multi-level branches, 0x81/0x82 keys).
    expect(Math.max(...lengths)).toBeGreaterThan(200)
  })

  it('matches the reference for tiny values only (every leaf inline) across the 127/128 key edge', () => {
    for (const n of [1, 2, 16, 17, 127, 128, 129, 256, 257]) {
      const values = Array.from({ length: n }, (_, i) => Uint8Array.of(i & 0xff))
      expect(rootAllEngines(values), `n=${n}`).toBe(referenceOrderedRoot(values))
    }
  })

  it('matches the reference for 700 transaction-sized values (150-300 B, 0x82 keys)', () => {
    const values = pseudoRandomValues(700, 150, 300, 7)
    values[5] = new Uint8Array(0) // a skipped index in the middle
    expect(rootAllEngines(values)).toBe(referenceOrderedRoot(values))
  })

  it('matches the reference with a few huge values (multi-block leaves, long RLP headers)', () => {
    const values = pseudoRandomValues(20, 1, 40, 3)
    values[3] = pseudoRandomValues(1, 70_000, 70_000, 9)[0] as Uint8Array
    values[17] = pseudoRandomValues(1, 300_000, 300_000, 11)[0] as Uint8Array
    expect(rootAllEngines(values)).toBe(referenceOrderedRoot(values))
  })

  it('keeps memory small for very many tiny values (embedded leaves take no padding room)', () => {
    // 100k one-byte values: every leaf is embedded in its branch. Padding every node like a
    // hashed one would need ~13.6 MB of wasm memory; embedded nodes need ~1.5 MB.
    const values = Array.from({ length: 100_000 }, (_, i) => Uint8Array.of(i % 251))
    const engine = createKeccakWasm()
    const root = bytesToHex(orderedTrieRoot(values, engine))
    expect(engine.memoryBytes).toBeLessThanOrEqual(4 * 2 ** 20)
    expect(bytesToHex(orderedTrieRoot(values, createKeccakWasm({ variant: 'scalar' })))).toBe(root)
    const some = values.slice(0, 300)
    expect(rootAllEngines(some)).toBe(referenceOrderedRoot(some))
  })

  it('handles a 9 MB block of ~42k transactions: engines agree, memory stays bounded', () => {
    const values = pseudoRandomValues(42_000, 150, 300, 42)
    const engine = createKeccakWasm()
    const first = bytesToHex(orderedTrieRoot(values, engine))
    const retained = engine.memoryBytes
    expect(retained).toBeLessThanOrEqual(KECCAK_WASM_RETAINED_MEMORY_MAX_BYTES)
    // Same root again (no state leaks between calls) and no further growth.
    expect(bytesToHex(orderedTrieRoot(values, engine))).toBe(first)
    expect(engine.memoryBytes).toBe(retained)
    const other = engine.variant === 'simd' ? 'scalar' : 'simd'
    if (other === 'scalar' || wasmSimdSupported) {
      expect(bytesToHex(orderedTrieRoot(values, createKeccakWasm({ variant: other })))).toBe(first)
    }
    // A tighter retention limit: the engine trims back after the call and still works.
    const tight = createKeccakWasm({ retainedMemoryMaxBytes: 1 << 20 })
    const initial = tight.memoryBytes
    expect(bytesToHex(orderedTrieRoot(values, tight))).toBe(first)
    expect(tight.memoryBytes).toBe(initial)
    expect(bytesToHex(orderedTrieRoot(values.slice(0, 3), tight))).toBe(
      referenceOrderedRoot(values.slice(0, 3)),
    )
  })
})

describe.skipIf(!vectorsAvailable)('wire / trie (real block vectors)', () => {
  it('kona OP Sepolia blocks: transactions root equals header.transactionsRoot', () => {
    const blocks = loadVectors('kona-op-sepolia-blocks.json').filter((v) => v.input.transactions)
    expect(blocks.length).toBe(3)
    for (const v of blocks) {
      const txs = (v.input.transactions as string[]).map(hexToBytes)
      expect(rootAllEngines(txs), v.name).toBe(v.input.header.transactionsRoot)
    }
  })

  it('hildr blocks: transactions root matches where the README says it does', () => {
    const blocks = loadVectors('hildr-op-blocks.json')
    const checked = blocks.filter((v) => v.derived?.transactions_root_matches_header === true)
    expect(checked.map((v) => v.name).sort()).toEqual([
      'hildr_bedrock_raw_block',
      'hildr_op_block_json',
      'hildr_temp_block_json',
    ])
    for (const v of checked) {
      const txs = ((v.derived?.raw_transactions_reencoded ?? []) as string[]).map(hexToBytes)
      expect(rootAllEngines(txs), v.name).toBe(v.input.block_json_as_found.transactionsRoot)
    }
  })

  it('nethermind real payloads: 22, 32 and 10 transactions give the derived roots', () => {
    for (const v of loadVectors('nethermind-real-op-payloads.json')) {
      const txs = (v.expected.Transactions_hex as string[]).map(hexToBytes)
      expect(rootAllEngines(txs), v.name).toBe(v.derived?.transactions_root)
    }
  })
})
