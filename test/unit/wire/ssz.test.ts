import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GossipValidationError } from '../../../src/wire/errors.ts'
import {
  decodeExecutionPayload,
  encodeExecutionPayload,
  FIXED_PART_SIZE_BYTES,
  MAX_EXTRA_DATA_SIZE_BYTES,
  MAX_TRANSACTIONS_PER_PAYLOAD,
  MAX_WITHDRAWALS_PER_PAYLOAD,
  PayloadEncodingError,
  WITHDRAWAL_SIZE_BYTES,
} from '../../../src/wire/ssz.ts'
import { BLOCK_VERSIONS, type BlockVersion } from '../../../src/wire/types.ts'
import {
  bytesToHex,
  hexToBytes,
  loadVectors,
  vector,
  vectorsAvailable,
} from '../../utils/vectors.ts'
import {
  buildRawPayload,
  expectPayloadMatchesJson,
  payloadArb,
  samplePayload,
  transactionsRegion,
  withdrawalsRegion,
} from './codecTestUtils.ts'

/** Asserts `fn` throws GossipValidationError SSZ_INVALID whose message matches `rule`. */
function expectSszInvalid(fn: () => unknown, rule: RegExp): void {
  let thrown: unknown
  try {
    fn()
  } catch (err) {
    thrown = err
  }
  expect(thrown).toBeInstanceOf(GossipValidationError)
  const err = thrown as GossipValidationError
  expect(err.code).toBe('SSZ_INVALID')
  expect(err.verdict).toBe('reject')
  expect(err.message).toMatch(rule)
}

/** Per-version facts; a Record over BlockVersion so a missing version fails to compile. */
const VERSION_TABLE: Record<
  BlockVersion,
  { fixedSize: number; withdrawals: boolean; blobGas: boolean; withdrawalsRoot: boolean }
> = {
  1: { fixedSize: 508, withdrawals: false, blobGas: false, withdrawalsRoot: false },
  2: { fixedSize: 512, withdrawals: true, blobGas: false, withdrawalsRoot: false },
  3: { fixedSize: 528, withdrawals: true, blobGas: true, withdrawalsRoot: false },
  4: { fixedSize: 560, withdrawals: true, blobGas: true, withdrawalsRoot: true },
}
const VERSIONS_WITH_WITHDRAWALS = BLOCK_VERSIONS.filter((v) => VERSION_TABLE[v].withdrawals)

