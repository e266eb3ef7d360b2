/**
 * Block signatures (op-gossip.md §3): payload hash, signing hash, signer recovery and signing.
 *
 * secp256k1 comes from ./secp256k1.ts: libsecp256k1 where its binding loads, else @noble/curves.
 *
 * Recovery follows go-ethereum's `crypto.SigToPub` as official op-node builds run it. Those are
 * built with CGO_ENABLED=0, so go-ethereum's no-cgo path hands `v + 27` to decred's
 * `RecoverCompact`, which takes codes 27..34 and recovers with `code & 3` (op-gossip.md §2.2):
 * - v = 0..7 recover with recovery id `v & 3` (v = 4/5 give the same key as 0/1); v >= 8,
 *   27/28 included, fail → null (MAX_SIGNATURE_V);
 * - high-S signatures are ACCEPTED (neither path requires low S), so a malleated copy of a valid
 *   signature recovers the same signer;
 * - r or s zero or >= the curve order: recovery fails → null.
 */
import { keccak256 } from './keccak.ts'
import { secp256k1Backend as secp } from './secp256k1.ts'

export const SIGNATURE_LENGTH_BYTES = 65
/** Highest v byte op-node's no-cgo recovery accepts (decred's compact codes 27..34 minus 27). */
export const MAX_SIGNATURE_V = 7
/** The recovery id is the low two bits of v (decred `RecoverCompact`: `code & 3`). */
const RECOVERY_ID_MASK = 3
const HASH_LENGTH_BYTES = 32
const ADDRESS_LENGTH_BYTES = 20
/** SigningDomainBlocksV1: the only domain op-node uses for block gossip. */
export const BLOCK_SIGNING_DOMAIN: Uint8Array = new Uint8Array(HASH_LENGTH_BYTES)

/** Thrown by signing helpers on malformed arguments (never by recoverSigner). */
export class SigningInputError extends Error {
  override readonly name = 'SigningInputError'
  readonly code = 'SIGNING_BAD_INPUT'
}

function assertLength(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length !== length) {
    throw new SigningInputError(`${what} must be ${length} bytes, got ${bytes.length}`)
  }
}

/** keccak256(signedBytes): signedBytes = everything after the 65-byte signature (§3.1). */
export function payloadHash(signedBytes: Uint8Array): Uint8Array {
  return keccak256(signedBytes)
}

/** keccak256(domain || uint256_BE(chainId) || payloadHash) (§3.1). */
export function signingHash(
  chainId: number,
  payloadHash: Uint8Array,
  domain: Uint8Array = BLOCK_SIGNING_DOMAIN,
): Uint8Array {
  assertLength(payloadHash, HASH_LENGTH_BYTES, 'payloadHash')
  assertLength(domain, HASH_LENGTH_BYTES, 'domain')
  if (!Number.isSafeInteger(chainId) || chainId < 0) {
    throw new SigningInputError(`chainId must be a non-negative safe integer, got ${chainId}`)
  }
  const preimage = new Uint8Array(HASH_LENGTH_BYTES * 3)
  preimage.set(domain, 0)
  const view = new DataView(preimage.buffer)
  // uint256 big-endian: a safe integer fits the low 8 bytes (high 24 stay zero).
  view.setBigUint64(HASH_LENGTH_BYTES * 2 - 8, BigInt(chainId))
  preimage.set(payloadHash, HASH_LENGTH_BYTES * 2)
  return keccak256(preimage)
}

/** Ethereum address of an uncompressed (65-byte, 0x04-prefixed) public key. */
function addressOfPublicKey(uncompressed: Uint8Array): Uint8Array {
  return keccak256(uncompressed.subarray(1)).slice(HASH_LENGTH_BYTES - ADDRESS_LENGTH_BYTES)
}

/**
 * The 20-byte address that produced `signature` (r || s || v) over `signingHash`, or null when
 * recovery fails (wrong lengths, v > MAX_SIGNATURE_V, r/s out of range, no valid point).
 */
export function recoverSigner(signingHash: Uint8Array, signature: Uint8Array): Uint8Array | null {
  if (signingHash.length !== HASH_LENGTH_BYTES || signature.length !== SIGNATURE_LENGTH_BYTES) {
    return null
  }
  const v = signature[64] as number
  if (v > MAX_SIGNATURE_V) return null
  const pub = secp.recover(signature.subarray(0, 64), v & RECOVERY_ID_MASK, signingHash)
  return pub === null ? null : addressOfPublicKey(pub)
}

/** Signs `signingHash`: 65 bytes r || s || v with v 0/1 and low S (libsecp256k1, RFC 6979). */
export function signPayloadHash(privateKey: Uint8Array, signingHash: Uint8Array): Uint8Array {
  assertLength(privateKey, HASH_LENGTH_BYTES, 'privateKey')
  assertLength(signingHash, HASH_LENGTH_BYTES, 'signingHash')
  if (!secp.isValidPrivateKey(privateKey)) {
    throw new SigningInputError('privateKey is not a valid secp256k1 secret key')
  }
  const { signature, recid } = secp.sign(signingHash, privateKey)
  const out = new Uint8Array(SIGNATURE_LENGTH_BYTES)
  out.set(signature, 0)
  out[64] = recid
  return out
}

/** Ethereum address (20 bytes) of a 32-byte secp256k1 private key. */
export function addressFromPrivateKey(privateKey: Uint8Array): Uint8Array {
  assertLength(privateKey, HASH_LENGTH_BYTES, 'privateKey')
  if (!secp.isValidPrivateKey(privateKey)) {
    throw new SigningInputError('privateKey is not a valid secp256k1 secret key')
  }
  return addressOfPublicKey(secp.publicKey(privateKey))
}
