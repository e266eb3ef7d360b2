/**
 * Micro-benchmarks of the wire hashing/signing primitives. Prints one JSON object per line:
 *   {"bench": ..., "impl"?: ..., "inputBytes"?: ..., "medianUs": ..., "minUs": ..., "samples": ...}
 * Run: node_modules/.bin/node scripts/bench/primitives.bench.ts [--quick] [--only <regex>]
 * Median and best of repeated timed batches (on a shared machine the best is the steadier
 * comparison); the first line describes the machine. `--only` keeps benches whose name matches.
 * "previous" rows run the keccak/trie code this project used before its own wasm module
 * (scripts/bench/legacy/previousKeccakTrie.ts), in the same run for a fair comparison.
 */
import { randomBytes } from 'node:crypto'
import { cpus, loadavg } from 'node:os'
import { bytesToHex, toRlp, keccak256 as viemKeccak256 } from 'viem'
import { computeBlockHash, encodeBlockHeader } from '../../src/wire/blockHash.ts'
import { keccak256, keccak256Batch, keccakEngine } from '../../src/wire/keccak.ts'
import { createKeccakWasm } from '../../src/wire/keccakWasm.ts'
import { computeMessageId } from '../../src/wire/msgId.ts'
import { encodeRlpBytes, encodeRlpList, uintToBytes } from '../../src/wire/rlp.ts'
import { payloadHash, recoverSigner, signingHash, signPayloadHash } from '../../src/wire/signing.ts'
import { snappyCompress } from '../../src/wire/snappy.ts'
import { orderedTrieRoot } from '../../src/wire/trie.ts'
import type { ExecutionPayload } from '../../src/wire/types.ts'
import {
  keccak256HashWasm,
  keccak256NativeAddon,
  previousKeccak256,
  previousOrderedTrieRoot,
} from './legacy/previousKeccakTrie.ts'

const QUICK = process.argv.includes('--quick')
const onlyArg = process.argv.indexOf('--only')
const ONLY = onlyArg > 0 ? new RegExp(process.argv[onlyArg + 1] ?? '') : null
/** Target wall time per sample batch and number of samples per benchmark. */
const SAMPLE_TARGET_MS = QUICK ? 2 : 5
const SAMPLES = QUICK ? 11 : 41
const WARMUP_MS = QUICK ? 50 : 200
const WARMUP_CALLS_MIN = 3

function emit(record: Record<string, unknown>): void {
  console.log(JSON.stringify(record))
}

const selected = (bench: string): boolean => ONLY === null || ONLY.test(bench)

type Measurement = { medianUs: number; minUs: number; samples: number; itersPerSample: number }

/** Median and best microseconds per call of `fn`, from SAMPLES batches of a calibrated size. */
function measure(fn: () => unknown): Measurement {
  // Warm up long enough for V8 to tier JS and wasm up to optimized code (a background compile
  // that may be slow on a busy machine), then size batches to ~SAMPLE_TARGET_MS.
  const warmupEnd = performance.now() + WARMUP_MS
  let warmupCalls = 0
  while (performance.now() < warmupEnd || warmupCalls < WARMUP_CALLS_MIN) {
    fn()
    warmupCalls++
  }
  let iters = 1
  for (;;) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < iters; i++) fn()
    const ms = Number(process.hrtime.bigint() - t) / 1e6
    if (ms >= SAMPLE_TARGET_MS / 4 || iters >= 1 << 20) {
      iters = Math.max(1, Math.round((iters * SAMPLE_TARGET_MS) / Math.max(ms, 0.001)))
      break
    }
    iters *= 4
  }
  const perCall: number[] = []
  for (let s = 0; s < SAMPLES; s++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < iters; i++) fn()
    perCall.push(Number(process.hrtime.bigint() - t) / 1e3 / iters)
  }
  perCall.sort((a, b) => a - b)
  const round = (us: number): number => Math.round(us * 1000) / 1000
  return {
    medianUs: round(perCall[Math.floor(perCall.length / 2)] as number),
    minUs: round(perCall[0] as number),
    samples: SAMPLES,
    itersPerSample: iters,
  }
}

/** Emits one row per implementation, measured back to back. */
function compare(
  bench: string,
  extra: Record<string, unknown>,
  impls: readonly (readonly [string, () => unknown])[],
): void {
  if (!selected(bench)) return
  for (const [impl, fn] of impls) emit({ bench, impl, ...extra, ...measure(fn) })
}

/** Pseudo-random transactions of 150..300 bytes (deterministic sizes) summing to ~totalBytes. */
function realisticTransactions(totalBytes: number): Uint8Array[] {
  const sizes: number[] = []
  let seed = 0x12345678
  let sum = 0
  while (sum < totalBytes) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    const size = 150 + (seed % 151)
    sizes.push(size)
    sum += size
  }
  // Views into one buffer, back to back: what the SSZ decoder hands the validator.
  const body = new Uint8Array(randomBytes(sum))
  let offset = 0
  return sizes.map((size) => {
    body[offset] = 0x02 // EIP-1559 type byte, like most L2 txs
    offset += size
    return body.subarray(offset - size, offset)
  })
}

