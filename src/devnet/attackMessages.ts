/**
 * The messages an attacker process (./attackerChild.ts) floods with, one kind per attack phase
 * (docs/attack.md). Pure byte crafting, no network:
 *
 * - invalid: a realistic block with 65 random signature bytes (each message distinct, so none is
 *   a cheap duplicate: every one costs the node a decompression and a signature recovery);
 * - duplicate: an honest block re-encoded as Snappy literals of another chunk size (same
 *   payload, so the same op-node message ID, but different bytes on the wire);
 * - replay: blocks validly signed by the devnet's sequencer key but older than the gossip
 *   timestamp threshold (what a replayer holding recorded blocks sends);
 * - malformed: a gossipsub `from` field (StrictNoSign violation), truncated Snappy, non-Snappy
 *   garbage, and a Snappy header declaring more than the gossip size limit.
 */
import { randomBytes, randomFillSync } from 'node:crypto'
import { type BuiltBlock, createBlockBuilder, devnetKey } from '../blocks/blockBuilder.ts'
import type { ChainConfig } from '../chains/types.ts'
import { DEFAULT_TIMESTAMP_THRESHOLD_SECONDS } from '../gossip/validator.ts'
import {
  MAX_GOSSIP_SIZE_BYTES,
  snappyCompress,
  snappyDecodedLength,
  snappyUncompress,
} from '../wire/snappy.ts'
import { DEVNET_SEQUENCER_KEY_LABEL } from './devnetPlan.ts'

/** The attack phases in their default order; `baseline` sends nothing. */
export const ATTACK_PHASES = ['baseline', 'invalid', 'duplicate', 'replay', 'malformed'] as const
export type AttackPhase = (typeof ATTACK_PHASES)[number]

/** Bytes of the signature at the start of a block message. */
export const SIGNATURE_BYTES = 65
/** Distinct invalid-signature templates an attacker cycles through (signatures vary per message). */
export const INVALID_TEMPLATE_COUNT = 8
/**
 * Distinct stale blocks one attacker replays; past them its replays repeat (cheap duplicates
 * for the node, as a recorded set replayed again would be).
 */
export const REPLAY_POOL_BLOCKS = 200
/** Replayed blocks are this much older than the node's timestamp threshold, seconds. */
export const REPLAY_STALENESS_MARGIN_SECONDS = 60
/** Smallest Snappy literal chunk of a re-encoded copy; each copy uses the next size up. */
export const MIN_REENCODE_CHUNK_BYTES = 64
/** Re-encodings cycle through this many chunk sizes (then repeat: a cheap duplicate). */
export const REENCODE_CHUNK_VARIANTS = 4000
/** Kinds of malformed message, sent in turn. */
export const MALFORMED_KINDS = ['from-field', 'truncated', 'garbage', 'oversize-header'] as const
export type MalformedKind = (typeof MALFORMED_KINDS)[number]

/** One gossip message to send: its topic and data, and a gossipsub `from` field if any. */
export interface AttackMessage {
  topic: string
  data: Uint8Array
  from?: Uint8Array
}

function varint(n: number): number[] {
  const out: number[] = []
  let v = n
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
  return out
}

/**
 * `data` as a Snappy block of literals `chunk` bytes long (the last one shorter): a valid
 * encoding, different on the wire for every chunk size below the data length.
 */
export function snappyLiterals(data: Uint8Array, chunk: number): Uint8Array {
  if (!(Number.isInteger(chunk) && chunk >= 1 && chunk <= 65_536)) {
    throw new RangeError('literal chunk must be 1..65536 bytes')
  }
  const header = varint(data.length)
  const pieces = Math.ceil(data.length / chunk)
  const out = new Uint8Array(header.length + pieces * 3 + data.length)
  out.set(header)
  let at = header.length
  for (let from = 0; from < data.length; from += chunk) {
    const piece = data.subarray(from, Math.min(from + chunk, data.length))
    const n = piece.length - 1
    if (n < 60) out[at++] = n << 2
    else if (n < 256) {
      out[at++] = 60 << 2
      out[at++] = n
    } else {
      out[at++] = 61 << 2
      out[at++] = n & 0xff
      out[at++] = n >>> 8
    }
    out.set(piece, at)
    at += piece.length
  }
  return out.subarray(0, at)
}

/** Re-encoding number `variant` of a Snappy-compressed message: same payload, other bytes. */
export function reencode(data: Uint8Array, variant: number): Uint8Array {
  return reencodePayload(snappyUncompress(data, snappyDecodedLength(data)), variant)
}

function reencodePayload(payload: Uint8Array, variant: number): Uint8Array {
  const chunk = MIN_REENCODE_CHUNK_BYTES + (variant % REENCODE_CHUNK_VARIANTS)
  return snappyLiterals(payload, Math.min(chunk, 65_536))
}

/**
 * A block message whose signature can be replaced without compressing again: the Snappy block
 * is the signature as one literal, then the rest of the message compressed on its own (its
 * back-references stay inside it). The attackers run on the machine they attack, so each of
 * their messages costs a copy and 65 random bytes, not a compression.
 */
export interface SignatureTemplate {
  bytes: Uint8Array
  /** Where the 65 signature bytes start in `bytes` */
  signatureAt: number
}

