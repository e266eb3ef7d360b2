import { randomBytes } from 'node:crypto'
import { orderedTrieRoot } from '../../src/wire/trie.ts'
import { keccakEngine, keccak256Batch } from '../../src/wire/keccak.ts'
function txs(total: number) { const r: Uint8Array[] = []; let seed = 0x12345678, sum = 0; while (sum < total) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; const s = 150 + (seed % 151); r.push(new Uint8Array(randomBytes(s))); sum += s } return r }
const e = keccakEngine as any
const origBatch = e.hashBatch.bind(e)
let hashMs = 0
e.hashBatch = (d: number, c: number) => { const t = performance.now(); origBatch(d, c); hashMs += performance.now() - t }
for (const total of [102400, 1 << 20, 9 << 20]) {
  const t = txs(total)
  const reps = total > 5e6 ? 15 : 60
  let minAll = 1e9, minHash = 1e9, minFlat = 1e9
  for (let i = 0; i < reps; i++) {
    hashMs = 0
    const t0 = performance.now(); orderedTrieRoot(t); const all = performance.now() - t0
    minAll = Math.min(minAll, all); minHash = Math.min(minHash, hashMs)
    const t1 = performance.now(); keccak256Batch(t); minFlat = Math.min(minFlat, performance.now() - t1)
  }
  console.log(total, 'min total ms', minAll.toFixed(3), 'min hash ms', minHash.toFixed(3), 'mem MB', (keccakEngine.memoryBytes / 2 ** 20).toFixed(1), 'min flat leaves batch ms', minFlat.toFixed(3))
}
