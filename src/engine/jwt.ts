/**
 * Engine API authentication (engine-sync.md §1): HS256 JWTs with an `iat` claim, keyed by a
 * 32-byte secret shared with the EL through a file of 64 hex characters.
 * Written by hand on node:crypto: the format is three base64url parts and one HMAC, which a
 * JWT library would only wrap.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { EngineError } from './errors.ts'

/** The secret is exactly 32 bytes (64 hex characters). */
export const JWT_SECRET_SIZE_BYTES = 32

/** geth and reth accept a token only when |now - iat| <= 60 s. */
export const JWT_IAT_MAX_SKEW_SECONDS = 60

/** Largest Authorization header the verifier parses (a real token is ~150 bytes). */
export const JWT_MAX_TOKEN_LENGTH_CHARS = 4096

const JWT_HEADER_B64 = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString(
  'base64url',
)
const HEX_64 = /^[0-9a-fA-F]{64}$/

/**
 * Parses the text of a JWT secret file: whitespace trimmed, optional `0x`, 64 hex characters.
 * Throws ENGINE_JWT_SECRET_INVALID with a one-line message that never echoes the content.
 */
export function parseJwtSecret(text: string, source = 'JWT secret'): Uint8Array {
  let hex = text.trim()
  if (hex.startsWith('0x') || hex.startsWith('0X')) hex = hex.slice(2)
  if (!HEX_64.test(hex)) {
    const problem =
      hex.length !== JWT_SECRET_SIZE_BYTES * 2
        ? `has ${hex.length} characters after trimming and 0x`
        : 'contains a character that is not hex'
    throw new EngineError(
      'ENGINE_JWT_SECRET_INVALID',
      `${source} must be ${JWT_SECRET_SIZE_BYTES * 2} hex characters (32 bytes, optional 0x) but ${problem}`,
    )
  }
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/** Reads and parses a JWT secret file (ENGINE_JWT_SECRET_INVALID when unreadable or malformed). */
export function loadJwtSecretFile(path: string): Uint8Array {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new EngineError(
      'ENGINE_JWT_SECRET_INVALID',
      `cannot read JWT secret file ${path}: ${reason}`,
      {
        cause: err,
      },
    )
  }
  return parseJwtSecret(text, `JWT secret file ${path}`)
}

function sign(secret: Uint8Array, signingInput: string): Buffer {
  return createHmac('sha256', secret).update(signingInput).digest()
}

/** A compact HS256 JWT whose only claim is `iat` (what op-node sends), plus optional extras. */
export function createJwtToken(
  secret: Uint8Array,
  iatSeconds: number,
  extraClaims: Record<string, string | number> = {},
): string {
  const claims = Buffer.from(JSON.stringify({ iat: iatSeconds, ...extraClaims })).toString(
    'base64url',
  )
  const input = `${JWT_HEADER_B64}.${claims}`
  return `${input}.${sign(secret, input).toString('base64url')}`
}

/**
 * Returns the `Authorization` header value for a request sent now. Every call carries an `iat`
 * of the current second; tokens are memoised per second only (HMAC is microseconds, so caching
 * longer would buy nothing and drift towards the EL's 60 s window).
 */
export function createJwtAuthorizer(
  secret: Uint8Array,
  now: () => number = Date.now,
): () => string {
  let cachedIat = -1
  let cached = ''
  return () => {
    const iat = Math.floor(now() / 1000)
    if (iat !== cachedIat) {
      cachedIat = iat
      cached = `Bearer ${createJwtToken(secret, iat)}`
    }
    return cached
  }
}

export type JwtVerifyResult = { ok: true; iat: number } | { ok: false; reason: string }

function decodeJsonPart(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

/**
 * Checks an `Authorization` header the way geth and reth do: HS256 only, valid signature,
 * `iat` within ±60 s of now, `exp` (if sent) not in the past. Reasons use geth's wording.
 */
export function verifyJwtAuthorization(
  header: string | undefined,
  secret: Uint8Array,
  nowMs: number = Date.now(),
  maxSkewSeconds: number = JWT_IAT_MAX_SKEW_SECONDS,
): JwtVerifyResult {
  if (header === undefined || header === '') return { ok: false, reason: 'missing token' }
  if (header.length > JWT_MAX_TOKEN_LENGTH_CHARS) return { ok: false, reason: 'token too long' }
  const match = /^Bearer\s+(\S+)$/.exec(header)
  if (match === null) return { ok: false, reason: 'missing token' }
  const parts = match[1]!.split('.')
  if (parts.length !== 3) return { ok: false, reason: 'token is malformed' }
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string]
  const jose = decodeJsonPart(headerPart)
  const claims = decodeJsonPart(claimsPart)
  if (jose === null || claims === null) return { ok: false, reason: 'token is malformed' }
  if (jose.alg !== 'HS256') return { ok: false, reason: 'unsupported signature algorithm' }
  const expected = sign(secret, `${headerPart}.${claimsPart}`)
  const given = Buffer.from(signaturePart, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature is invalid' }
  }
  const nowSeconds = nowMs / 1000
  if (typeof claims.exp === 'number' && claims.exp < nowSeconds) {
    return { ok: false, reason: 'token is expired' }
  }
  if (typeof claims.iat !== 'number') return { ok: false, reason: 'missing issued-at' }
  if (claims.iat < nowSeconds - maxSkewSeconds) return { ok: false, reason: 'stale token' }
  if (claims.iat > nowSeconds + maxSkewSeconds) return { ok: false, reason: 'future token' }
  return { ok: true, iat: claims.iat }
}