export function signatureTemplate(block: Pick<BuiltBlock, 'decompressed'>): SignatureTemplate {
  const rest = snappyCompress(block.decompressed.subarray(SIGNATURE_BYTES))
  const restHeader = varint(block.decompressed.length - SIGNATURE_BYTES).length
  // A literal of 61..256 bytes: tag 60 << 2, then its length - 1 in one byte.
  const header = [...varint(block.decompressed.length), 60 << 2, SIGNATURE_BYTES - 1]
  const bytes = new Uint8Array(header.length + SIGNATURE_BYTES + rest.length - restHeader)
  bytes.set(header)
  bytes.set(block.decompressed.subarray(0, SIGNATURE_BYTES), header.length)
  bytes.set(rest.subarray(restHeader), header.length + SIGNATURE_BYTES)
  return { bytes, signatureAt: header.length }
}

/** The template's message with 65 fresh random signature bytes. */
export function withRandomSignature(template: SignatureTemplate): Uint8Array {
  const copy = template.bytes.slice()
  randomFillSync(copy.subarray(template.signatureAt, template.signatureAt + SIGNATURE_BYTES))
  return copy
}

export interface AttackMessageSourceOptions {
  chain: ChainConfig
  /** Decompressed size of the crafted blocks */
  blockBytes: number
  /** Seed of the block builders (attackers differ) */
  seed: number
  /** Wall clock, ms. @default Date.now */
  now?: () => number
}

export interface AttackMessageSource {
  invalid(): AttackMessage
  /** A re-encoded copy of `honest` (a message received from the node); null before any */
  duplicate(honest: AttackMessage | null): AttackMessage | null
  replay(): AttackMessage
  malformed(from: Uint8Array): AttackMessage
}

/**
 * Crafted messages for every phase. Templates are built on first use of a phase (the replay pool
 * takes the longest: REPLAY_POOL_BLOCKS signed blocks).
 */
export function createAttackMessageSource(opts: AttackMessageSourceOptions): AttackMessageSource {
  const now = opts.now ?? Date.now
  let invalidTemplates: Array<BuiltBlock & { signed: SignatureTemplate }> | null = null
  /** The newest honest block's payload, decompressed once for all its re-encodings */
  let honestPayload: { data: Uint8Array; payload: Uint8Array } | null = null
  let replayPool: BuiltBlock[] | null = null
  let invalidCount = 0
  let duplicateCount = 0
  let replayCount = 0
  let malformedCount = 0

  function templates(): Array<BuiltBlock & { signed: SignatureTemplate }> {
    if (invalidTemplates === null) {
      // A key that is not the signer's: even a "valid" signature here would name a wrong signer.
      const builder = createBlockBuilder({
        chain: opts.chain,
        privateKey: devnetKey(`op-gossip attacker ${opts.seed}`),
        seed: opts.seed,
        targetBytes: opts.blockBytes,
        txPoolSize: 256,
        now,
      })
      invalidTemplates = Array.from({ length: INVALID_TEMPLATE_COUNT }, () => {
        const block = builder.next()
        return { ...block, signed: signatureTemplate(block) }
      })
    }
    return invalidTemplates
  }

  function stalePool(): BuiltBlock[] {
    if (replayPool === null) {
      const staleBy =
        DEFAULT_TIMESTAMP_THRESHOLD_SECONDS +
        REPLAY_STALENESS_MARGIN_SECONDS +
        REPLAY_POOL_BLOCKS * opts.chain.blockTime
      const builder = createBlockBuilder({
        chain: opts.chain,
        privateKey: devnetKey(DEVNET_SEQUENCER_KEY_LABEL),
        seed: opts.seed + 1,
        targetBytes: opts.blockBytes,
        txPoolSize: 256,
        startTimestamp: BigInt(Math.floor(now() / 1000) - staleBy),
      })
      replayPool = Array.from({ length: REPLAY_POOL_BLOCKS }, () => builder.next())
    }
    return replayPool
  }

  return {
    invalid() {
      const list = templates()
      const block = list[invalidCount++ % list.length] as BuiltBlock & { signed: SignatureTemplate }
      return { topic: block.topic, data: withRandomSignature(block.signed) }
    },
    duplicate(honest) {
      if (honest === null) return null
      if (honestPayload?.data !== honest.data) {
        const payload = snappyUncompress(honest.data, snappyDecodedLength(honest.data))
        honestPayload = { data: honest.data, payload }
      }
      return { topic: honest.topic, data: reencodePayload(honestPayload.payload, duplicateCount++) }
    },
    replay() {
      const pool = stalePool()
      const block = pool[replayCount++ % pool.length] as BuiltBlock
      return { topic: block.topic, data: block.data }
    },
    malformed(from) {
      const kind = MALFORMED_KINDS[malformedCount++ % MALFORMED_KINDS.length] as MalformedKind
      const block = templates()[malformedCount % INVALID_TEMPLATE_COUNT] as BuiltBlock & {
        signed: SignatureTemplate
      }
      return malformedMessage(kind, block, from)
    },
  }
}

/** One malformed message of `kind`, built from a block template. */
export function malformedMessage(
  kind: MalformedKind,
  block: Pick<BuiltBlock, 'topic' | 'decompressed' | 'data'> & { signed: SignatureTemplate },
  from: Uint8Array,
): AttackMessage {
  switch (kind) {
    case 'from-field':
      return { topic: block.topic, data: withRandomSignature(block.signed), from }
    case 'truncated':
      return { topic: block.topic, data: block.data.subarray(0, block.data.length >> 1) }
    case 'garbage':
      return { topic: block.topic, data: randomBytes(block.decompressed.length) }
    case 'oversize-header': {
      // Declares one byte more than the limit; the body is a little junk (never read).
      const header = varint(MAX_GOSSIP_SIZE_BYTES + 1)
      return { topic: block.topic, data: Uint8Array.from([...header, ...randomBytes(1024)]) }
    }
  }
}
