import { generateKeccakWasm, type UnrollOptions } from '../genKeccakWasm.ts'
import { keccak256Native } from '../../src/wire/keccak.ts'
import { bench } from './harness.ts'
const variants: UnrollOptions[] = JSON.parse(process.argv[2]!)
const big = new Uint8Array(1 << 17).map((_, i) => i & 0xff)
const count = 456
const lens: number[] = []
let seed = 0x12345678
for (let i = 0; i < count; i++) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; lens.push(155 + (seed % 151)) }
const setups = [] as any[]
for (const v of variants) {
  const { simd } = await generateKeccakWasm(v)
  const ex = new WebAssembly.Instance(new WebAssembly.Module(simd), {}).exports as any
  ex.memory.grow(40)
  const u8 = new Uint8Array(ex.memory.buffer); const dv = new DataView(ex.memory.buffer)
  let p = 1 << 20
  for (let i = 0; i < count; i++) {
    dv.setUint32(300000 + 12 * i, p, true); dv.setUint32(300000 + 12 * i + 4, lens[i]!, true); dv.setUint32(300000 + 12 * i + 8, 2048 + 32 * i, true)
    p += (Math.floor(lens[i]! / 136) + 1) * 136
  }
  u8.set(big, 1024)
  setups.push({ v, ex, size: simd.length })
}
for (let rep = 0; rep < 3; rep++) {
  for (const { v, ex, size } of setups) {
    const h100 = bench(() => ex.hash(1024, 102400, 512))
    const sc = bench(() => ex.hashBatch(300000, count))
    const sm = bench(() => ex.hashBatchSimd(300000, count))
    console.log(JSON.stringify({ ...v, size, hash100k: h100, batchScalar: sc, batchSimd: sm }))
  }
  const d = big.subarray(0, 102400)
  console.log(JSON.stringify({ native100k: bench(() => keccak256Native!(d)) }))
}
