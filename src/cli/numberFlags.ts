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
    throw new UsageError(`${flag} must be a whole number in [${min}, ${max}], got '${text}'`)
  }
  return n
}
