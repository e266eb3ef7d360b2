/**
 * Go-style durations for flags that op-node takes as time.Duration (`10m`, `30s`, `1h30m`,
 * `500ms`, `0`), so operators can copy their op-node values.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }
const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/
const PART_PATTERN = /(\d+(?:\.\d+)?)(ms|s|m|h)/g

export class DurationError extends Error {
  override readonly name = 'DurationError'
  readonly code = 'BAD_DURATION'
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
