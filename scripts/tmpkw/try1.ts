import { generateKeccakWasm } from '/work/main/scripts/genKeccakWasm.ts'
import { keccak256 as viemK } from 'viem'
const { scalar, simd } = await generateKeccakWasm()
console.log('sizes', scalar.length, simd.length, WebAssembly.validate(simd))
for (const [name, bytes] of [['scalar', scalar], ['simd', simd]] as const) {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {})
  const ex = inst.exports as any
  const mem = ex.memory as WebAssembly.Memory
  let ok = 0
  for (const n of [0, 1, 31, 135, 136, 137, 271, 272, 1000]) {
    const u8 = new Uint8Array(mem.buffer)
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff)
    u8.set(data, 1024)
    ex.hash(1024, n, 512)
    const got = Buffer.from(u8.subarray(512, 544)).toString('hex')
    const exp = viemK(data, 'hex').slice(2)
    if (got === exp) ok++; else console.log(name, n, got, exp)
  }
  // batch
  const u8 = new Uint8Array(mem.buffer)
  const dv = new DataView(mem.buffer)
  const msgs: Uint8Array[] = []
  let p = 4096
  const count = 37
  for (let i = 0; i < count; i++) {
    const len = (i * 97) % 700
    const d = Uint8Array.from({ length: len }, (_, k) => (k * 7 + i) & 0xff)
    msgs.push(d)
    u8.set(d, p)
    dv.setUint32(2048 + 12 * i, p, true); dv.setUint32(2048 + 12 * i + 4, len, true); dv.setUint32(2048 + 12 * i + 8, 60000 + 32 * i, true)
    p += (Math.floor(len / 136) + 1) * 136
  }
  ;(name === 'simd' ? ex.hashBatchSimd : ex.hashBatch)(2048, count)
  let bok = 0
  for (let i = 0; i < count; i++) {
    if (Buffer.from(u8.subarray(60000 + 32 * i, 60032 + 32 * i)).toString('hex') === viemK(msgs[i]!, 'hex').slice(2)) bok++
  }
  console.log(name, 'single ok', ok, 'batch ok', bok, '/', count)
}
