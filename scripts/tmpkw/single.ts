import { createKeccakWasm } from '../../src/wire/keccakWasm.ts'
import { keccak256Native, keccak256Wasm } from '../../src/wire/keccak.ts'
import { bench } from './harness.ts'
const e = createKeccakWasm()
const big = new Uint8Array(9 << 20).map((_, i) => (i * 7) & 0xff)
for (let rep = 0; rep < 2; rep++)
for (const n of [32, 64, 96, 200, 532, 2048, 8192, 102400, 1 << 20, 9 << 20]) {
  const d = big.subarray(0, n)
  const ms = n > 1e6 ? 30 : 1
  const s = n > 1e6 ? 15 : 100
  console.log(JSON.stringify({ n, ours: bench(() => e.keccak256(d), ms, s), native: bench(() => keccak256Native!(d), ms, s), hashwasm: bench(() => keccak256Wasm(d), ms, s) }))
}