describe('wire / ssz', () => {
  describe.each(BLOCK_VERSIONS)('V%i layout', (version) => {
    const facts = VERSION_TABLE[version]

    it('has the op-node fixed-part size', () => {
      expect(FIXED_PART_SIZE_BYTES[version]).toBe(facts.fixedSize)
    })

    it('decodes an empty payload of exactly the fixed size, fails one byte short', () => {
      const exact = buildRawPayload(version)
      expect(exact.length).toBe(facts.fixedSize)
      const payload = decodeExecutionPayload(exact, version)
      expect(payload.transactions).toEqual([])
      expect(payload.extraData.length).toBe(0)
      expect(payload.withdrawals !== undefined).toBe(facts.withdrawals)
      expect(payload.blobGasUsed !== undefined).toBe(facts.blobGas)
      expect(payload.excessBlobGas !== undefined).toBe(facts.blobGas)
      expect(payload.withdrawalsRoot !== undefined).toBe(facts.withdrawalsRoot)
      expectSszInvalid(
        () => decodeExecutionPayload(exact.subarray(0, facts.fixedSize - 1), version),
        /shorter than/,
      )
    })

    it('requires the extraData offset to equal the fixed size', () => {
      for (const delta of [-4, -1, 1, 4]) {
        const bytes = buildRawPayload(version, {
          extraData: new Uint8Array(8),
          extraDataOffset: facts.fixedSize + delta,
        })
        expectSszInvalid(() => decodeExecutionPayload(bytes, version), /extraData offset/)
      }
    })

    it(`accepts ${MAX_EXTRA_DATA_SIZE_BYTES} bytes of extraData and rejects 33`, () => {
      const at = buildRawPayload(version, { extraData: new Uint8Array(32).fill(0xab) })
      expect(bytesToHex(decodeExecutionPayload(at, version).extraData)).toBe(`0x${'ab'.repeat(32)}`)
      const past = buildRawPayload(version, { extraData: new Uint8Array(33) })
      expectSszInvalid(() => decodeExecutionPayload(past, version), /extraData of 33 bytes exceeds/)
    })

    it('rejects a transactions offset before extraData or past the end', () => {
      const before = buildRawPayload(version, { transactionsOffset: facts.fixedSize - 1 })
      expectSszInvalid(() => decodeExecutionPayload(before, version), /before extraData/)
      // past the end, within the extraData limit (V1 has no withdrawals offset to catch it first)
      const past = buildRawPayload(version, {
        extraData: new Uint8Array(4),
        transactionsOffset: facts.fixedSize + 5,
        withdrawalsOffset: facts.fixedSize + 5,
      })
      expectSszInvalid(
        () => decodeExecutionPayload(past, version),
        /exceeds 32 or the payload|past the end/,
      )
    })

    it('decodes transactions as views into the input (no copies)', () => {
      const txs = [hexToBytes('0x7e0102'), new Uint8Array(0), hexToBytes('0x02ff')]
      const bytes = buildRawPayload(version, { transactionsRegion: transactionsRegion(txs) })
      const payload = decodeExecutionPayload(bytes, version)
      expect(payload.transactions.map(bytesToHex)).toEqual(['0x7e0102', '0x', '0x02ff'])
      for (const tx of payload.transactions) expect(tx.buffer).toBe(bytes.buffer)
      expect(payload.parentHash.buffer).toBe(bytes.buffer)
    })

    it('applies every transactions-region rule', () => {
      const cases: [string, Uint8Array, RegExp][] = [
        ['region shorter than one offset', new Uint8Array(3), /cannot hold the first offset/],
        ['first offset not a multiple of 4', u32s(6, 0), /not a multiple of 4/],
        ['first offset past the region', u32s(12), /past the region/],
        ['first offset 0 with bytes left', u32s(0, 0), /first transaction offset is 0/],
        ['decreasing offsets', u32s(12, 13, 12, 0xff), /bad end offset/],
        ['offset past the region', u32s(8, 9), /bad end offset/],
      ]
      for (const [name, region, rule] of cases) {
        const bytes = buildRawPayload(version, { transactionsRegion: region })
        expect(() => decodeExecutionPayload(bytes, version), name).toThrow(GossipValidationError)
        expectSszInvalid(() => decodeExecutionPayload(bytes, version), rule)
      }
    })

    it('round-trips random payloads encode → decode → encode byte-for-byte', () => {
      fc.assert(
        fc.property(payloadArb(version), (payload) => {
          const bytes = encodeExecutionPayload(payload, version)
          const decoded = decodeExecutionPayload(bytes, version)
          expect(decoded).toEqual(payload)
          expect(encodeExecutionPayload(decoded, version)).toEqual(bytes)
        }),
        { numRuns: 150 },
      )
    })

    it('never throws anything but GossipValidationError on random bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 1200 }), fc.nat(), (noise, seed) => {
          // mostly-valid headers so the offset rules, not just the size check, get exercised
          const bytes = new Uint8Array(facts.fixedSize + noise.length)
          bytes.set(noise.subarray(0, Math.min(noise.length, bytes.length)), facts.fixedSize)
          const view = new DataView(bytes.buffer)
          view.setUint32(436, seed % 3 === 0 ? seed : facts.fixedSize, true)
          view.setUint32(504, facts.fixedSize + (seed % 40), true)
          if (facts.withdrawals) view.setUint32(508, facts.fixedSize + (seed % 700), true)
          try {
            decodeExecutionPayload(bytes, version)
          } catch (err) {
            expect(err).toBeInstanceOf(GossipValidationError)
          }
        }),
        { numRuns: 300 },
      )
    })
  })

  describe.each(VERSIONS_WITH_WITHDRAWALS)('V%i withdrawals', (version) => {
    it('decodes an empty withdrawals region as an empty list (op-node quirk)', () => {
      expect(decodeExecutionPayload(buildRawPayload(version), version).withdrawals).toEqual([])
    })

    it(`accepts ${MAX_WITHDRAWALS_PER_PAYLOAD} withdrawals and rejects 17`, () => {
      const at = buildRawPayload(version, { withdrawalsRegion: withdrawalsRegion(16) })
      expect(decodeExecutionPayload(at, version).withdrawals).toHaveLength(16)
      const past = buildRawPayload(version, { withdrawalsRegion: withdrawalsRegion(17) })
      expectSszInvalid(() => decodeExecutionPayload(past, version), /17 withdrawals exceed/)
    })

    it(`rejects a region that is not a multiple of ${WITHDRAWAL_SIZE_BYTES} bytes`, () => {
      const bytes = buildRawPayload(version, { withdrawalsRegion: new Uint8Array(45) })
      expectSszInvalid(() => decodeExecutionPayload(bytes, version), /not a multiple of 44/)
    })

    it('rejects a withdrawals offset before the transactions or past the end', () => {
      const txs = transactionsRegion([hexToBytes('0x01')])
      const fixed = FIXED_PART_SIZE_BYTES[version]
      const before = buildRawPayload(version, {
        extraData: new Uint8Array(4),
        transactionsRegion: txs,
        withdrawalsOffset: fixed + 2,
      })
      expectSszInvalid(() => decodeExecutionPayload(before, version), /before the transactions/)
      const past = buildRawPayload(version, {
        transactionsRegion: txs,
        withdrawalsOffset: fixed + 6,
      })
      expect(past.length).toBe(fixed + 5)
      expectSszInvalid(() => decodeExecutionPayload(past, version), /past the end/)
    })
  })

  describe('transaction count limit', () => {
    // The offset table alone: every offset equals the table size, so all transactions are empty.
    const emptyTxTable = (count: number): Uint8Array => {
      const region = new Uint8Array(count * 4)
      const view = new DataView(region.buffer)
      for (let i = 0; i < count; i++) view.setUint32(i * 4, count * 4, true)
      return region
    }

    it(`accepts ${MAX_TRANSACTIONS_PER_PAYLOAD} transactions`, () => {
      const bytes = buildRawPayload(1, {
        transactionsRegion: emptyTxTable(MAX_TRANSACTIONS_PER_PAYLOAD),
      })
      const payload = decodeExecutionPayload(bytes, 1)
      expect(payload.transactions).toHaveLength(MAX_TRANSACTIONS_PER_PAYLOAD)
      expect(payload.transactions[MAX_TRANSACTIONS_PER_PAYLOAD - 1]!.length).toBe(0)
    })

    it(`rejects ${MAX_TRANSACTIONS_PER_PAYLOAD + 1} transactions`, () => {
      const bytes = buildRawPayload(1, {
        transactionsRegion: emptyTxTable(MAX_TRANSACTIONS_PER_PAYLOAD + 1),
      })
      expectSszInvalid(() => decodeExecutionPayload(bytes, 1), /1048577 transactions exceed/)
    })
  })

  describe('encoder', () => {
    it('writes the op-node layout (offsets and field positions)', () => {
      const payload = samplePayload(4)
      const bytes = encodeExecutionPayload(payload, 4)
      const view = new DataView(bytes.buffer)
      expect(view.getUint32(436, true)).toBe(560)
      expect(view.getUint32(504, true)).toBe(563)
      expect(view.getUint32(508, true)).toBe(563 + 8 + 2 + 3)
      expect(bytes.length).toBe(563 + 8 + 2 + 3)
      // two transactions: offsets 8 and 8 + 2 relative to the region
      expect(bytesToHex(bytes.subarray(563, 571))).toBe('0x080000000a000000')
      expect(view.getBigUint64(440, true)).toBe(1_000_000_007n)
      expect(bytesToHex(bytes.subarray(528, 560))).toBe(`0x${'09'.repeat(32)}`)
    })

    it('rejects payloads that do not fit the version', () => {
      const bad: [string, BlockVersion, ReturnType<typeof samplePayload>][] = [
        ['withdrawals', 1, samplePayload(1, { withdrawals: [] })],
        ['withdrawals', 2, { ...samplePayload(1) }],
        ['blobGasUsed', 2, samplePayload(2, { blobGasUsed: 0n })],
        ['withdrawalsRoot', 3, samplePayload(3, { withdrawalsRoot: new Uint8Array(32) })],
        ['withdrawalsRoot', 4, samplePayload(4, { withdrawalsRoot: new Uint8Array(31) })],
        ['extraData', 1, samplePayload(1, { extraData: new Uint8Array(33) })],
        ['parentHash', 1, samplePayload(1, { parentHash: new Uint8Array(31) })],
        ['gasLimit', 1, samplePayload(1, { gasLimit: 2n ** 64n })],
        ['baseFeePerGas', 1, samplePayload(1, { baseFeePerGas: -1n })],
        [
          'withdrawals',
          2,
          samplePayload(2, {
            withdrawals: Array.from({ length: 17 }, () => ({
              index: 0n,
              validatorIndex: 0n,
              address: new Uint8Array(20),
              amount: 0n,
            })),
          }),
        ],
      ]
      for (const [field, version, payload] of bad) {
        let thrown: unknown
        try {
          encodeExecutionPayload(payload, version)
        } catch (err) {
          thrown = err
        }
        expect(thrown, `${field} V${version}`).toBeInstanceOf(PayloadEncodingError)
        expect((thrown as PayloadEncodingError).field).toBe(field)
      }
    })
  })

  describe.skipIf(!vectorsAvailable)('hildr-ssz-payloads.json', () => {
    const FILE = 'hildr-ssz-payloads.json'
    const cases = loadVectors(FILE).filter((v) => v.input.ssz_payload_hex !== undefined)

    it('has the six bare-payload vectors', () => {
      expect(cases).toHaveLength(6)
    })

    for (const v of cases) {
      const version = Number(String(v.input.block_version).slice(1)) as BlockVersion
      it(`${v.name}: decoding as V${version} ${v.expected.error ? 'fails' : 'succeeds'}`, () => {
        const bytes = hexToBytes(v.input.ssz_payload_hex)
        if (v.expected.error) {
          expect(() => decodeExecutionPayload(bytes, version)).toThrow(GossipValidationError)
          return
        }
        const payload = decodeExecutionPayload(bytes, version)
        expect(payload.baseFeePerGas).toBe(BigInt(v.expected.baseFeePerGas))
        expectPayloadMatchesJson(payload, v.derived!.decoded_payload)
        expect(encodeExecutionPayload(payload, version)).toEqual(bytes)
      })
    }

    it('tooManyWithdrawalsErrors fails on the withdrawal count rule', () => {
      const bytes = hexToBytes(vector(FILE, 'tooManyWithdrawalsErrors').input.ssz_payload_hex)
      expectSszInvalid(() => decodeExecutionPayload(bytes, 2), /17 withdrawals exceed/)
    })
  })

  describe.skipIf(!vectorsAvailable)('op-service-ssz-and-signing.json', () => {
    const FILE = 'op-service-ssz-and-signing.json'

    it('TestExecutionPayloadUnmarshalMaliciousData fails cleanly as V2', () => {
      const bytes = hexToBytes(
        vector(FILE, 'TestExecutionPayloadUnmarshalMaliciousData').input.bytes_hex,
      )
      expect(bytes.length).toBe(512)
      expectSszInvalid(
        () => decodeExecutionPayload(bytes, 2),
        /withdrawals offset 808464432 is past the end/,
      )
    })

    it('TestOPB01 (transactions offset 0) fails as V1 with the bad-transactions-offset rule', () => {
      const bytes = hexToBytes(vector(FILE, 'TestOPB01').input.bytes_hex)
      expect(bytes.length).toBe(540)
      expectSszInvalid(
        () => decodeExecutionPayload(bytes, 1),
        /transactions offset 0 is before extraData/,
      )
    })
  })
})

/** Little-endian uint32s followed by nothing: a hand-made transactions region. */
function u32s(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  values.forEach((v, i) => {
    view.setUint32(i * 4, v, true)
  })
  return out
}
