import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeSignedEnvelope,
  decodeSignedPayload,
  encodeSignedEnvelope,
  PARENT_BEACON_BLOCK_ROOT_SIZE_BYTES,
  SIGNATURE_SIZE_BYTES,
  splitSignedMessage,
} from '../../../src/wire/envelope.ts'
import { GossipValidationError } from '../../../src/wire/errors.ts'
import { snappyCompress, snappyDecodedLength, snappyUncompress } from '../../../src/wire/snappy.ts'
import { encodeExecutionPayload, PayloadEncodingError } from '../../../src/wire/ssz.ts'
import {
  BLOCK_VERSIONS,
  type BlockVersion,
  type ExecutionPayload,
} from '../../../src/wire/types.ts'
import {
  bytesToHex,
  hexToBytes,
  loadVectors,
  vector,
  vectorsAvailable,
} from '../../utils/vectors.ts'
import { expectPayloadMatchesJson, payloadArb, samplePayload } from './codecTestUtils.ts'

/** Bytes before the SSZ payload per topic version; a Record so a missing version fails to compile. */
const PREFIX_SIZE_BYTES: Record<BlockVersion, number> = { 1: 65, 2: 65, 3: 97, 4: 97 }

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

function expectSszInvalid(fn: () => unknown): GossipValidationError {
  let thrown: unknown
  try {
    fn()
  } catch (err) {
    thrown = err
  }
  expect(thrown).toBeInstanceOf(GossipValidationError)
  expect((thrown as GossipValidationError).code).toBe('SSZ_INVALID')
  return thrown as GossipValidationError
}

const decompress = (data: Uint8Array): Uint8Array =>
  snappyUncompress(data, snappyDecodedLength(data))

