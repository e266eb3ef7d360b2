import { randomBytes } from 'node:crypto'
import { orderedTrieRoot } from '../../src/wire/trie.ts'
import { createKeccakWasm } from '../../src/wire/keccakWasm.ts'
import { previousOrderedTrieRoot } from '../bench/legacy/previousKeccakTrie.ts'
import { bench } from './harness.ts'
function txs(total: number) { const r: Uint8Array[] = []; let seed = 0x12345678, sum = 0; while (sum < total) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; const s = 150 + (seed % 151); r.push(new Uint8Array(randomBytes(s))); sum += s } return r }
const scalar = createKeccakWasm('scalar')
for (const total of [102400, 1 << 20, 9 << 20]) {
  const t = txs(total)
  const a = Buffer.from(orderedTrieRoot(t)).toString('hex'), b = Buffer.from(previousOrderedTrieRoot(t)).toString('hex'), c = Buffer.from(orderedTrieRoot(t, scalar)).toString('hex')
  if (a !== b || a !== c) throw new Error('mismatch')
  const ms = total > 1e6 ? 20 : 2, s = total > 5e6 ? 9 : 40
  for (let rep = 0; rep < 2; rep++)
  console.log(JSON.stringify({ total, n: t.length, newSimd: bench(() => orderedTrieRoot(t), ms, s), newScalar: bench(() => orderedTrieRoot(t, scalar), ms, s), previous: bench(() => previousOrderedTrieRoot(t), ms, s) }))
}
