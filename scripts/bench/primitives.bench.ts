/**
 * Micro-benchmarks of the wire hashing/signing primitives. Prints one JSON object per line:
 *   {"bench": ..., "impl"?: ..., "inputBytes"?: ..., "medianUs": ..., "samples": ...}
 * Run: node_modules/.bin/node scripts/bench/primitives.bench.ts [--quick]
 * Medians of repeated timed batches; the first line describes the machine.
 */
import { randomBytes } from 'node:crypto'
import { cpus } from 'node:os'
import { bytesToHex, toRlp, keccak256 as viemKeccak256 } from 'viem'
import { computeBlockHash, encodeBlockHeader } from '../../src/wire/blockHash.ts'
import {
  KECCAK_NATIVE_MIN_INPUT_BYTES,
  keccak256,
  keccak256Native,
  keccak256Wasm,
  keccakBulkBackend,
} from '../../src/wire/keccak.ts'
import { computeMessageId } from '../../src/wire/msgId.ts'
import { encodeRlpBytes, encodeRlpList, uintToBytes } from '../../src/wire/rlp.ts'
import { payloadHash, recoverSigner, signingHash, signPayloadHash } from '../../src/wire/signing.ts'
import { snappyCompress } from '../../src/wire/snappy.ts'
import { orderedTrieRoot } from '../../src/wire/trie.ts'
import type { ExecutionPayload } from '../../src/wire/types.ts'

const QUICK = process.argv.includes('--quick')
/** Target wall time per sample batch and number of samples per benchmark. */
const SAMPLE_TARGET_MS = QUICK ? 5 : 20
const SAMPLES = QUICK ? 7 : 21

function emit(record: Record<string, unknown>): void {
  console.log(JSON.stringify(record))
}

/** Median microseconds per call of `fn`, from SAMPLES batches of a calibrated size. */
function measure(fn: () => unknown): { medianUs: number; samples: number; itersPerSample: number } {
  // Warm up and calibrate the batch size to ~SAMPLE_TARGET_MS.
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
  const medianUs = perCall[Math.floor(perCall.length / 2)] as number
  return { medianUs: Math.round(medianUs * 1000) / 1000, samples: SAMPLES, itersPerSample: iters }
}

/** Deterministic pseudo-random transactions of 150..300 bytes summing to ~totalBytes. */
function realisticTransactions(totalBytes: number): Uint8Array[] {
  const txs: Uint8Array[] = []
  let seed = 0x12345678
  let sum = 0
  while (sum < totalBytes) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    const size = 150 + (seed % 151)
    const tx = randomBytes(size)
    tx[0] = 0x02 // EIP-1559 type byte, like most L2 txs
    txs.push(new Uint8Array(tx))
    sum += size
  }
  return txs
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

emit({
  bench: 'machine',
  node: process.version,
  arch: process.arch,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  keccakBulkBackend,
  keccakNativeMinInputBytes: KECCAK_NATIVE_MIN_INPUT_BYTES,
})

// keccak256: the chosen hybrid and each backend, per-call overhead and bulk throughput.
const keccakImpls: [string, (d: Uint8Array) => Uint8Array][] = [
  ['keccak256 (chosen)', keccak256],
  ['hash-wasm', keccak256Wasm],
]
if (keccak256Native !== null) keccakImpls.push(['native keccak addon', keccak256Native])
for (const size of [64, 200, 532, 1000, 2048, 4096, 100 * KB, MB]) {
  const data = new Uint8Array(randomBytes(size))
  for (const [impl, fn] of keccakImpls) {
    emit({ bench: 'keccak256', impl, inputBytes: size, ...measure(() => fn(data)) })
  }
  if (size <= 100 * KB) {
    emit({
      bench: 'keccak256',
      impl: 'viem/noble (pure JS, reference)',
      inputBytes: size,
      ...measure(() => viemKeccak256(data, 'bytes')),
    })
  }
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
  emit({
    bench: 'rlp header list',
    impl: 'src/wire/rlp.ts',
    ...measure(() => encodeRlpList(items.map(encodeRlpBytes))),
  })
  emit({
    bench: 'rlp header list',
    impl: 'viem toRlp (bytes items)',
    ...measure(() => toRlp(items, 'bytes')),
  })
  emit({
    bench: 'rlp header list',
    impl: 'viem toRlp (hex items)',
    ...measure(() => toRlp(hexItems, 'bytes')),
  })
  emit({
    bench: 'encodeBlockHeader v4 (no txs)',
    ...measure(() => encodeBlockHeader(payload, 4, root)),
  })
}

// Transaction trie and whole block hash for realistic blocks.
for (const total of [100 * KB, MB, 9 * MB]) {
  const txs = realisticTransactions(total)
  const payload = payloadWith(txs)
  const root = new Uint8Array(32).fill(6)
  emit({
    bench: 'orderedTrieRoot',
    inputBytes: total,
    txCount: txs.length,
    ...measure(() => orderedTrieRoot(txs)),
  })
  emit({
    bench: 'computeBlockHash v4',
    inputBytes: total,
    txCount: txs.length,
    ...measure(() => computeBlockHash(payload, 4, root)),
  })
  const signed = new Uint8Array(randomBytes(total))
  emit({ bench: 'payloadHash', inputBytes: total, ...measure(() => payloadHash(signed)) })
}

// Signature recovery (plus the signing hash a validator computes first).
{
  const key = new Uint8Array(32).fill(7)
  const hash = signingHash(10, payloadHash(new Uint8Array(64)))
  const sig = signPayloadHash(key, hash)
  emit({ bench: 'signingHash', ...measure(() => signingHash(10, hash)) })
  emit({ bench: 'recoverSigner (ecrecover)', ...measure(() => recoverSigner(hash, sig)) })
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
  emit({
    bench: 'computeMessageId (snappy decode + sha256)',
    inputBytes: total,
    compressedBytes: data.length,
    ...measure(() => computeMessageId('/optimism/10/3/blocks', data)),
  })
}
