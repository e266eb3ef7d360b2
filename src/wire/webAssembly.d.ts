/**
 * The part of the WebAssembly JS API that src/wire/keccakWasm.ts uses. Node provides the global
 * at runtime, but with `lib: ES2023` and only @types/node, TypeScript has no declaration of it
 * (it lives in lib.dom). Remove this file if the project ever adds the DOM lib.
 */
declare namespace WebAssembly {
  type ImportValue = unknown
  type Imports = Record<string, Record<string, ImportValue>>
  type Exports = Record<string, unknown>

  interface ModuleExportDescriptor {
    kind: 'function' | 'global' | 'memory' | 'table'
    name: string
  }

  class Module {
    constructor(bytes: BufferSource)
    static exports(module: Module): ModuleExportDescriptor[]
  }

  class Instance {
    constructor(module: Module, imports?: Imports)
    readonly exports: Exports
  }

  class Memory {
    readonly buffer: ArrayBuffer
    /** Grows by `deltaPages` 64 KiB pages; returns the previous size in pages. */
    grow(deltaPages: number): number
  }

  type BufferSource = ArrayBufferView | ArrayBuffer

  function validate(bytes: BufferSource): boolean
}
