import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type BuiltBlock,
  createBlockBuilder,
  devnetKey,
  sealBlock,
} from '../../../src/blocks/blockBuilder.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import type { ChainConfig, ForkTimes } from '../../../src/chains/types.ts'
import { createSeenBlocks, MAX_SEEN_HEIGHTS } from '../../../src/gossip/seenBlocks.ts'
import {
  type BlockValidatorOptions,
  createBlockValidator,
  DEFAULT_TIMESTAMP_THRESHOLD_SECONDS,
  type ValidationResult,
} from '../../../src/gossip/validator.ts'
import { GOSSIP_REASON_CODES, GossipReason } from '../../../src/wire/errors.ts'
import { computeMessageIdWithData } from '../../../src/wire/msgId.ts'
import {
  addressFromPrivateKey,
  payloadHash,
  recoverSigner,
  signingHash,
  signPayloadHash,
} from '../../../src/wire/signing.ts'
import {
  MAX_GOSSIP_SIZE_BYTES,
  MIN_GOSSIP_SIZE_BYTES,
  snappyCompress,
  snappyDecodedLength,
  snappyUncompress,
} from '../../../src/wire/snappy.ts'
import { blocksTopic } from '../../../src/wire/topics.ts'
import type { ExecutionPayload } from '../../../src/wire/types.ts'
import { bytesToHex, hexToBytes, vector, vectorsAvailable } from '../../utils/vectors.ts'

const SEQ_KEY = devnetKey('validator test sequencer')
const SEQ = addressFromPrivateKey(SEQ_KEY)
const OTHER_KEY = devnetKey('validator test intruder')
const T = 1_800_000_000n
const hex = bytesToHex

/** Forks through `last` at 0, later ones unscheduled (v1..v3 chains). */
function chainUpTo(last: 'regolith' | 'canyon' | 'ecotone', extra: Partial<ForkTimes> = {}) {
  const off = {
    regolith: ['canyon', 'delta', 'ecotone', 'fjord', 'granite', 'holocene', 'isthmus'],
    canyon: ['ecotone', 'fjord', 'granite', 'holocene', 'isthmus'],
    ecotone: ['isthmus'],
  }[last]
  return createDevnetChain({
    forks: { ...Object.fromEntries(off.map((f) => [f, null])), ...extra },
  })
}

function build(chain: ChainConfig, opts: { txCount?: number; timestamp?: bigint } = {}) {
  const builder = createBlockBuilder({
    chain,
    privateKey: SEQ_KEY,
    startTimestamp: opts.timestamp ?? T,
    txCount: opts.txCount ?? 3,
  })
  return builder.next()
}

function validatorFor(chain: ChainConfig, overrides: Partial<BlockValidatorOptions> = {}) {
  return createBlockValidator({
    chain,
    signer: () => SEQ,
    now: () => Number(T) * 1000,
    ...overrides,
  })
}

/** A copy of the block with `modify` applied, re-hashed (unless keepBlockHash) and re-signed. */
function reseal(
  chain: ChainConfig,
  block: BuiltBlock,
  modify: (p: ExecutionPayload) => void,
  opts: { key?: Uint8Array; keepBlockHash?: boolean } = {},
): BuiltBlock {
  const src = block.envelope.payload
  const payload: ExecutionPayload = { ...src, transactions: [...src.transactions] }
  if (src.withdrawals !== undefined) payload.withdrawals = [...src.withdrawals]
  modify(payload)
  const root = block.envelope.parentBeaconBlockRoot
  const sealed = sealBlock({
    chainId: chain.chainId,
    privateKey: opts.key ?? SEQ_KEY,
    version: block.version,
    payload,
    ...(root !== undefined ? { parentBeaconBlockRoot: root } : {}),
    ...(opts.keepBlockHash === true ? { keepBlockHash: true } : {}),
  })
  return { ...sealed, topic: block.topic }
}

/** Signs arbitrary decompressed bytes (signature over bytes[65:]) and compresses them. */
function signRaw(chain: ChainConfig, decompressed: Uint8Array, key = SEQ_KEY): Uint8Array {
  const out = decompressed.slice()
  out.set(signPayloadHash(key, signingHash(chain.chainId, payloadHash(out.subarray(65)))), 0)
  return snappyCompress(out)
}

