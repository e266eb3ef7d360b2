/**
 * Unsafe-block signer addresses as op-gossip reads them (a flag, an L1 storage word) and the
 * typed error of the signer source. Every code is a configuration problem.
 */
import { OpGossipError } from '../util/errors.ts'

/** `keccak256("systemconfig.unsafeblocksigner")`: SystemConfig's storage slot for the signer. */
export const UNSAFE_BLOCK_SIGNER_SLOT =
  '0x65a7ed542fb37fe237fdfbdd70b31598523fe5b32879e307bae27a0bd9581c08' as const

const ADDRESS_LENGTH_BYTES = 20
const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/

export const SignerSourceErrorCode = {
  /** `--p2p.unsafe-block-signer` is not a 20-byte address */
  BAD_ADDRESS: 'SIGNER_BAD_ADDRESS',
  /** `--l1` given but the chain has no SystemConfig address to read */
  NO_SYSTEM_CONFIG: 'SIGNER_NO_SYSTEM_CONFIG',
  /** The L1 RPC answers for a different chain than the rollup's L1 */
  L1_WRONG_CHAIN: 'SIGNER_L1_WRONG_CHAIN',
} as const
export type SignerSourceErrorCode =
  (typeof SignerSourceErrorCode)[keyof typeof SignerSourceErrorCode]

/** The flag each code is about (its messages name it too), when there is one. */
const SIGNER_SOURCE_ERROR_FLAGS: Partial<Record<SignerSourceErrorCode, string>> = {
  [SignerSourceErrorCode.NO_SYSTEM_CONFIG]: '--l1',
  [SignerSourceErrorCode.L1_WRONG_CHAIN]: '--l1',
}

/** Every code is a configuration problem: a bad address, or an `--l1` that cannot serve. */
export class SignerSourceError extends OpGossipError<SignerSourceErrorCode> {
  override readonly name = 'SignerSourceError'
  constructor(code: SignerSourceErrorCode, message: string) {
    const flag = SIGNER_SOURCE_ERROR_FLAGS[code]
    super(code, message, { kind: 'configuration', ...(flag === undefined ? {} : { flag }) })
  }
}

/** Parses a 0x-hex 20-byte address; throws SignerSourceError BAD_ADDRESS. */
export function parseSignerAddress(text: string): Uint8Array {
  if (!ADDRESS_PATTERN.test(text)) {
    throw new SignerSourceError(
      SignerSourceErrorCode.BAD_ADDRESS,
      `unsafe block signer must be a 0x-prefixed 20-byte hex address, got ${JSON.stringify(text)}`,
    )
  }
  return new Uint8Array(Buffer.from(text.slice(2), 'hex'))
}

/** The address in a 32-byte storage word (right-aligned), or null for the zero word. */
export function addressFromStorageWord(word: `0x${string}` | undefined): Uint8Array | null {
  if (word === undefined || word === '0x') return null
  const bytes = Buffer.from(word.slice(2).padStart(64, '0'), 'hex')
  const address = new Uint8Array(bytes.subarray(bytes.length - ADDRESS_LENGTH_BYTES))
  return address.every((b) => b === 0) ? null : address
}

export function addressHex(address: Uint8Array | null): `0x${string}` | null {
  return address === null ? null : `0x${Buffer.from(address).toString('hex')}`
}

export function sameAddress(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b
  return Buffer.from(a).equals(Buffer.from(b))
}

/** The URL's origin only: paths and query strings of RPC URLs often hold API keys. */
export function redactUrl(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return '[unparseable url]'
  }
}
