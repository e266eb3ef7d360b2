/**
 * Micro-benchmark of the wire codecs: strict Snappy decompression (one checked pass) against plain
 * snappyjs, SSZ decode and encode, for ~100 KB and ~1 MB gossip messages.
 *
 *   node_modules/.bin/node scripts/bench/codec.bench.ts [--iterations 200]
 *
 * Prints one JSON object: per case, median and mean milliseconds per operation.
 */
import { cpus } from 'node:os'
import snappyjs from 'snappyjs'
import { decodeSignedEnvelope, encodeSignedEnvelope } from '../../src/wire/envelope.ts'
import { snappyCompress, snappyDecodedLength, snappyUncompress } from '../../src/wire/snappy.ts'
import { decodeExecutionPayload } from '../../src/wire/ssz.ts'
import type { ExecutionPayload } from '../../src/wire/types.ts'

const iterationsArg = process.argv.indexOf('--iterations')
const ITERATIONS = iterationsArg > 0 ? Number(process.argv[iterationsArg + 1]) : 200
const WARMUP_ITERATIONS = 20

/** Deterministic PRNG so runs are comparable. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s >>> 24
  }
}

/**
 * Transactions shaped like real EIP-1559 calls: a shared header prefix, a recipient from a small
 * set, a random signature, and ABI calldata words (zero-padded addresses and amounts, some random
 * words). Compresses to roughly half, like real OP blocks.
 */
function makeTransactions(totalBytes: number): Uint8Array[] {
  const rand = prng(42)
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, rand)
  const addresses = Array.from({ length: 32 }, () => randomBytes(20))
  const txs: Uint8Array[] = []
  let size = 0
  while (size < totalBytes) {
    const words = 2 + (rand() % 10)
    const tx = new Uint8Array(30 + 65 + words * 32)
    tx.set([0x02, 0xf8, 0x70, 0x0a, 0x80, 0x84, 0x3b, 0x9a, 0xca, 0x00], 0)
    tx.set(addresses[rand() % addresses.length]!, 10)
    tx.set(randomBytes(65), 30)
    for (let w = 0, at = 95; w < words; w++, at += 32) {
      const kind = rand() % 3
      if (kind === 0) tx.set(addresses[rand() % addresses.length]!, at + 12)
      else if (kind === 1) tx.set(randomBytes(8), at + 24)
      else tx.set(randomBytes(32), at)
    }
    txs.push(tx)
    size += tx.length + 4
  }
  return txs
}

function makeMessage(totalBytes: number): Uint8Array {
  const payload: ExecutionPayload = {
    parentHash: new Uint8Array(32).fill(1),
    feeRecipient: new Uint8Array(20).fill(0x42),
    stateRoot: new Uint8Array(32).fill(3),
    receiptsRoot: new Uint8Array(32).fill(4),
    logsBloom: new Uint8Array(256).fill(5),
    prevRandao: new Uint8Array(32).fill(6),
    blockNumber: 129_499_858n,
    gasLimit: 60_000_000n,
    gasUsed: 8_084_780n,
    timestamp: 1_734_598_493n,
    extraData: new Uint8Array(0),
    baseFeePerGas: 349_265n,
    blockHash: new Uint8Array(32).fill(8),
    transactions: makeTransactions(totalBytes),
    withdrawals: [],
    blobGasUsed: 0n,
    excessBlobGas: 0n,
  }
  return encodeSignedEnvelope({
    version: 3,
    signature: new Uint8Array(65).fill(9),
    parentBeaconBlockRoot: new Uint8Array(32).fill(10),
    payload,
  })
}

function measure(fn: () => unknown): { medianMs: number; meanMs: number } {
  for (let i = 0; i < WARMUP_ITERATIONS; i++) fn()
  const samples: number[] = []
  for (let i = 0; i < ITERATIONS; i++) {
    const start = process.hrtime.bigint()
    fn()
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  samples.sort((a, b) => a - b)
  const round = (x: number) => Math.round(x * 1000) / 1000
  return {
    medianMs: round(samples[Math.floor(samples.length / 2)]!),
    meanMs: round(samples.reduce((a, b) => a + b, 0) / samples.length),
  }
}

const results: Record<string, unknown> = {}
for (const [label, size] of [
  ['100KB', 100_000],
  ['1MB', 1_000_000],
] as const) {
  const message = makeMessage(size)
  const compressed = snappyCompress(message)
  const decodedLength = snappyDecodedLength(compressed)
  const signed = message.subarray(65 + 32)
  const strict = measure(() => snappyUncompress(compressed, decodedLength))
  const plain = measure(() => snappyjs.uncompress(compressed))
  results[label] = {
    decompressedBytes: message.length,
    compressedBytes: compressed.length,
    transactions: decodeExecutionPayload(signed, 3).transactions.length,
    snappyUncompressStrict: strict,
    snappyjsUncompress: plain,
    strictVsSnappyjsMedianRatio: Math.round((strict.medianMs / plain.medianMs) * 100) / 100,
    sszDecodeV3: measure(() => decodeExecutionPayload(signed, 3)),
    envelopeDecodeV3: measure(() => decodeSignedEnvelope(message, 3)),
    envelopeEncodeV3: measure(() => {
      const env = decodeSignedEnvelope(message, 3)
      return encodeSignedEnvelope(env)
    }),
    snappyCompress: measure(() => snappyCompress(message)),
  }
}

console.log(
  JSON.stringify(
    {
      bench: 'wire codec',
      node: process.version,
      cpu: cpus()[0]?.model,
      iterations: ITERATIONS,
      results,
    },
    null,
    2,
  ),
)
