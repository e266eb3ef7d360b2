/** Number flags: parsed from text with one-line usage errors that name the flag. */
import { UsageError } from './usageError.ts'

/** A whole number flag in [min, max]. */
export function parseIntegerFlag(
  flag: string,
  text: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = Number(text)
  if (!/^[0-9]+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number in [${min}, ${max}], got '${text}'`, {
      flag,
    })
  }
  return n
}

/** A non-negative decimal flag up to max. */
export function parseDecimalFlag(flag: string, text: string, max: number): number {
  const n = Number(text)
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text.trim()) || !(n >= 0) || n > max) {
    throw new UsageError(`${flag} must be a number in [0, ${max}], got '${text}'`, { flag })
  }
  return n
}

/** Any finite number (negative and fractional included). */
export function parseNumberFlag(flag: string, text: string): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError(`${flag} must be a number, got '${text}'`, { flag })
  }
  return n
}
