import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import wabtInit from 'wabt'
import { generateKeccakWasm, keccakWasmModuleSource } from '../../../scripts/genKeccakWasm.ts'
import {
  KECCAK_WASM_SCALAR_BASE64,
  KECCAK_WASM_SIMD_BASE64,
} from '../../../src/wire/keccakWasmModule.ts'

const committed = {
  scalar: new Uint8Array(Buffer.from(KECCAK_WASM_SCALAR_BASE64, 'base64')),
  simd: new Uint8Array(Buffer.from(KECCAK_WASM_SIMD_BASE64, 'base64')),
}

describe('wire / keccakWasm (generated module)', () => {
  it('regenerating from scripts/genKeccakWasm.ts yields exactly the committed bytes', async () => {
    const generated = await generateKeccakWasm()
    expect(Buffer.from(generated.scalar).toString('base64')).toBe(KECCAK_WASM_SCALAR_BASE64)
    expect(Buffer.from(generated.simd).toString('base64')).toBe(KECCAK_WASM_SIMD_BASE64)
    // The committed TypeScript module is exactly what the generator writes.
    const source = readFileSync(new URL('../../../src/wire/keccakWasmModule.ts', import.meta.url))
    expect(source.toString()).toBe(keccakWasmModuleSource(generated))
  })

  it('the scalar build validates without the SIMD feature (the no-SIMD fallback)', async () => {
    const wabt = await wabtInit()
    const scalar = wabt.readWasm(committed.scalar, { simd: false, bulk_memory: true })
    expect(() => scalar.validate()).not.toThrow()
    scalar.destroy()
    // The SIMD build really needs the feature (parsing or validation fails without it).
    expect(() => {
      const simd = wabt.readWasm(committed.simd, { simd: false, bulk_memory: true })
      try {
        simd.validate()
      } finally {
        simd.destroy()
      }
    }).toThrow()
  })

  it('both builds export the same scalar API; only the SIMD build has hashBatchSimd', () => {
    const names = (bytes: Uint8Array): string[] =>
      WebAssembly.Module.exports(new WebAssembly.Module(bytes))
        .map((e) => e.name)
        .sort()
    const scalarApi = ['absorb', 'finish', 'hash', 'hashBatch', 'memory', 'reset']
    expect(names(committed.scalar)).toEqual(scalarApi)
    expect(names(committed.simd)).toEqual([...scalarApi, 'hashBatchSimd'].sort())
  })
})
