/**
 * The secp256k1 operations op-gossip needs (recovery on every message; signing for the devnet
 * sequencer), from libsecp256k1 through the `secp256k1` package's native binding where a prebuild
 * or a local build exists, else from `@noble/curves` (audited pure JS). The `secp256k1` package's
 * own fallback is `elliptic`, far slower, and it falls back silently: platforms without a prebuild
 * (linux-arm64 among them) got it unnoticed. The backend in use is logged once at start and is a
 * label of `op_gossip_info`.
 *
 * `OP_GOSSIP_SECP256K1=noble` forces the pure-JS backend (tests run both).
 */
import { createRequire } from 'node:module'
import { secp256k1 as noble } from '@noble/curves/secp256k1.js'

export type Secp256k1BackendName = 'libsecp256k1' | 'noble'

/** Environment variable that forces a backend (`noble`); anything else means "best available". */
export const SECP256K1_BACKEND_ENV = 'OP_GOSSIP_SECP256K1'

export interface Secp256k1Backend {
  readonly name: Secp256k1BackendName
  /** 65-byte uncompressed public key, or null when nothing recovers (r/s out of range, no point) */
  recover(signature64: Uint8Array, recoveryId: number, hash32: Uint8Array): Uint8Array | null
  /** RFC 6979 signature with low S: 64 bytes r || s and the recovery id */
  sign(hash32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number }
  /** 65-byte uncompressed public key of a valid private key */
  publicKey(privateKey: Uint8Array): Uint8Array
  isValidPrivateKey(privateKey: Uint8Array): boolean
}

/** The native binding's calls we use (the `secp256k1` package's API). */
interface NativeBinding {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array
  ecdsaSign(msg32: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number }
  publicKeyCreate(key: Uint8Array, compressed: boolean): Uint8Array
  privateKeyVerify(key: Uint8Array): boolean
}

function nativeBackend(binding: NativeBinding): Secp256k1Backend {
  return {
    name: 'libsecp256k1',
    recover(signature64, recoveryId, hash32) {
      try {
        return binding.ecdsaRecover(signature64, recoveryId, hash32, false)
      } catch {
        return null
      }
    },
    sign: (hash32, privateKey) => binding.ecdsaSign(hash32, privateKey),
    publicKey: (privateKey) => binding.publicKeyCreate(privateKey, false),
    isValidPrivateKey: (privateKey) => binding.privateKeyVerify(privateKey),
  }
}

const nobleBackend: Secp256k1Backend = {
  name: 'noble',
  recover(signature64, recoveryId, hash32) {
    try {
      // Like libsecp256k1: r and s in [1, n), high S accepted, recovery ids 2/3 need r + n < p.
      const sig = noble.Signature.fromBytes(signature64, 'compact').addRecoveryBit(recoveryId)
      return sig.recoverPublicKey(hash32).toBytes(false)
    } catch {
      return null
    }
  },
  sign(hash32, privateKey) {
    const recovered = noble.sign(hash32, privateKey, { prehash: false, format: 'recovered' })
    // 'recovered' is the recovery byte followed by r || s.
    return { signature: recovered.slice(1), recid: recovered[0] as number }
  },
  publicKey: (privateKey) => noble.getPublicKey(privateKey, false),
  isValidPrivateKey: (privateKey) => noble.utils.isValidSecretKey(privateKey),
}

function loadNative(): NativeBinding | null {
  try {
    // The package's index falls back to elliptic on its own; load the binding alone instead.
    return createRequire(import.meta.url)('secp256k1/bindings') as NativeBinding
  } catch {
    return null
  }
}

/** Picks the backend: forced by SECP256K1_BACKEND_ENV, else native when it loads, else noble. */
export function selectSecp256k1Backend(
  env: Record<string, string | undefined> = process.env,
): Secp256k1Backend {
  if (env[SECP256K1_BACKEND_ENV] === 'noble') return nobleBackend
  const binding = loadNative()
  return binding === null ? nobleBackend : nativeBackend(binding)
}

/** The backend of this process. */
export const secp256k1Backend: Secp256k1Backend = selectSecp256k1Backend()
