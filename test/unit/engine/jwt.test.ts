import { createHmac } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EngineError } from '../../../src/engine/errors.ts'
import {
  createJwtAuthorizer,
  createJwtToken,
  JWT_IAT_MAX_SKEW_SECONDS,
  JWT_SECRET_SIZE_BYTES,
  loadJwtSecretFile,
  parseJwtSecret,
  verifyJwtAuthorization,
} from '../../../src/engine/jwt.ts'

const HEX = '7365637265742d7365637265742d7365637265742d7365637265742d21212121'
const SECRET = new Uint8Array(Buffer.from(HEX, 'hex'))

function decodePart(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
}

function expectSecretError(text: string, fragment: RegExp) {
  let caught: unknown
  try {
    parseJwtSecret(text)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(EngineError)
  const err = caught as EngineError
  expect(err.code).toBe('ENGINE_JWT_SECRET_INVALID')
  expect(err.message).toMatch(fragment)
  expect(err.message).not.toContain('\n')
  // the secret's content never appears in the message
  if (text.trim().length > 8) expect(err.message).not.toContain(text.trim().slice(2, 10))
}

describe('engine / jwt', () => {
  describe('secret parsing', () => {
    it('accepts 64 hex characters', () => {
      expect(parseJwtSecret(HEX)).toEqual(SECRET)
      expect(parseJwtSecret(HEX).length).toBe(JWT_SECRET_SIZE_BYTES)
    })

    it('accepts a 0x / 0X prefix and upper-case hex', () => {
      expect(parseJwtSecret(`0x${HEX}`)).toEqual(SECRET)
      expect(parseJwtSecret(`0X${HEX.toUpperCase()}`)).toEqual(SECRET)
    })

    it('trims surrounding whitespace and newlines', () => {
      expect(parseJwtSecret(`  \n0x${HEX}\r\n\t `)).toEqual(SECRET)
    })

    it('rejects a wrong length (one short, one long, empty, 0x only)', () => {
      expectSecretError(HEX.slice(1), /64 hex characters.*has 63 characters/)
      expectSecretError(`${HEX}00`, /has 66 characters/)
      expectSecretError('', /has 0 characters/)
      expectSecretError('0x', /has 0 characters/)
    })

    it('rejects non-hex characters and inner whitespace', () => {
      expectSecretError(`${HEX.slice(0, 63)}g`, /not hex/)
      expectSecretError(`${HEX.slice(0, 32)} ${HEX.slice(33)}`, /not hex/)
    })

    it('reads a secret file, and reports unreadable or malformed files in one line', () => {
      const dir = mkdtempSync(join(tmpdir(), 'jwt-'))
      const good = join(dir, 'jwt.hex')
      writeFileSync(good, `0x${HEX}\n`)
      expect(loadJwtSecretFile(good)).toEqual(SECRET)
      const bad = join(dir, 'bad.hex')
      writeFileSync(bad, 'hello')
      expect(() => loadJwtSecretFile(bad)).toThrow(
        /JWT secret file .*bad\.hex must be 64 hex characters/,
      )
      expect(() => loadJwtSecretFile(join(dir, 'missing'))).toThrow(
        /cannot read JWT secret file .*ENOENT/,
      )
    })
  })

  describe('tokens', () => {
    it('is HS256 with iat as the only claim, signed with the raw 32 bytes', () => {
      const token = createJwtToken(SECRET, 1_700_000_000)
      const [header, claims, signature] = token.split('.') as [string, string, string]
      expect(decodePart(header)).toEqual({ alg: 'HS256', typ: 'JWT' })
      expect(decodePart(claims)).toEqual({ iat: 1_700_000_000 })
      const expected = createHmac('sha256', SECRET)
        .update(`${header}.${claims}`)
        .digest('base64url')
      expect(signature).toBe(expected)
      // Cross-checked with Python hmac/hashlib: the exact compact token for this secret and iat.
      expect(token).toMatchInlineSnapshot(
        `"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3MDAwMDAwMDB9.xxGMKCRShm7y4okte8kt0_xIVM0hnL8si_SbgajD97M"`,
      )
    })

    it('the authorizer puts the current second in iat of every request', () => {
      let nowMs = 1_700_000_000_500
      const authorize = createJwtAuthorizer(SECRET, () => nowMs)
      const first = authorize()
      expect(first.startsWith('Bearer ')).toBe(true)
      expect(decodePart(first.slice(7).split('.')[1]!)).toEqual({ iat: 1_700_000_000 })
      nowMs += 30_000
      expect(decodePart(authorize().slice(7).split('.')[1]!)).toEqual({ iat: 1_700_000_030 })
    })
  })

  describe('verification (the EL side, as geth / reth check it)', () => {
    const now = 1_700_000_000_000
    const bearer = (iat: number, secret = SECRET) => `Bearer ${createJwtToken(secret, iat)}`

    it('accepts iat within ±60 s, at the edges too', () => {
      expect(verifyJwtAuthorization(bearer(now / 1000), SECRET, now)).toEqual({
        ok: true,
        iat: now / 1000,
      })
      expect(
        verifyJwtAuthorization(bearer(now / 1000 - JWT_IAT_MAX_SKEW_SECONDS), SECRET, now).ok,
      ).toBe(true)
      expect(
        verifyJwtAuthorization(bearer(now / 1000 + JWT_IAT_MAX_SKEW_SECONDS), SECRET, now).ok,
      ).toBe(true)
    })

    it('rejects iat past the window with geth wording', () => {
      expect(verifyJwtAuthorization(bearer(now / 1000 - 61), SECRET, now)).toEqual({
        ok: false,
        reason: 'stale token',
      })
      expect(verifyJwtAuthorization(bearer(now / 1000 + 61), SECRET, now)).toEqual({
        ok: false,
        reason: 'future token',
      })
    })

    it('rejects a token signed with another secret', () => {
      const other = new Uint8Array(32).fill(7)
      expect(verifyJwtAuthorization(bearer(now / 1000, other), SECRET, now)).toEqual({
        ok: false,
        reason: 'signature is invalid',
      })
    })

    it('rejects missing tokens, alg none, no iat and an expired exp', () => {
      expect(verifyJwtAuthorization(undefined, SECRET, now).ok).toBe(false)
      expect(verifyJwtAuthorization('Basic abc', SECRET, now).ok).toBe(false)
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"iat":1}').toString('base64url')}.`
      expect(verifyJwtAuthorization(`Bearer ${none}`, SECRET, now)).toEqual({
        ok: false,
        reason: 'unsupported signature algorithm',
      })
      const noIat = createJwtToken(SECRET, 0).replace(
        /\..*\./,
        `.${Buffer.from('{}').toString('base64url')}.`,
      )
      expect(verifyJwtAuthorization(`Bearer ${noIat}`, SECRET, now).ok).toBe(false)
      const expired = createJwtToken(SECRET, now / 1000, { exp: now / 1000 - 1 })
      expect(verifyJwtAuthorization(`Bearer ${expired}`, SECRET, now)).toEqual({
        ok: false,
        reason: 'token is expired',
      })
    })
  })
})