/** The decompressed message with `mutate` applied, compressed again (signature untouched). */
function mutateRaw(block: BuiltBlock, mutate: (d: Uint8Array) => void): Uint8Array {
  const d = block.decompressed.slice()
  mutate(d)
  return snappyCompress(d)
}

/** A Snappy stream holding only a uvarint length header. */
function headerOnly(length: number): Uint8Array {
  const out: number[] = []
  let n = length
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return Uint8Array.from(out)
}

function expectVerdict(r: ValidationResult, verdict: string, reason: string | null) {
  expect({ verdict: r.verdict, reason: r.reason }).toEqual({ verdict, reason })
}

describe('gossip / validator', () => {
  const chain = createDevnetChain()
  const block = build(chain)

  describe('accept path', () => {
    it('accepts a built block and returns the decoded envelope, signer and hash', () => {
      const r = validatorFor(chain).validate(block.topic, block.data)
      expectVerdict(r, 'accept', null)
      if (r.verdict !== 'accept') return
      expect(r.version).toBe(4)
      expect(r.envelope.payload.blockNumber).toBe(block.blockNumber)
      expect(hex(r.envelope.payload.blockHash)).toBe(hex(block.blockHash))
      expect(hex(r.computedBlockHash as Uint8Array)).toBe(hex(block.blockHash))
      expect(hex(r.signer as Uint8Array)).toBe(hex(SEQ))
      expect(r.envelope.payload.transactions).toHaveLength(4)
      expect(r.decodedLength).toBe(block.decompressed.length)
      expect(r.timings.totalUs).toBeGreaterThan(0)
    })

    const versions = [
      ['v1', chainUpTo('regolith'), 1],
      ['v2', chainUpTo('canyon'), 2],
      ['v3', chainUpTo('ecotone'), 3],
      ['v4', chain, 4],
      ['v4 + Jovian', createDevnetChain({ forks: { jovian: 0 } }), 4],
    ] as const
    for (const [name, c, version] of versions) {
      it(`accepts ${name} blocks on the ${version - 1} topic`, () => {
        const b = build(c)
        expect(b.topic).toBe(blocksTopic(c.chainId, version))
        const r = validatorFor(c).validate(b.topic, b.data)
        expectVerdict(r, 'accept', null)
        expect(r.version).toBe(version)
      })
    }

    it('reuses decompressed bytes handed over by the message-ID function', () => {
      const { decompressed } = computeMessageIdWithData(block.topic, block.data)
      const r = validatorFor(chain).validate(block.topic, block.data, { decompressed })
      expectVerdict(r, 'accept', null)
      // The envelope views the very buffer that was handed over: no second decompression.
      expect(r.envelope?.signedBytes.buffer).toBe(decompressed?.buffer)
    })
  })

  describe('topic and Snappy (steps 0-4)', () => {
    it('rejects a topic that is not one of the chain four block topics', () => {
      const v = validatorFor(chain)
      expectVerdict(v.validate(blocksTopic(902, 4), block.data), 'reject', 'UNKNOWN_TOPIC')
      expectVerdict(v.validate('/optimism/901/4/blocks', block.data), 'reject', 'UNKNOWN_TOPIC')
      expectVerdict(v.validate('blocks', block.data), 'reject', 'UNKNOWN_TOPIC')
      expect(v.topics).toEqual([1, 2, 3, 4].map((n) => `/optimism/901/${n - 1}/blocks`))
    })

    it('rejects an unreadable Snappy header', () => {
      const v = validatorFor(chain)
      expectVerdict(v.validate(block.topic, new Uint8Array(0)), 'reject', 'SNAPPY_BAD_HEADER')
      expectVerdict(
        v.validate(block.topic, Uint8Array.of(0x80, 0x80)),
        'reject',
        'SNAPPY_BAD_HEADER',
      )
    })

    it('rejects a declared length past 10 MiB from the header alone', () => {
      expect(MAX_GOSSIP_SIZE_BYTES).toBe(10 * 2 ** 20)
      const v = validatorFor(chain)
      const past = v.validate(block.topic, headerOnly(MAX_GOSSIP_SIZE_BYTES + 1))
      expectVerdict(past, 'reject', 'SNAPPY_TOO_LARGE')
      expect(past.decodedLength).toBe(MAX_GOSSIP_SIZE_BYTES + 1)
      // At the limit the size check passes; the header-only body then fails to decode.
      const at = v.validate(block.topic, headerOnly(MAX_GOSSIP_SIZE_BYTES))
      expectVerdict(at, 'reject', 'SNAPPY_CORRUPT')
      expectVerdict(v.validate(block.topic, headerOnly(2 ** 32 - 1)), 'reject', 'SNAPPY_TOO_LARGE')
    })

    it('rejects a 65-byte message and lets a 66-byte one through to the signature check', () => {
      expect(MIN_GOSSIP_SIZE_BYTES).toBe(66)
      const v = validatorFor(chain)
      const small = snappyCompress(new Uint8Array(65))
      expectVerdict(v.validate(block.topic, small), 'reject', 'SNAPPY_TOO_SMALL')
      // 66 zero bytes: an all-zero signature cannot be recovered.
      const min = snappyCompress(new Uint8Array(66))
      expectVerdict(v.validate(block.topic, min), 'reject', 'BAD_SIGNATURE')
    })

    it('rejects a corrupt Snappy body', () => {
      const corrupt = block.data.slice(0, block.data.length - 7)
      expectVerdict(validatorFor(chain).validate(block.topic, corrupt), 'reject', 'SNAPPY_CORRUPT')
    })
  })

  describe('signature (steps 6-8, op-node order: recover, then compare)', () => {
    it('rejects a signature with v = 27', () => {
      const data = mutateRaw(block, (d) => {
        d[64] = 27
      })
      expectVerdict(validatorFor(chain).validate(block.topic, data), 'reject', 'BAD_SIGNATURE')
    })

    it('ignores an unrecoverable signature when no signer is configured (unset is checked first)', () => {
      const data = mutateRaw(block, (d) => {
        d.fill(0, 0, 64)
      })
      const v = validatorFor(chain, { signer: () => null })
      expectVerdict(v.validate(block.topic, data), 'ignore', 'SIGNER_UNKNOWN')
      expectVerdict(validatorFor(chain).validate(block.topic, data), 'reject', 'BAD_SIGNATURE')
    })

    it('accepts v = 0..7 with recovery id v & 3 and rejects v >= 8 (official no-cgo op-node)', () => {
      const v0 = block.decompressed[64] as number
      for (const [v, verdict] of [
        [v0, 'accept'],
        [v0 + 4, 'accept'],
        [v0 ^ 1, 'reject'],
        [(v0 ^ 1) + 4, 'reject'],
        [3, 'reject'],
        [7, 'reject'],
        [8, 'reject'],
        [v0 + 8, 'reject'],
        [27, 'reject'],
        [28, 'reject'],
      ] as const) {
        const data = mutateRaw(block, (d) => {
          d[64] = v
        })
        const r = validatorFor(chain).validate(block.topic, data)
        expect(r.verdict, `v=${v}`).toBe(verdict)
        // 2/3 and 6/7 (recovery ids 2/3) and v >= 8 never recover for a real signature.
        if (v >= 8 || (v & 3) >= 2) expect(r.reason, `v=${v}`).toBe('BAD_SIGNATURE')
      }
    })

    it('ignores a block when no signer is configured (null, undefined or zero address)', () => {
      for (const signer of [null, undefined, new Uint8Array(20)]) {
        const v = validatorFor(chain, { signer: () => signer })
        const r = v.validate(block.topic, block.data)
        expectVerdict(r, 'ignore', 'SIGNER_UNKNOWN')
        // Decided before any recovery; inspect (decodeFully) still shows who signed.
        expect(r.signer).toBeNull()
        const full = v.validate(block.topic, block.data, { decodeFully: true })
        expectVerdict(full, 'ignore', 'SIGNER_UNKNOWN')
        expect(hex(full.signer as Uint8Array)).toBe(hex(SEQ))
      }
    })

    it('rejects a block signed by another key', () => {
      const forged = reseal(chain, block, () => {}, { key: OTHER_KEY })
      const r = validatorFor(chain).validate(forged.topic, forged.data)
      expectVerdict(r, 'reject', 'WRONG_SIGNER')
      expect(hex(r.signer as Uint8Array)).toBe(hex(addressFromPrivateKey(OTHER_KEY)))
    })

    it('rejects a block signed for another chain id', () => {
      const other = createDevnetChain({ chainId: 902 })
      const foreign = reseal(other, block, () => {})
      expectVerdict(
        validatorFor(chain).validate(block.topic, foreign.data),
        'reject',
        'WRONG_SIGNER',
      )
    })

    it('reads the signer for every message (key rotation)', () => {
      let current = SEQ
      const v = validatorFor(chain, { signer: () => current })
      const b2 = reseal(chain, block, (p) => {
        p.blockNumber += 1n
      })
      expectVerdict(v.validate(block.topic, block.data), 'accept', null)
      current = addressFromPrivateKey(OTHER_KEY)
      expectVerdict(v.validate(b2.topic, b2.data), 'reject', 'WRONG_SIGNER')
      const b3 = reseal(chain, b2, () => {}, { key: OTHER_KEY })
      expectVerdict(v.validate(b3.topic, b3.data), 'accept', null)
    })
  })

  describe('signer rotation grace window (op-node PR #20063)', () => {
    const NEXT_KEY = OTHER_KEY
    const NEXT = addressFromPrivateKey(NEXT_KEY)
    function policy(current: Uint8Array | null, previous: Uint8Array | null) {
      const state = { previous, confirmations: 0 }
      return {
        state,
        signer: {
          current: () => current,
          previousInGrace: () => state.previous,
          currentSignerVerified: () => {
            state.confirmations++
            state.previous = null
          },
        },
      }
    }

    it('accepts the previous signer inside its window and rejects a third signer', () => {
      const p = policy(NEXT, SEQ)
      const v = validatorFor(chain, { signer: p.signer })
      expectVerdict(v.validate(block.topic, block.data), 'accept', null)
      expect(p.state.confirmations).toBe(0)
      const third = reseal(
        chain,
        block,
        (x) => {
          x.blockNumber += 5n
        },
        { key: devnetKey('a third signer') },
      )
      expectVerdict(v.validate(third.topic, third.data), 'reject', 'WRONG_SIGNER')
    })

    it('a block verified for the current signer closes the window, even when refused later', () => {
      const p = policy(NEXT, SEQ)
      const v = validatorFor(chain, { signer: p.signer, now: () => Number(T + 600n) * 1000 })
      // Signed by the new signer but too old: the signature verified before the timestamp step.
      const stale = reseal(chain, block, () => {}, { key: NEXT_KEY })
      expectVerdict(v.validate(stale.topic, stale.data), 'reject', 'TIMESTAMP_TOO_OLD')
      expect(p.state.confirmations).toBe(1)
      const old = reseal(chain, block, (x) => {
        x.blockNumber += 1n
      })
      expectVerdict(v.validate(old.topic, old.data), 'reject', 'WRONG_SIGNER')
    })

    it('outside the window the previous signer is a wrong signer', () => {
      const v = validatorFor(chain, { signer: policy(NEXT, null).signer })
      expectVerdict(v.validate(block.topic, block.data), 'reject', 'WRONG_SIGNER')
    })

    it('an unset current signer ignores every block, the previous signer included', () => {
      const v = validatorFor(chain, { signer: policy(null, SEQ).signer })
      expectVerdict(v.validate(block.topic, block.data), 'ignore', 'SIGNER_UNKNOWN')
    })
  })

  describe('decode (step 9)', () => {
    it('rejects signed bytes that are not a valid SSZ payload', () => {
      const bad = block.decompressed.slice()
      // extraData offset (at 436 in the SSZ payload, after signature and beacon root) ≠ 560
      new DataView(bad.buffer).setUint32(65 + 32 + 436, 561, true)
      expectVerdict(
        validatorFor(chain).validate(block.topic, signRaw(chain, bad)),
        'reject',
        'SSZ_INVALID',
      )
    })

    it('rejects a v3+ message too short for the parent beacon block root', () => {
      const tiny = signRaw(chain, new Uint8Array(66))
      expectVerdict(validatorFor(chain).validate(block.topic, tiny), 'reject', 'SSZ_INVALID')
    })

    it('decodes by topic: a v4 block on the v3 topic fails to decode', () => {
      const r = validatorFor(chain).validate(blocksTopic(chain.chainId, 3), block.data)
      expectVerdict(r, 'reject', 'SSZ_INVALID')
    })
  })

  describe('timestamp window (steps 10-11)', () => {
    const at = (nowSeconds: bigint, extraMs = 0, threshold?: number) =>
      validatorFor(chain, {
        now: () => Number(nowSeconds) * 1000 + extraMs,
        ...(threshold !== undefined ? { timestampThresholdSeconds: threshold } : {}),
      }).validate(block.topic, block.data)

    it('accepts exactly now - 60 and rejects now - 61', () => {
      expect(DEFAULT_TIMESTAMP_THRESHOLD_SECONDS).toBe(60)
      expectVerdict(at(T + 60n), 'accept', null)
      expectVerdict(at(T + 60n, 999), 'accept', null) // whole seconds: floor
      expectVerdict(at(T + 61n), 'reject', 'TIMESTAMP_TOO_OLD')
    })

    it('accepts exactly now + 5 and rejects now + 6', () => {
      expectVerdict(at(T - 5n), 'accept', null)
      expectVerdict(at(T - 6n, 999), 'reject', 'TIMESTAMP_TOO_NEW')
    })

    it('uses the configured threshold', () => {
      expectVerdict(at(T + 10n, 0, 10), 'accept', null)
      expectVerdict(at(T + 11n, 0, 10), 'reject', 'TIMESTAMP_TOO_OLD')
      expectVerdict(at(T + 3600n, 0, 3600), 'accept', null)
    })
  })

  describe('block hash (step 12)', () => {
    it('rejects a payload whose blockHash is not its header hash', () => {
      const bad = reseal(
        chain,
        block,
        (p) => {
          p.blockHash = new Uint8Array(32).fill(0xab)
        },
        { keepBlockHash: true },
      )
      const r = validatorFor(chain).validate(bad.topic, bad.data)
      expectVerdict(r, 'reject', 'BLOCK_HASH_MISMATCH')
      expect(hex(r.computedBlockHash as Uint8Array)).toBe(hex(block.blockHash))
    })

    it('rejects a changed field signed with the old hash', () => {
      const bad = reseal(
        chain,
        block,
        (p) => {
          p.gasUsed += 1n
        },
        { keepBlockHash: true },
      )
      expectVerdict(
        validatorFor(chain).validate(bad.topic, bad.data),
        'reject',
        'BLOCK_HASH_MISMATCH',
      )
    })
  })

  describe('version rules (steps 13-22)', () => {
    const withdrawal = {
      index: 1n,
      validatorIndex: 2n,
      address: new Uint8Array(20).fill(7),
      amount: 3n,
    }

    for (const [name, c] of [
      ['v2', chainUpTo('canyon')],
      ['v3', chainUpTo('ecotone')],
      ['v4', chain],
    ] as const) {
      it(`rejects a non-empty withdrawals list on ${name} (hash matching)`, () => {
        const b = build(c)
        const bad = reseal(c, b, (p) => {
          p.withdrawals = [withdrawal]
        })
        expectVerdict(
          validatorFor(c).validate(bad.topic, bad.data),
          'reject',
          'WITHDRAWALS_NOT_EMPTY',
        )
      })
    }

    it('rejects non-zero blobGasUsed before Jovian and accepts it once Jovian is active', () => {
      const bad = reseal(chain, block, (p) => {
        p.blobGasUsed = 1234n
      })
      expectVerdict(
        validatorFor(chain).validate(bad.topic, bad.data),
        'reject',
        'BLOB_GAS_USED_NOT_ZERO',
      )
      const jovian = createDevnetChain({ forks: { jovian: 0 } })
      expectVerdict(validatorFor(jovian).validate(bad.topic, bad.data), 'accept', null)
    })

    it('applies the Jovian rule by the payload timestamp', () => {
      const c = createDevnetChain({ forks: { jovian: Number(T) + 2 } })
      const before = reseal(c, build(c), (p) => {
        p.blobGasUsed = 1n
      })
      const after = reseal(c, build(c, { timestamp: T + 2n }), (p) => {
        p.blobGasUsed = 1n
      })
      const v = validatorFor(c)
      expectVerdict(v.validate(before.topic, before.data), 'reject', 'BLOB_GAS_USED_NOT_ZERO')
      expectVerdict(v.validate(after.topic, after.data), 'accept', null)
    })

    it('accepts Jovian blocks carrying a DA footprint in blobGasUsed', () => {
      const c = createDevnetChain({ forks: { jovian: 0 } })
      const b = build(c)
      expect(b.envelope.payload.blobGasUsed).toBeGreaterThan(0n)
      expectVerdict(validatorFor(c).validate(b.topic, b.data), 'accept', null)
      expectVerdict(
        validatorFor(chain).validate(b.topic, b.data),
        'reject',
        'BLOB_GAS_USED_NOT_ZERO',
      )
    })

    it('rejects non-zero excessBlobGas on v3 and v4, Jovian or not', () => {
      for (const c of [chainUpTo('ecotone'), chain, createDevnetChain({ forks: { jovian: 0 } })]) {
        const bad = reseal(c, build(c), (p) => {
          p.excessBlobGas = 1n
        })
        expectVerdict(
          validatorFor(c).validate(bad.topic, bad.data),
          'reject',
          'EXCESS_BLOB_GAS_INVALID',
        )
      }
    })
  })

  describe('seen cache (steps 23-25)', () => {
    const sibling = (i: number) =>
      reseal(chain, block, (p) => {
        p.stateRoot = new Uint8Array(32).fill(i)
      })

    it('accepts 6 distinct blocks at one height and rejects the 7th', () => {
      const v = validatorFor(chain)
      for (let i = 1; i <= 6; i++)
        expectVerdict(v.validate(block.topic, sibling(i).data), 'accept', null)
      expectVerdict(v.validate(block.topic, sibling(7).data), 'reject', 'TOO_MANY_BLOCKS_AT_HEIGHT')
      // A re-sent known hash is rejected too once the height is full.
      expectVerdict(v.validate(block.topic, sibling(1).data), 'reject', 'TOO_MANY_BLOCKS_AT_HEIGHT')
    })

    it('ignores a repeated block hash', () => {
      const v = validatorFor(chain)
      expectVerdict(v.validate(block.topic, block.data), 'accept', null)
      expectVerdict(v.validate(block.topic, block.data), 'ignore', 'DUPLICATE_BLOCK')
      expectVerdict(v.validate(block.topic, sibling(9).data), 'accept', null)
      expectVerdict(v.validate(block.topic, sibling(9).data), 'ignore', 'DUPLICATE_BLOCK')
    })

    it('does not record refused blocks', () => {
      const seen = createSeenBlocks()
      const v = validatorFor(chain, { createSeenBlocks: () => seen, signer: () => null })
      v.validate(block.topic, block.data)
      expect(seen.countAt(block.blockNumber)).toBe(0)
      expect(v.seenBlocksFor(block.topic)).toBe(seen)
    })

    it('keeps one seen cache per topic, as op-node keeps one validator per topic', () => {
      const v = validatorFor(chain)
      expectVerdict(v.validate(block.topic, block.data), 'accept', null)
      const caches = v.topics.map((t) => v.seenBlocksFor(t))
      expect(new Set(caches).size).toBe(4)
      expect(v.seenBlocksFor(block.topic)?.countAt(block.blockNumber)).toBe(1)
      for (const t of v.topics.filter((t) => t !== block.topic)) {
        expect(v.seenBlocksFor(t)?.countAt(block.blockNumber)).toBe(0)
      }
      expect(v.seenBlocksFor('/optimism/902/3/blocks')).toBeUndefined()
      v.clearSeenBlocks()
      expect(v.seenBlocksFor(block.topic)?.size).toBe(0)
    })

    it('forgets the least recently used height after 1000 heights', () => {
      const builder = createBlockBuilder({
        chain,
        privateKey: SEQ_KEY,
        startTimestamp: T,
        txCount: 0,
      })
      const v = validatorFor(chain, { now: () => Number(T) * 1000 })
      const first = builder.next({ timestamp: T })
      expectVerdict(v.validate(first.topic, first.data), 'accept', null)
      let last = first
      for (let i = 1; i <= MAX_SEEN_HEIGHTS; i++) {
        last = builder.next({ timestamp: T })
        expectVerdict(v.validate(last.topic, last.data), 'accept', null)
      }
      expect(v.seenBlocksFor(last.topic)?.size).toBe(MAX_SEEN_HEIGHTS)
      expectVerdict(v.validate(last.topic, last.data), 'ignore', 'DUPLICATE_BLOCK')
      // The first height was evicted: its block counts as new again.
      expectVerdict(v.validate(first.topic, first.data), 'accept', null)
    })
  })

  describe('op-node order', () => {
    it('reports BAD_SIGNATURE for a message with a bad signature and a bad block hash', () => {
      const badHash = reseal(
        chain,
        block,
        (p) => {
          p.blockHash = new Uint8Array(32)
        },
        { keepBlockHash: true },
      )
      const data = snappyCompress(
        (() => {
          const d = badHash.decompressed.slice()
          d[64] = 27
          return d
        })(),
      )
      expectVerdict(validatorFor(chain).validate(block.topic, data), 'reject', 'BAD_SIGNATURE')
    })

    it('reports TIMESTAMP_TOO_OLD for a too-old message with a bad block hash', () => {
      const bad = reseal(
        chain,
        block,
        (p) => {
          p.blockHash = new Uint8Array(32)
        },
        { keepBlockHash: true },
      )
      const v = validatorFor(chain, { now: () => Number(T + 61n) * 1000 })
      expectVerdict(v.validate(bad.topic, bad.data), 'reject', 'TIMESTAMP_TOO_OLD')
    })

    it('reports BLOCK_HASH_MISMATCH before the withdrawal rule', () => {
      const bad = reseal(
        chain,
        block,
        (p) => {
          p.withdrawals = [
            { index: 0n, validatorIndex: 0n, address: new Uint8Array(20), amount: 0n },
          ]
          p.blockHash = new Uint8Array(32)
        },
        { keepBlockHash: true },
      )
      expectVerdict(
        validatorFor(chain).validate(bad.topic, bad.data),
        'reject',
        'BLOCK_HASH_MISMATCH',
      )
    })

    it('reports WRONG_SIGNER before SSZ errors, and SIGNER_UNKNOWN before timestamps', () => {
      const bad = block.decompressed.slice()
      new DataView(bad.buffer).setUint32(65 + 32 + 436, 1, true)
      const wrong = signRaw(chain, bad, OTHER_KEY)
      expectVerdict(validatorFor(chain).validate(block.topic, wrong), 'reject', 'WRONG_SIGNER')
      const v = validatorFor(chain, { signer: () => null, now: () => 0 })
      expectVerdict(v.validate(block.topic, block.data), 'ignore', 'SIGNER_UNKNOWN')
    })
  })

  describe('robustness', () => {
    it('turns an exception inside validation into INTERNAL_ERROR instead of throwing', () => {
      const v = validatorFor(chain, {
        signer: () => {
          throw new Error('signer source broke')
        },
      })
      expectVerdict(v.validate(block.topic, block.data), 'reject', 'INTERNAL_ERROR')
      const clockless = validatorFor(chain, {
        now: () => {
          throw new Error('no clock')
        },
      })
      expectVerdict(clockless.validate(block.topic, block.data), 'reject', 'INTERNAL_ERROR')
    })

    it('decodeFully fills payload, signer and hash past the deciding step, without recording', () => {
      const data = mutateRaw(block, (d) => {
        d[64] = 27
      })
      const v = validatorFor(chain)
      const r = v.validate(block.topic, data, { decodeFully: true })
      expectVerdict(r, 'reject', 'BAD_SIGNATURE')
      expect(r.signer).toBeNull()
      expect(r.envelope?.payload.blockNumber).toBe(block.blockNumber)
      expect(hex(r.computedBlockHash as Uint8Array)).toBe(hex(block.blockHash))
      expect(v.seenBlocksFor(block.topic)?.size).toBe(0)
      const unsigned = validatorFor(chain, { signer: () => null, now: () => 0 })
      const u = unsigned.validate(block.topic, block.data, { decodeFully: true })
      expectVerdict(u, 'ignore', 'SIGNER_UNKNOWN')
      expect(hex(u.computedBlockHash as Uint8Array)).toBe(hex(block.blockHash))
      // Without decodeFully the same message stops at the signature.
      const fast = validatorFor(chain).validate(block.topic, data)
      expect(fast.envelope).toBeNull()
      expect(fast.computedBlockHash).toBeNull()
    })

    it('never throws and always returns a known verdict for random bytes', () => {
      const v = validatorFor(chain)
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom(1, 2, 3, 4), (data, n) => {
          const r = v.validate(blocksTopic(chain.chainId, n as 1 | 2 | 3 | 4), data)
          expect(['accept', 'reject', 'ignore']).toContain(r.verdict)
          if (r.reason !== null) expect(GossipReason[r.reason]).toBe(r.verdict)
        }),
        { numRuns: 300 },
      )
    })

    it('never throws on single-byte mutations of a valid message (compressed or not)', () => {
      fc.assert(
        fc.property(
          fc.boolean(),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          (compressed, pos, xor) => {
            const v = validatorFor(chain)
            const data = compressed
              ? (() => {
                  const d = block.data.slice()
                  const i = pos % d.length
                  d[i] = (d[i] as number) ^ xor
                  return d
                })()
              : mutateRaw(block, (d) => {
                  const i = pos % d.length
                  d[i] = (d[i] as number) ^ xor
                })
            const r = v.validate(block.topic, data)
            expect(GOSSIP_REASON_CODES.includes(r.reason as never) || r.reason === null).toBe(true)
            // A flipped byte can never yield an accepted block with a different hash.
            if (r.verdict === 'accept')
              expect(hex(r.envelope.payload.blockHash)).toBe(hex(block.blockHash))
          },
        ),
        { numRuns: 300 },
      )
    })
  })

  describe.skipIf(!vectorsAvailable)('op-alloy vectors (chain id 100)', () => {
    const DEV5 = hexToBytes('0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc')
    const chain100 = createDevnetChain({ chainId: 100 })
    const names = [1, 2, 3, 4].map((n) => `test_roundtrip_encode_envelope_v${n}`)

    for (const [i, name] of names.slice(0, 3).entries()) {
      it(`v${i + 1}: the signature checks out; real now → too old, its own time → accept`, () => {
        const vec = vector('op-alloy-gossip-envelopes.json', name)
        const data = hexToBytes(vec.input.snappy_message_hex)
        const topic = blocksTopic(100, (i + 1) as 1 | 2 | 3)
        const live = createBlockValidator({ chain: chain100, signer: () => DEV5 })
        const r = live.validate(topic, data)
        expectVerdict(r, 'reject', 'TIMESTAMP_TOO_OLD')
        expect(hex(r.signer as Uint8Array)).toBe(vec.derived?.recovered_signer_chain_id_100)
        const then = createBlockValidator({
          chain: chain100,
          signer: () => DEV5,
          now: () => vec.expected.timestamp * 1000,
        })
        // These synthetic blocks' hashes do recompute (derived.recomputed_block_hash_equals_…).
        const t = then.validate(topic, data)
        expectVerdict(t, 'accept', null)
        expect(hex(t.computedBlockHash as Uint8Array)).toBe(vec.derived?.recomputed_block_hash)
      })
    }

    it('v4: recovers to an unknown address; with that signer the zero block hash is rejected', () => {
      const vec = vector('op-alloy-gossip-envelopes.json', names[3] as string)
      const data = hexToBytes(vec.input.snappy_message_hex)
      const d = snappyUncompress(data, snappyDecodedLength(data))
      const signer = recoverSigner(
        signingHash(100, payloadHash(d.subarray(65))),
        d.subarray(0, 65),
      ) as Uint8Array
      expect(hex(signer)).toBe(vec.derived?.recovered_signer_chain_id_100)
      const v = createBlockValidator({
        chain: chain100,
        signer: () => signer,
        now: () => vec.expected.timestamp * 1000,
      })
      const r = v.validate(blocksTopic(100, 4), data)
      expectVerdict(r, 'reject', 'BLOCK_HASH_MISMATCH')
      expect(hex(r.computedBlockHash as Uint8Array)).toBe(vec.derived?.recomputed_block_hash)
      const dev5 = createBlockValidator({ chain: chain100, signer: () => DEV5, now: () => 0 })
      expectVerdict(dev5.validate(blocksTopic(100, 4), data), 'reject', 'WRONG_SIGNER')
    })
  })
})