function payloadWith(transactions: Uint8Array[]): ExecutionPayload {
  return {
    parentHash: new Uint8Array(32).fill(1),
    feeRecipient: new Uint8Array(20).fill(0x42),
    stateRoot: new Uint8Array(32).fill(2),
    receiptsRoot: new Uint8Array(32).fill(3),
    logsBloom: new Uint8Array(256),
    prevRandao: new Uint8Array(32).fill(4),
    blockNumber: 129_499_858n,
    gasLimit: 60_000_000n,
    gasUsed: 12_345_678n,
    timestamp: 1_734_598_493n,
    extraData: Uint8Array.of(0, 0, 0, 0, 0xfa, 0, 0, 0, 6),
    baseFeePerGas: 349_265n,
    blockHash: new Uint8Array(32),
    transactions,
    withdrawals: [],
    blobGasUsed: 0n,
    excessBlobGas: 0n,
    withdrawalsRoot: new Uint8Array(32).fill(5),
  }
}

const KB = 1024
const MB = 1024 * 1024

const scalarEngine = createKeccakWasm({ variant: 'scalar' })

emit({
  bench: 'machine',
  node: process.version,
  arch: process.arch,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  keccakWasmVariant: keccakEngine.variant,
})

// keccak256 of one input: ours (wasm, SIMD build's scalar path), the previous hybrid, and the
// libraries it was built from.
for (const size of [64, 200, 532, 2048, 100 * KB, MB, 9 * MB]) {
  const data = new Uint8Array(randomBytes(size))
  const impls: [string, () => unknown][] = [
    ['keccak256 (ours, wasm)', () => keccak256(data)],
    ['previous (hash-wasm < 2 KB, else native addon)', () => previousKeccak256(data)],
    ['hash-wasm', () => keccak256HashWasm(data)],
  ]
  if (keccak256NativeAddon !== null) {
    const native = keccak256NativeAddon
    impls.push(['native keccak addon', () => native(data)])
  }
  if (size <= 2048) impls.push(['viem/noble (pure JS)', () => viemKeccak256(data, 'bytes')])
  compare('keccak256', { inputBytes: size }, impls)
}

// Many small inputs (trie leaves): one batch call vs one call per input.
{
  const leaves = realisticTransactions(100 * KB)
  compare('keccak256 x many (150-300 B each)', { count: leaves.length }, [
    ['keccak256Batch (simd)', () => keccak256Batch(leaves)],
    ['keccak256Batch (scalar build)', () => keccak256Batch(leaves, scalarEngine)],
    ['loop of keccak256 (ours)', () => leaves.map(keccak256)],
    ['loop of previous keccak256', () => leaves.map(previousKeccak256)],
  ])
}

// RLP of header-shaped items (21 byte strings): our byte encoder vs viem's toRlp.
{
  const payload = payloadWith([])
  const root = new Uint8Array(32).fill(6)
  const items: Uint8Array[] = [
    payload.parentHash,
    root,
    payload.feeRecipient,
    payload.stateRoot,
    root,
    payload.receiptsRoot,
    payload.logsBloom,
    new Uint8Array(0),
    uintToBytes(payload.blockNumber),
    uintToBytes(payload.gasLimit),
    uintToBytes(payload.gasUsed),
    uintToBytes(payload.timestamp),
    payload.extraData,
    payload.prevRandao,
    new Uint8Array(8),
    uintToBytes(payload.baseFeePerGas),
    root,
    new Uint8Array(0),
    new Uint8Array(0),
    root,
    root,
  ]
  const hexItems = items.map((b) => bytesToHex(b))
  compare('rlp header list', {}, [
    ['src/wire/rlp.ts', () => encodeRlpList(items.map(encodeRlpBytes))],
    ['viem toRlp (bytes items)', () => toRlp(items, 'bytes')],
    ['viem toRlp (hex items)', () => toRlp(hexItems, 'bytes')],
  ])
  compare('encodeBlockHeader v4 (no txs)', {}, [
    ['ours', () => encodeBlockHeader(payload, 4, root)],
  ])
}

// Transaction trie and whole block hash for realistic blocks.
for (const total of [100 * KB, MB, 9 * MB]) {
  const txs = realisticTransactions(total)
  const payload = payloadWith(txs)
  const root = new Uint8Array(32).fill(6)
  const extra = { inputBytes: total, txCount: txs.length }
  compare('orderedTrieRoot', extra, [
    ['ours (wasm batches, simd)', () => orderedTrieRoot(txs)],
    ['ours (scalar build)', () => orderedTrieRoot(txs, scalarEngine)],
    ['previous (one keccak call per node)', () => previousOrderedTrieRoot(txs)],
  ])
  compare('computeBlockHash v4', extra, [['ours', () => computeBlockHash(payload, 4, root)]])
  const signed = new Uint8Array(randomBytes(total))
  compare('payloadHash', { inputBytes: total }, [
    ['ours', () => payloadHash(signed)],
    ['previous', () => previousKeccak256(signed)],
  ])
}

// Signature recovery (plus the signing hash a validator computes first).
{
  const key = new Uint8Array(32).fill(7)
  const hash = signingHash(10, payloadHash(new Uint8Array(64)))
  const sig = signPayloadHash(key, hash)
  compare('signingHash', {}, [['ours', () => signingHash(10, hash)]])
  compare('recoverSigner (ecrecover)', {}, [['secp256k1', () => recoverSigner(hash, sig)]])
}

// Message id: snappy decode + sha256 over the decoded bytes (what gossipsub calls per message).
for (const total of [100 * KB, MB]) {
  const body = new Uint8Array(total)
  let offset = 0
  for (const tx of realisticTransactions(total)) {
    if (offset + tx.length > total) break
    body.set(tx, offset)
    offset += tx.length
  }
  const data = snappyCompress(body)
  compare(
    'computeMessageId (snappy decode + sha256)',
    { inputBytes: total, compressedBytes: data.length },
    [['ours', () => computeMessageId('/optimism/10/3/blocks', data)]],
  )
}
