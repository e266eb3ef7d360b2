import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Foreign test vectors live in ../shared/vectors beside the checkout (never copied in).
 * A user's clone may not have them: tests that need them are skipped, and test/globalSetup.ts
 * says so in one line. CI sets REQUIRE_VECTORS_ENV, and then a missing folder fails the run.
 */
export const VECTORS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../shared/vectors',
)

/** Set to 1 (as .ci/run does) to make missing vectors an error instead of a skip. */
export const REQUIRE_VECTORS_ENV = 'OP_GOSSIP_REQUIRE_VECTORS'

export const vectorsAvailable = existsSync(VECTORS_DIR)

if (!vectorsAvailable && process.env[REQUIRE_VECTORS_ENV] === '1') {
  throw new Error(`${REQUIRE_VECTORS_ENV}=1 but the shared vectors are missing at ${VECTORS_DIR}`)
}

export interface VectorFile<V = Vector> {
  description: string
  vectors: V[]
}

export interface Vector {
  name: string
  source: Record<string, unknown>
  checks: string
  // biome-ignore lint/suspicious/noExplicitAny: vector files are free-form JSON
  input: Record<string, any>
  // biome-ignore lint/suspicious/noExplicitAny: vector files are free-form JSON
  expected: Record<string, any>
  // biome-ignore lint/suspicious/noExplicitAny: vector files are free-form JSON
  derived?: Record<string, any>
}

/** Reads one vector file, or returns an empty list when the vectors folder is absent. */
export function loadVectors(file: string): Vector[] {
  if (!vectorsAvailable) return []
  return (JSON.parse(readFileSync(join(VECTORS_DIR, file), 'utf8')) as VectorFile).vectors
}

export function vector(file: string, name: string): Vector {
  const v = loadVectors(file).find((x) => x.name === name)
  if (v === undefined) throw new Error(`vector ${name} not found in ${file}`)
  return v
}

export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.startsWith('0x') ? hex.slice(2) : hex
  return new Uint8Array(Buffer.from(clean, 'hex'))
}

export function bytesToHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}
