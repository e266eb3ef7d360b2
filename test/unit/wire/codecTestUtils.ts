/**
 * Helpers for the wire codec tests: fast-check arbitraries for payloads of every version,
 * a raw SSZ builder that can write any offsets (for invalid inputs), and vector comparison.
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import { FIXED_PART_SIZE_BYTES } from '../../../src/wire/ssz.ts'
import type { BlockVersion, ExecutionPayload, Withdrawal } from '../../../src/wire/types.ts'
import { bytesToHex, hexToBytes } from '../../utils/vectors.ts'

const UINT64_MAX = 2n ** 64n - 1n
const UINT256_MAX = 2n ** 256n - 1n

const bytesOf = (size: number) => fc.uint8Array({ minLength: size, maxLength: size })
const uint64 = () => fc.bigInt({ min: 0n, max: UINT64_MAX })

const withdrawalArb: fc.Arbitrary<Withdrawal> = fc.record({
  index: uint64(),
  validatorIndex: uint64(),
  address: bytesOf(20),
  amount: uint64(),
})

/** Random valid payloads of `version`: 0..24 txs of 0..300 bytes, extraData 0..32, withdrawals 0..16. */
export function payloadArb(version: BlockVersion): fc.Arbitrary<ExecutionPayload> {
  const base = fc.record({
    parentHash: bytesOf(32),
    feeRecipient: bytesOf(20),
    stateRoot: bytesOf(32),
    receiptsRoot: bytesOf(32),
    logsBloom: bytesOf(256),
    prevRandao: bytesOf(32),
    blockNumber: uint64(),
    gasLimit: uint64(),
    gasUsed: uint64(),
    timestamp: uint64(),
    extraData: fc.uint8Array({ maxLength: 32 }),
    baseFeePerGas: fc.bigInt({ min: 0n, max: UINT256_MAX }),
    blockHash: bytesOf(32),
    transactions: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 24 }),
  })
  const extras = fc.record({
    withdrawals: fc.array(withdrawalArb, { maxLength: 16 }),
    blobGasUsed: uint64(),
    excessBlobGas: uint64(),
    withdrawalsRoot: bytesOf(32),
  })
  return fc.tuple(base, extras).map(([payload, extra]) => {
    const out: ExecutionPayload = { ...payload }
    if (version >= 2) out.withdrawals = extra.withdrawals
    if (version >= 3) {
      out.blobGasUsed = extra.blobGasUsed
      out.excessBlobGas = extra.excessBlobGas
    }
    if (version === 4) out.withdrawalsRoot = extra.withdrawalsRoot
    return out
  })
}

/** A small fixed payload of `version` with recognisable values. */
export function samplePayload(
  version: BlockVersion,
  overrides: Partial<ExecutionPayload> = {},
): ExecutionPayload {
  const fill = (size: number, byte: number) => new Uint8Array(size).fill(byte)
  const payload: ExecutionPayload = {
    parentHash: fill(32, 1),
    feeRecipient: fill(20, 2),
    stateRoot: fill(32, 3),
    receiptsRoot: fill(32, 4),
    logsBloom: fill(256, 5),
    prevRandao: fill(32, 6),
    blockNumber: 7n,
    gasLimit: 30_000_000n,
    gasUsed: 21_000n,
    timestamp: 1_700_000_000n,
    extraData: fill(3, 0xee),
    baseFeePerGas: 1_000_000_007n,
    blockHash: fill(32, 8),
    transactions: [hexToBytes('0x7e01'), hexToBytes('0x02f8aa')],
  }
  if (version >= 2) payload.withdrawals = []
  if (version >= 3) {
    payload.blobGasUsed = 0n
    payload.excessBlobGas = 0n
  }
  if (version === 4) payload.withdrawalsRoot = fill(32, 9)
  return { ...payload, ...overrides }
}

export interface RawPayloadParts {
  extraData?: Uint8Array
  /** The complete transactions region (offset table + bodies), written as given */
  transactionsRegion?: Uint8Array
  /** The complete withdrawals region (V2+), written as given */
  withdrawalsRegion?: Uint8Array
  /** Override the offsets written into the fixed part */
  extraDataOffset?: number
  transactionsOffset?: number
  withdrawalsOffset?: number
}

/**
 * Builds SSZ payload bytes directly, without the encoder, so tests can write offsets and
 * regions the encoder would never produce. Fixed fields other than the offsets are zero.
 */
export function buildRawPayload(version: BlockVersion, parts: RawPayloadParts = {}): Uint8Array {
  const fixed = FIXED_PART_SIZE_BYTES[version]
  const extraData = parts.extraData ?? new Uint8Array(0)
  const txs = parts.transactionsRegion ?? new Uint8Array(0)
  const withdrawals = parts.withdrawalsRegion ?? new Uint8Array(0)
  const out = new Uint8Array(fixed + extraData.length + txs.length + withdrawals.length)
  const view = new DataView(out.buffer)
  view.setUint32(436, parts.extraDataOffset ?? fixed, true)
  view.setUint32(504, parts.transactionsOffset ?? fixed + extraData.length, true)
  if (version >= 2) {
    view.setUint32(508, parts.withdrawalsOffset ?? fixed + extraData.length + txs.length, true)
  }
  out.set(extraData, fixed)
  out.set(txs, fixed + extraData.length)
  out.set(withdrawals, fixed + extraData.length + txs.length)
  return out
}

/** A transactions region: offset table for `txs` followed by their bytes. */
export function transactionsRegion(txs: Uint8Array[]): Uint8Array {
  const size = txs.reduce((n, tx) => n + 4 + tx.length, 0)
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let at = txs.length * 4
  txs.forEach((tx, i) => {
    view.setUint32(i * 4, at, true)
    out.set(tx, at)
    at += tx.length
  })
  return out
}

/** `count` withdrawals of 44 bytes each (contents irrelevant for size rules). */
export function withdrawalsRegion(count: number): Uint8Array {
  return new Uint8Array(count * 44).fill(0x11)
}

const BIGINT_FIELDS = new Set([
  'blockNumber',
  'gasLimit',
  'gasUsed',
  'timestamp',
  'baseFeePerGas',
  'blobGasUsed',
  'excessBlobGas',
])

/**
 * Asserts a decoded payload equals a vector's `decoded_payload` JSON: the same set of fields,
 * numbers (JSON number or decimal string) as bigints, bytes as hex.
 */
export function expectPayloadMatchesJson(
  payload: ExecutionPayload,
  // biome-ignore lint/suspicious/noExplicitAny: vector JSON is free-form
  expected: Record<string, any>,
): void {
  expect(Object.keys(payload).sort()).toEqual(Object.keys(expected).sort())
  for (const [key, want] of Object.entries(expected)) {
    const got = payload[key as keyof ExecutionPayload]
    if (BIGINT_FIELDS.has(key)) {
      expect(got, key).toBe(BigInt(want))
    } else if (key === 'transactions') {
      expect((got as Uint8Array[]).map(bytesToHex), key).toEqual(want)
    } else if (key === 'withdrawals') {
      const ws = got as Withdrawal[]
      expect(ws.length, key).toBe(want.length)
      ws.forEach((w, i) => {
        expect(w.index).toBe(BigInt(want[i].index))
        expect(w.validatorIndex).toBe(BigInt(want[i].validatorIndex))
        expect(bytesToHex(w.address)).toBe(want[i].address.toLowerCase())
        expect(w.amount).toBe(BigInt(want[i].amount))
      })
    } else {
      expect(bytesToHex(got as Uint8Array), key).toBe(String(want).toLowerCase())
    }
  }
}
