import { randomBytes } from 'node:crypto'
import { orderedTrieRoot } from '../../src/wire/trie.ts'
function txs(total: number) { const r: Uint8Array[] = []; let seed = 0x12345678, sum = 0; while (sum < total) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; const s = 150 + (seed % 151); r.push(new Uint8Array(randomBytes(s))); sum += s } return r }
const t = txs(102400)
const t0 = performance.now()
for (let i = 0; i < 8000; i++) orderedTrieRoot(t)
console.log((performance.now() - t0) / 8000)
