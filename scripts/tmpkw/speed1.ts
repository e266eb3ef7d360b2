import { generateKeccakWasm } from '../genKeccakWasm.ts'
import { keccak256Native, keccak256Wasm } from '../../src/wire/keccak.ts'
const { scalar, simd } = await generateKeccakWasm()
function med(fn: () => void, iters: number, samples = 15): number {
  for (let i = 0; i < iters; i++) fn()
  const r: number[] = []
  for (let s = 0; s < samples; s++) { const t = process.hrtime.bigint(); for (let i = 0; i < iters; i++) fn(); r.push(Number(process.hrtime.bigint() - t) / 1e3 / iters) }
  r.sort((a, b) => a - b); return Math.round(r[0]! * 100) / 100
}
const inst = new WebAssembly.Instance(new WebAssembly.Module(simd), {})
const ex = inst.exports as any
const mem = ex.memory as WebAssembly.Memory
mem.grow(400)
let u8 = new Uint8Array(mem.buffer)
const big = new Uint8Array(1 << 20).map((_, i) => i & 0xff)
for (const n of [64, 200, 102400, 1 << 20]) {
  const d = big.subarray(0, n)
  const w = () => { u8.set(d, 1024); ex.hash(1024, n, 256) }
  const it = n > 10000 ? 5 : 2000
  console.log(JSON.stringify({ n, wasmUs: med(w, it), nativeUs: med(() => keccak256Native!(d), it), hashwasmUs: med(() => keccak256Wasm(d), it) }))
}
// batches
const count = 456
const dv = new DataView(mem.buffer)
const lens: number[] = []
let seed = 0x12345678
for (let i = 0; i < count; i++) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; lens.push(155 + (seed % 151)) }
function setup() {
  let p = 1 << 20
  for (let i = 0; i < count; i++) {
    dv.setUint32(65536 + 12 * i, p, true); dv.setUint32(65536 + 12 * i + 4, lens[i]!, true); dv.setUint32(65536 + 12 * i + 8, 2048 + 32 * i, true)
    p += (Math.floor(lens[i]! / 136) + 1) * 136
  }
}
setup()
for (let rep = 0; rep < 3; rep++) {
  const sc = med(() => ex.hashBatch(65536, count), 20)
  const sm = med(() => ex.hashBatchSimd(65536, count), 20)
  const hw = med(() => { for (let i = 0; i < count; i++) keccak256Wasm(big.subarray(0, lens[i]!)) }, 20)
  console.log(JSON.stringify({ batch: count, scalarUs: sc, simdUs: sm, hashwasmLoopUs: hw }))
}
