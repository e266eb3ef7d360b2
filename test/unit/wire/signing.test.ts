import fc from 'fast-check'
import { recoverAddress, serializeSignature } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  addressFromPrivateKey,
  MAX_SIGNATURE_V,
  payloadHash,
  recoverSigner,
  SigningInputError,
  signingHash,
  signPayloadHash,
} from '../../../src/wire/signing.ts'
import { snappyDecodedLength, snappyUncompress } from '../../../src/wire/snappy.ts'
import {
  bytesToHex,
  hexToBytes,
  loadVectors,
  vector,
  vectorsAvailable,
} from '../../utils/vectors.ts'

/** Anvil / Hardhat dev account #5: a public test key, never a real one. */
const DEV_KEY = hexToBytes('0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba')
const DEV_ADDRESS = '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc'
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const HALF_ORDER = CURVE_ORDER >> 1n

const hex = bytesToHex
const toBigInt = (bytes: Uint8Array): bigint => BigInt(hex(bytes))
const to32 = (n: bigint): Uint8Array => hexToBytes(n.toString(16).padStart(64, '0'))

function withS(sig: Uint8Array, s: bigint, v: number): Uint8Array {
  const out = sig.slice()
  out.set(to32(s), 32)
  out[64] = v
  return out
}

describe('wire / signing', () => {
  const hash = signingHash(10, payloadHash(new Uint8Array(32).fill(0x99)))

  it('derives the dev account address from its key', () => {
    expect(hex(addressFromPrivateKey(DEV_KEY))).toBe(DEV_ADDRESS)
  })

  it('signs with v 0/1 and low S, and recovers the signer', () => {
    const sig = signPayloadHash(DEV_KEY, hash)
    expect(sig.length).toBe(65)
    expect([0, 1]).toContain(sig[64])
    expect(toBigInt(sig.subarray(32, 64)) <= HALF_ORDER).toBe(true)
    expect(hex(recoverSigner(hash, sig) as Uint8Array)).toBe(DEV_ADDRESS)
  })

  it('always produces low-S signatures that viem (independent code) recovers to the same address', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (h) => {
        const sig = signPayloadHash(DEV_KEY, h)
        expect(toBigInt(sig.subarray(32, 64)) <= HALF_ORDER).toBe(true)
        const viemSig = serializeSignature({
          r: hex(sig.subarray(0, 32)),
          s: hex(sig.subarray(32, 64)),
          yParity: sig[64] as number,
        })
        const viemAddress = await recoverAddress({ hash: hex(h), signature: viemSig })
        expect(viemAddress.toLowerCase()).toBe(DEV_ADDRESS)
        expect(hex(recoverSigner(h, sig) as Uint8Array)).toBe(DEV_ADDRESS)
      }),
      { numRuns: 20 },
    )
  })

  it('accepts the high-S twin (s → n - s, v flipped) like go-ethereum SigToPub', () => {
    const sig = signPayloadHash(DEV_KEY, hash)
    const s = toBigInt(sig.subarray(32, 64))
    const twin = withS(sig, CURVE_ORDER - s, (sig[64] as number) ^ 1)
    expect(toBigInt(twin.subarray(32, 64)) > HALF_ORDER).toBe(true)
    expect(hex(recoverSigner(hash, twin) as Uint8Array)).toBe(DEV_ADDRESS)
    // High S with the original v recovers some other key, never the signer.
    const wrongV = withS(sig, CURVE_ORDER - s, sig[64] as number)
    const other = recoverSigner(hash, wrongV)
    expect(other === null ? null : hex(other)).not.toBe(DEV_ADDRESS)
  })

  it('recovers v = 4..7 with recovery id v & 3, like decred RecoverCompact behind no-cgo SigToPub', () => {
    const sig = signPayloadHash(DEV_KEY, hash)
    const high = sig.slice()
    high[64] = (sig[64] as number) + 4
    expect(MAX_SIGNATURE_V).toBe(7)
    expect(hex(recoverSigner(hash, high) as Uint8Array)).toBe(DEV_ADDRESS)
    const flipped = sig.slice()
    flipped[64] = ((sig[64] as number) ^ 1) + 4
    const other = recoverSigner(hash, flipped)
    expect(other === null ? null : hex(other)).not.toBe(DEV_ADDRESS)
  })

  it('rejects v >= 8 (27/28 Ethereum style included) and recovery ids 2/3 of a real signature', () => {
    const sig = signPayloadHash(DEV_KEY, hash)
    for (const v of [2, 3, 6, 7, 8, 9, 27, 28, 34, 35, 229, 255]) {
      const bad = sig.slice()
      bad[64] = v
      expect(recoverSigner(hash, bad), `v=${v}`).toBeNull()
    }
  })

  it('rejects r or s equal to zero or >= the curve order with null', () => {
    const sig = signPayloadHash(DEV_KEY, hash)
    const cases: [string, number, bigint][] = [
      ['r = 0', 0, 0n],
      ['s = 0', 32, 0n],
      ['r = n', 0, CURVE_ORDER],
      ['s = n', 32, CURVE_ORDER],
      ['s = 2^256-1', 32, 2n ** 256n - 1n],
    ]
    for (const [what, offset, value] of cases) {
      const bad = sig.slice()
      bad.set(to32(value), offset)
      expect(recoverSigner(hash, bad), what).toBeNull()
    }
  })

  it('returns null for wrong lengths instead of throwing', () => {
    const sig = signPayloadHash(DEV_KEY, hash)
    expect(recoverSigner(hash, sig.subarray(0, 64))).toBeNull()
    expect(recoverSigner(hash.subarray(0, 31), sig)).toBeNull()
    expect(recoverSigner(hash, new Uint8Array(66))).toBeNull()
  })

  it('throws SigningInputError for malformed signing inputs', () => {
    expect(() => signPayloadHash(new Uint8Array(31), hash)).toThrow(SigningInputError)
    expect(() => signPayloadHash(new Uint8Array(32), hash)).toThrow(SigningInputError)
    expect(() => signPayloadHash(to32(CURVE_ORDER), hash)).toThrow(SigningInputError)
    expect(() => addressFromPrivateKey(new Uint8Array(32))).toThrow(SigningInputError)
    expect(() => signingHash(10, new Uint8Array(31))).toThrow(SigningInputError)
    expect(() => signingHash(-1, hash)).toThrow(SigningInputError)
    expect(() => signingHash(10, hash, new Uint8Array(31))).toThrow(SigningInputError)
  })

  it('never puts the private key in an error message', () => {
    const key = to32(CURVE_ORDER)
    try {
      signPayloadHash(key, hash)
      expect.unreachable()
    } catch (err) {
      expect(String((err as Error).message)).not.toContain(hex(key).slice(2))
    }
  })

  it('encodes large chain ids as uint256 big-endian', () => {
    // OP Sepolia's chain id needs 3 bytes; the preimage is domain || uint256(id) || hash.
    const ph = new Uint8Array(32).fill(7)
    const preimage = new Uint8Array(96)
    preimage.set(hexToBytes('0xaa37dc'), 61)
    preimage.set(ph, 64)
    expect(hex(signingHash(11155420, ph))).toBe(hex(payloadHash(preimage)))
  })
})

