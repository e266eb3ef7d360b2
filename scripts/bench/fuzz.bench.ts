import snappyjs from 'snappyjs'
import { createBlockBuilder, devnetKey } from '../../src/blocks/blockBuilder.ts'
/**
 * In-process fuzz of everything a peer's bytes reach before a verdict: the message-ID function
 * and the validator, on mutated copies of valid block messages (no network). Every verdict is
 * cross-checked against an oracle of op-node's valid/invalid split, written independently of the
 * validator: a message is valid exactly when it decompresses to a pool message's bytes, or to
 * those bytes with the signature's v raised by 4 (official op-node recovers v & 3 for v 0..7).
 *
 *   node_modules/.bin/node scripts/bench/fuzz.bench.ts [--messages 1000000] [--seed 1]
 *
 * Prints one JSON object: messages, seconds, exceptions (must be 0), oracle mismatches (must be
 * 0) with the first few, and the verdict counts by reason. Exits 1 when either count is not 0.
 */
import { createDevnetChain } from '../../src/chains/devnet.ts'
import { createBlockValidator } from '../../src/gossip/validator.ts'
import { computeMessageIdWithData } from '../../src/wire/msgId.ts'
import { addressFromPrivateKey } from '../../src/wire/signing.ts'
import { snappyCompress } from '../../src/wire/snappy.ts'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const MESSAGES = arg('--messages', 1_000_000)
const SEED = arg('--seed', 1)
/** Valid messages the mutations start from (small blocks, so a million runs take minutes). */
const POOL_SIZE = 64
const MAX_REPORTED_MISMATCHES = 10
const SIGNATURE_V_OFFSET = 64

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}
const rand = prng(SEED)
const int = (n: number) => Math.floor(rand() * n)

const sequencerKey = devnetKey('fuzz sequencer')
const chain = createDevnetChain({ chainId: 901 })
const now = BigInt(Math.floor(Date.now() / 1000))
const builder = createBlockBuilder({
  chain,
  privateKey: sequencerKey,
  startTimestamp: now,
  txCount: 4,
})
const pool = Array.from({ length: POOL_SIZE }, () => builder.next({ timestamp: now }))
const topic = pool[0]!.topic

const key = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1')
/** The oracle's set of valid decompressed messages: each pool message, and its v + 4 twin. */
const validBytes = new Set<string>()
for (const b of pool) {
  validBytes.add(key(b.decompressed))
  const twin = b.decompressed.slice()
  twin[SIGNATURE_V_OFFSET] = (twin[SIGNATURE_V_OFFSET] as number) + 4
  validBytes.add(key(twin))
}

/** op-node's bound on the decoded length (snappyjs would allocate any declared length). */
const MAX_DECODED_BYTES = 10 * 2 ** 20

/** Whether a bit-flipped message still decodes (by snappyjs) to a valid message. */
function flippedIsValid(data: Uint8Array): boolean {
  let length = 0
  for (let i = 0; ; i++) {
    if (i === 5 || i === data.length) return false
    length += ((data[i] as number) & 0x7f) * 2 ** (7 * i)
    if ((data[i] as number) < 0x80) break
  }
  if (length > MAX_DECODED_BYTES) return false
  try {
    return validBytes.has(key(snappyjs.uncompress(data)))
  } catch {
    return false
  }
}

/** What a mutation made, and whether op-node's rules make it valid. */
interface Mutated {
  data: Uint8Array
  valid: boolean
}
type Mutation = (b: (typeof pool)[number]) => Mutated
const never = (data: Uint8Array): Mutated => ({ data, valid: false })
const encoded = (plain: Uint8Array): Mutated => ({
  data: snappyCompress(plain),
  valid: validBytes.has(key(plain)),
})
const flipped = (data: Uint8Array): Mutated => ({ data, valid: flippedIsValid(data) })
const flip = (bytes: Uint8Array, count: number) => {
  const out = bytes.slice()
  for (let i = 0; i < count; i++) {
    const at = int(out.length)
    out[at] = (out[at] as number) ^ (1 << int(8))
  }
  return out
}
const MUTATIONS: Mutation[] = [
  (b) => flipped(flip(b.data, 1 + int(3))), // compressed bytes
  (b) => encoded(flip(b.decompressed, 1 + int(3))), // decompressed bytes
  (b) => never(b.data.subarray(0, int(b.data.length))), // truncated
  (b) => never(Uint8Array.from([...b.data, ...Array.from({ length: 1 + int(8) }, () => int(256))])),
  (b) => {
    const d = b.decompressed.slice()
    d[SIGNATURE_V_OFFSET] = int(256) // any v
    return encoded(d)
  },
  (b) => {
    const d = b.decompressed.slice()
    d.fill(int(256), int(65), int(65) + 1 + int(64)) // signature bytes
    return encoded(d)
  },
  (b) => encoded(b.decompressed.subarray(0, int(b.decompressed.length))), // short payload
  (b) => encoded(b.decompressed), // a re-encoded valid copy
  (b) => never(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x08, ...b.data.subarray(1 + int(4))])),
  () => never(Uint8Array.from({ length: int(600) }, () => int(256))), // noise
]

const validator = createBlockValidator({
  chain,
  signer: () => addressFromPrivateKey(sequencerKey),
  now: () => Number(now) * 1000,
})
const counts: Record<string, number> = {}
const mismatches: { mutation: number; verdict: string; reason: string | null; oracle: boolean }[] =
  []
let exceptions = 0
let mismatchCount = 0
const start = performance.now()
for (let i = 0; i < MESSAGES; i++) {
  const which = int(MUTATIONS.length)
  const { data, valid: expected } = (MUTATIONS[which] as Mutation)(
    pool[int(POOL_SIZE)] as (typeof pool)[number],
  )
  try {
    const { decompressed } = computeMessageIdWithData(topic, data)
    validator.clearSeenBlocks() // each message judged as a first sighting
    const r = validator.validate(topic, data, { decompressed })
    const outcome = `${r.verdict}:${r.reason ?? ''}`
    counts[outcome] = (counts[outcome] ?? 0) + 1
    if ((r.verdict === 'accept') !== expected) {
      mismatchCount++
      if (mismatches.length < MAX_REPORTED_MISMATCHES) {
        mismatches.push({ mutation: which, verdict: r.verdict, reason: r.reason, oracle: expected })
      }
    }
  } catch {
    exceptions++
  }
}
const seconds = (performance.now() - start) / 1000
console.log(
  JSON.stringify(
    {
      messages: MESSAGES,
      seed: SEED,
      seconds: Number(seconds.toFixed(1)),
      exceptions,
      mismatches: mismatchCount,
      firstMismatches: mismatches,
      verdicts: counts,
    },
    null,
    2,
  ),
)
process.exitCode = exceptions === 0 && mismatchCount === 0 ? 0 : 1