describe('wire / envelope', () => {
  it('uses the op-node sizes', () => {
    expect(SIGNATURE_SIZE_BYTES).toBe(65)
    expect(PARENT_BEACON_BLOCK_ROOT_SIZE_BYTES).toBe(32)
  })

  describe.each(BLOCK_VERSIONS)('v%i', (version) => {
    const prefix = PREFIX_SIZE_BYTES[version]
    const withRoot = prefix > SIGNATURE_SIZE_BYTES

    it('round-trips random envelopes: signedBytes is everything after the signature, as a view', () => {
      fc.assert(
        fc.property(
          payloadArb(version),
          fc.uint8Array({ minLength: 65, maxLength: 65 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          (payload, signature, root) => {
            const input = withRoot
              ? { version, signature, parentBeaconBlockRoot: root, payload }
              : { version, signature, payload }
            const bytes = encodeSignedEnvelope(input)
            expect(
              sameBytes(bytes.subarray(prefix), encodeExecutionPayload(payload, version)),
            ).toBe(true)
            const env = decodeSignedEnvelope(bytes, version)
            expect(env.version).toBe(version)
            expect(env.signature).toEqual(signature)
            expect(env.parentBeaconBlockRoot).toEqual(withRoot ? root : undefined)
            expect('parentBeaconBlockRoot' in env).toBe(withRoot)
            expect(env.payload).toEqual(payload)
            expect(env.signedBytes.buffer).toBe(bytes.buffer)
            expect(env.signedBytes.byteOffset).toBe(SIGNATURE_SIZE_BYTES)
            expect(env.signedBytes.length).toBe(bytes.length - SIGNATURE_SIZE_BYTES)
            const { signature: _s, signedBytes: _b, ...rest } = env
            expect(sameBytes(encodeSignedEnvelope({ ...rest, signature }), bytes)).toBe(true)
          },
        ),
        { numRuns: 60 },
      )
    })

    it('rejects messages too short for the signature and prefix', () => {
      expectSszInvalid(() => decodeSignedEnvelope(new Uint8Array(SIGNATURE_SIZE_BYTES), version))
      // one byte less than the prefix plus an empty payload's fixed part can never decode
      for (const afterSignature of [1, 31, 32]) {
        expectSszInvalid(() =>
          decodeSignedEnvelope(new Uint8Array(SIGNATURE_SIZE_BYTES + afterSignature), version),
        )
      }
    })

    it('rejects an encoding request whose parentBeaconBlockRoot does not fit the version', () => {
      const payload = samplePayload(version)
      const signature = new Uint8Array(65)
      const wrong = withRoot
        ? { version, signature, payload }
        : { version, signature, payload, parentBeaconBlockRoot: new Uint8Array(32) }
      expect(() => encodeSignedEnvelope(wrong)).toThrow(PayloadEncodingError)
      expect(() =>
        encodeSignedEnvelope({ version, signature: new Uint8Array(64), payload }),
      ).toThrow(PayloadEncodingError)
    })
  })

  it('v3/v4: fewer than 32 bytes after the signature is SSZ_INVALID naming the beacon root', () => {
    for (const version of [3, 4] as const) {
      const err = expectSszInvalid(() => decodeSignedEnvelope(new Uint8Array(65 + 31), version))
      expect(err.message).toMatch(/parent beacon block root/)
    }
  })

  it('splitSignedMessage returns views without decoding', () => {
    const message = new Uint8Array(70).map((_, i) => i)
    const { signature, signedBytes } = splitSignedMessage(message)
    expect(signature.buffer).toBe(message.buffer)
    expect([...signature]).toEqual([...message.subarray(0, 65)])
    expect([...signedBytes]).toEqual([65, 66, 67, 68, 69])
  })

  describe.skipIf(!vectorsAvailable)('op-alloy-gossip-envelopes.json', () => {
    const FILE = 'op-alloy-gossip-envelopes.json'
    const messages = loadVectors(FILE).filter((v) => v.input.snappy_message_hex !== undefined)
    const topicVersion = (v: { input: Record<string, string> }): BlockVersion =>
      Number(v.input.topic_version!.slice(1)) as BlockVersion

    it('covers all four topic versions', () => {
      expect(messages.map(topicVersion).sort()).toEqual([...BLOCK_VERSIONS])
    })

    for (const v of messages) {
      const version = topicVersion(v)
      it(`${v.name}: decodes as v${version}, every field matches, re-encodes byte-for-byte`, () => {
        const decompressed = decompress(hexToBytes(v.input.snappy_message_hex))
        const env = decodeSignedEnvelope(decompressed, version)
        expect(env.payload.timestamp).toBe(BigInt(v.expected.timestamp))
        expectPayloadMatchesJson(env.payload, v.derived!.decoded_payload)
        expect(bytesToHex(env.signature)).toBe(v.derived!.signature)
        expect(env.signedBytes.length).toBe(v.derived!.signed_bytes_length)
        expect(PREFIX_SIZE_BYTES[version]).toBe(v.derived!.ssz_payload_offset_in_decompressed)
        if (version >= 3) {
          expect(bytesToHex(env.parentBeaconBlockRoot!)).toBe(v.derived!.parent_beacon_block_root)
        } else {
          expect(env.parentBeaconBlockRoot).toBeUndefined()
        }
        const reencoded = encodeSignedEnvelope(env)
        expect(sameBytes(reencoded, decompressed)).toBe(true)
        expect(sameBytes(decompress(snappyCompress(reencoded)), decompressed)).toBe(true)
      })

      it(`${v.name}: fails on every other topic version`, () => {
        const decompressed = decompress(hexToBytes(v.input.snappy_message_hex))
        for (const other of BLOCK_VERSIONS.filter((x) => x !== version)) {
          expectSszInvalid(() => decodeSignedEnvelope(decompressed, other))
        }
      })
    }

    it('the 600-byte rpc envelope decodes as V4 and fails as V3', () => {
      const v = vector(FILE, 'test_roundtrip_encode_rpc_execution_payload_envelope')
      const signed = hexToBytes(v.input.ssz_envelope_hex)
      expect(signed.length).toBe(600)
      const { parentBeaconBlockRoot, payload } = decodeSignedPayload(signed, 4)
      expect(bytesToHex(parentBeaconBlockRoot!)).toBe(v.derived!.parent_beacon_block_root)
      expectPayloadMatchesJson(payload, v.derived!.decoded_payload)
      const err = expectSszInvalid(() => decodeSignedPayload(signed, 3))
      expect(err.message).toMatch(/extraData offset 560 must equal the fixed size 528/)
      // re-encode equals the input (behind any signature)
      const signature = new Uint8Array(65).fill(0x5a)
      const message = encodeSignedEnvelope({
        version: 4,
        signature,
        parentBeaconBlockRoot: parentBeaconBlockRoot!,
        payload,
      })
      expect(sameBytes(message.subarray(65), signed)).toBe(true)
    })
  })

  describe.skipIf(!vectorsAvailable)('hildr-ssz-payloads.json', () => {
    it('testValidExecutionPayloadEnvelop decodes as a V3 envelope with the asserted fields', () => {
      const v = vector('hildr-ssz-payloads.json', 'testValidExecutionPayloadEnvelop')
      const signed = hexToBytes(v.input.ssz_envelope_hex)
      const { parentBeaconBlockRoot, payload } = decodeSignedPayload(signed, 3)
      const e = v.expected
      expect(bytesToHex(parentBeaconBlockRoot!)).toBe(e.parentBeaconBlockRoot)
      expect(payload.blobGasUsed).toBe(BigInt(e.blobGasUsed))
      expect(payload.excessBlobGas).toBe(BigInt(e.excessBlobGas))
      expect(payload.blockNumber).toBe(BigInt(e.blockNumber))
      expect(payload.timestamp).toBe(BigInt(e.timestamp))
      expect(bytesToHex(payload.parentHash)).toBe(e.parentHash)
      expect(bytesToHex(payload.stateRoot)).toBe(e.stateRoot)
      expect(bytesToHex(payload.extraData)).toBe(e.extraData)
      expectPayloadMatchesJson(payload, v.derived!.decoded_payload)
    })
  })

  describe.skipIf(!vectorsAvailable)('nethermind-real-op-payloads.json', () => {
    const cases = loadVectors('nethermind-real-op-payloads.json')

    it('has the three real blocks', () => {
      expect(cases).toHaveLength(3)
    })

    for (const v of cases) {
      it(`${v.name}: every asserted field, the transaction list, and a byte-exact re-encode`, () => {
        const signed = hexToBytes(v.input.data_hex)
        expect(sameBytes(signed, Buffer.from(v.input.data_base64, 'base64'))).toBe(true)
        const { parentBeaconBlockRoot, payload } = decodeSignedPayload(signed, 3)
        expectNethermindFields(payload, parentBeaconBlockRoot!, v.expected)

        const signature = new Uint8Array(65).fill(1)
        const message = encodeSignedEnvelope({
          version: 3,
          signature,
          parentBeaconBlockRoot: parentBeaconBlockRoot!,
          payload,
        })
        expect(sameBytes(message.subarray(65), signed)).toBe(true)

        // the full gossip path: signature ++ signed bytes, snappy, back
        const env = decodeSignedEnvelope(decompress(snappyCompress(message)), 3)
        expect(sameBytes(env.signedBytes, signed)).toBe(true)
        expect(env.payload.transactions.length).toBe(v.expected.Transactions_hex.length)
      })
    }
  })
})

/** Compares every key Nethermind's test asserts; an unknown key fails so nothing is skipped. */
function expectNethermindFields(
  payload: ExecutionPayload,
  parentBeaconBlockRoot: Uint8Array,
  // biome-ignore lint/suspicious/noExplicitAny: vector JSON is free-form
  expected: Record<string, any>,
): void {
  const bigints = [
    'BaseFeePerGas',
    'BlobGasUsed',
    'BlockNumber',
    'ExcessBlobGas',
    'GasLimit',
    'GasUsed',
    'Timestamp',
  ]
  const bytes = [
    'BlockHash',
    'FeeRecipient',
    'ParentHash',
    'ReceiptsRoot',
    'StateRoot',
    'PrevRandao',
    'LogsBloom',
    'ExtraData',
  ]
  const field = (key: string) =>
    payload[(key[0]!.toLowerCase() + key.slice(1)) as keyof ExecutionPayload]
  for (const [key, want] of Object.entries(expected)) {
    if (bigints.includes(key)) {
      expect(field(key), key).toBe(BigInt(want))
    } else if (bytes.includes(key)) {
      expect(bytesToHex(field(key) as Uint8Array), key).toBe(String(want).toLowerCase())
    } else if (key === 'ParentBeaconBlockRoot') {
      expect(bytesToHex(parentBeaconBlockRoot)).toBe(want)
    } else if (key === 'Withdrawals') {
      expect(payload.withdrawals).toEqual(want)
    } else if (key === 'ExecutionRequests') {
      // V3 carries no execution requests
      expect(want).toBeNull()
    } else if (key === 'Transactions_hex') {
      expect(payload.transactions.map(bytesToHex)).toEqual(want)
    } else {
      throw new Error(`unhandled expected field ${key}`)
    }
  }
}