describe.skipIf(!vectorsAvailable)('wire / signing (vectors)', () => {
  it('op-alloy test_signature_message: 32 × 0x99 on chain 10', () => {
    const v = vector('op-alloy-gossip-envelopes.json', 'test_signature_message')
    const ph = payloadHash(hexToBytes(v.input.payload_bytes_hex))
    expect(hex(ph)).toBe(v.derived?.payload_hash)
    expect(hex(signingHash(v.input.chain_id, ph, hexToBytes(v.input.domain_hex)))).toBe(
      '0x44a0e2b1aba1aae1771eddae1dcd2ad18a8cdac8891517153f03253e49d3f206',
    )
    expect(hex(signingHash(v.input.chain_id, ph))).toBe(v.expected.signing_hash)
  })

  it('op-service TestBlockPayloadArgs: non-zero domain [123, 42, 0…], chain 100', () => {
    const v = vector('op-service-ssz-and-signing.json', 'TestBlockPayloadArgs')
    const ph = payloadHash(hexToBytes(v.input.payload_bytes_hex))
    expect(Buffer.from(ph).toString('base64')).toBe(v.expected.payload_hash_base64)
    const domain = hexToBytes(v.input.domain_hex)
    expect([...domain.subarray(0, 3)]).toEqual([123, 42, 0])
    expect(hex(signingHash(v.input.chain_id, ph, domain))).toBe(v.expected.signing_hash)
    expect(hex(signingHash(v.input.chain_id, ph))).not.toBe(v.expected.signing_hash)
  })

  it('op-alloy envelopes: payload hash, signing hash (chain 100) and recovered signer', () => {
    const envelopes = loadVectors('op-alloy-gossip-envelopes.json').filter(
      (v) => v.input.snappy_message_hex !== undefined,
    )
    expect(envelopes.length).toBe(4)
    for (const v of envelopes) {
      const data = hexToBytes(v.input.snappy_message_hex)
      const message = snappyUncompress(data, snappyDecodedLength(data))
      const signature = message.subarray(0, 65)
      const ph = payloadHash(message.subarray(65))
      expect(hex(ph), v.name).toBe(v.derived?.payload_hash)
      const sh = signingHash(100, ph)
      expect(hex(sh), v.name).toBe(v.derived?.signing_hash_chain_id_100)
      const signer = recoverSigner(sh, signature)
      expect(signer === null ? null : hex(signer), v.name).toBe(
        v.derived?.recovered_signer_chain_id_100,
      )
      if (v.input.topic_version !== 'v4') expect(hex(signer as Uint8Array)).toBe(DEV_ADDRESS)
      // The same signature under another chain id recovers a different address.
      const wrong = recoverSigner(signingHash(10, ph), signature)
      expect(wrong === null ? null : hex(wrong), v.name).not.toBe(
        v.derived?.recovered_signer_chain_id_100,
      )
    }
  })

  it('nethermind real payloads: payload and signing hashes (chain 10 and 11155420, derived)', () => {
    for (const v of loadVectors('nethermind-real-op-payloads.json')) {
      const ph = payloadHash(hexToBytes(v.input.data_hex))
      expect(hex(ph), v.name).toBe(v.derived?.payload_hash_keccak256_of_data)
      expect(hex(signingHash(v.derived?.chain_id, ph)), v.name).toBe(v.derived?.signing_hash)
    }
  })
})
