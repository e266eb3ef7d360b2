/** Types for snappyjs 0.7 (the package ships none). Only what src/wire/snappy.ts uses. */
declare module 'snappyjs' {
  /** Snappy block-format compression; returns the same kind of buffer it was given. */
  export function compress(uncompressed: Uint8Array): Uint8Array
  /** Lenient Snappy block decompression (see snappy.ts for why gossip does not use it). */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array
  const snappyjs: { compress: typeof compress; uncompress: typeof uncompress }
  export default snappyjs
}
