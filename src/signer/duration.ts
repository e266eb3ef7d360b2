/**
 * Go-style durations for flags that op-node takes as time.Duration (`10m`, `30s`, `1h30m`,
 * `500ms`, `0`), so operators can copy their op-node values.
 */
import { OpGossipError } from '../util/errors.ts'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }
const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/
const PART_PATTERN = /(\d+(?:\.\d+)?)(ms|s|m|h)/g
/** Units formatDurationMs tries, largest first. */
const FORMAT_UNITS = ['h', 'm', 's'] as const

/** A duration that does not parse: a bad flag or option value. */
export class DurationError extends OpGossipError<'BAD_DURATION'> {
  override readonly name = 'DurationError'
  constructor(message: string) {
    super('BAD_DURATION', message, { kind: 'configuration' })
  }
}

/** Milliseconds of a Go-style duration; a bare `0` is allowed. @throws DurationError */
export function parseDurationMs(text: string): number {
  const t = text.trim()
  if (t === '0') return 0
  if (!DURATION_PATTERN.test(t)) {
    throw new DurationError(
      `bad duration ${JSON.stringify(text)} (examples: 10m, 30s, 1h30m, 500ms, 0)`,
    )
  }
  let ms = 0
  for (const [, value, unit] of t.matchAll(PART_PATTERN))
    ms += Number(value) * (UNIT_MS[unit ?? ''] ?? 0)
  return Math.round(ms)
}

/**
 * The shortest Go-style text of a whole number of milliseconds, in the largest unit that divides
 * it (`3_600_000` → `1h`, `30_000` → `30s`, `1500` → `1500ms`): how help texts show defaults.
 * parseDurationMs reads it back to the same value.
 */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0'
  for (const unit of FORMAT_UNITS) {
    const size = UNIT_MS[unit] as number
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}
