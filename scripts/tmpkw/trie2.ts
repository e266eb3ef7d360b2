import { randomBytes } from 'node:crypto'
import { orderedTrieRoot } from '../../src/wire/trie.ts'
import { keccak256 } from '../../src/wire/keccak.ts'
import { previousOrderedTrieRoot, keccak256NativeAddon } from '../bench/legacy/previousKeccakTrie.ts'
import { benchCpu } from './harness.ts'
function txs(total: number) { const r: Uint8Array[] = []; let seed = 0x12345678, sum = 0; while (sum < total) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; const s = 150 + (seed % 151); r.push(new Uint8Array(randomBytes(s))); sum += s } return r }
for (const total of [102400, 1 << 20, 9 << 20]) {
  const t = txs(total)
  const big = new Uint8Array(randomBytes(total))
  const it = Math.max(1, Math.round(2e6 / total * 20)), s = total > 5e6 ? 7 : 15
  console.log(JSON.stringify({ total, n: t.length, trieNew: benchCpu(() => orderedTrieRoot(t), it, s), triePrev: benchCpu(() => previousOrderedTrieRoot(t), it, s), keccakNew: benchCpu(() => keccak256(big), it, s), keccakNative: benchCpu(() => keccak256NativeAddon!(big), it, s) }))
}
