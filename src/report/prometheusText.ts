/**
 * A reader for the Prometheus text exposition format (version 0.0.4), enough to pull histograms
 * out of a node's /metrics page, and Prometheus' `histogram_quantile` estimate over bucket
 * counts. Written here because prom-client only produces the format and the few parsers on npm
 * are unmaintained; the grammar needed is one line per sample.
 */

/** Largest metrics page read (a node's page is tens of KB). */
export const MAX_METRICS_TEXT_BYTES = 16 * 2 ** 20

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export class MetricsParseError extends Error {
  override readonly name = 'MetricsParseError'
  readonly code = 'METRICS_BAD_TEXT'
}

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY
    case '-Inf':
      return Number.NEGATIVE_INFINITY
    case 'NaN':
      return Number.NaN
    default: {
      const n = Number(text)
      if (text === '' || Number.isNaN(n)) throw new MetricsParseError(`bad sample value '${text}'`)
      return n
    }
  }
}

/** Parses `{a="x",b="y"}` starting at `i` (the '{'); returns the labels and the index after '}'. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {}
  let i = start + 1
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++
    if (line[i] === '}') return { labels, end: i + 1 }
    const eq = line.indexOf('=', i)
    if (eq < 0 || line[eq + 1] !== '"') throw new MetricsParseError(`bad label in '${line}'`)
    const key = line.slice(i, eq).trim()
    let value = ''
    let j = eq + 2
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === '\\') {
        const next = line[++j]
        value += next === 'n' ? '\n' : (next ?? '')
      } else {
        value += line[j]
      }
    }
    if (j >= line.length) throw new MetricsParseError(`unterminated label value in '${line}'`)
    labels[key] = value
    i = j + 1
  }
}

/** All samples of the page (comments and blank lines skipped). */
export function parsePrometheusText(text: string): Sample[] {
  if (text.length > MAX_METRICS_TEXT_BYTES) {
    throw new MetricsParseError(`metrics page over ${MAX_METRICS_TEXT_BYTES} bytes`)
  }
  const out: Sample[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const brace = line.indexOf('{')
    const space = line.indexOf(' ')
    let name: string
    let labels: Record<string, string> = {}
    let rest: string
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.slice(0, brace)
      const parsed = parseLabels(line, brace)
      labels = parsed.labels
      rest = line.slice(parsed.end).trim()
    } else {
      if (space < 0) throw new MetricsParseError(`sample without value: '${line}'`)
      name = line.slice(0, space)
      rest = line.slice(space + 1).trim()
    }
    const value = parseValue(rest.split(/\s+/)[0] ?? '')
    out.push({ name, labels, value })
  }
  return out
}

/** One histogram series: cumulative bucket counts by upper bound, plus sum and count. */
export interface HistogramSeries {
  labels: Record<string, string>
  /** Ascending upper bounds (the last is +Inf) with cumulative counts */
  buckets: Array<{ le: number; count: number }>
  sum: number
  count: number
}

function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .filter((k) => k !== 'le')
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')
}

/** The series of histogram `name` (one per label set other than `le`). */
export function histogramSeries(samples: readonly Sample[], name: string): HistogramSeries[] {
  const series = new Map<string, HistogramSeries>()
  const get = (labels: Record<string, string>) => {
    const key = labelKey(labels)
    let s = series.get(key)
    if (s === undefined) {
      const { le: _le, ...rest } = labels
      s = { labels: rest, buckets: [], sum: 0, count: 0 }
      series.set(key, s)
    }
    return s
  }
  for (const sample of samples) {
    if (sample.name === `${name}_bucket` && sample.labels.le !== undefined) {
      get(sample.labels).buckets.push({ le: parseValue(sample.labels.le), count: sample.value })
    } else if (sample.name === `${name}_sum`) {
      get(sample.labels).sum = sample.value
    } else if (sample.name === `${name}_count`) {
      get(sample.labels).count = sample.value
    }
  }
  for (const s of series.values()) s.buckets.sort((a, b) => a.le - b.le)
  return [...series.values()]
}

/** `after − before` bucket by bucket (what happened in between two scrapes). */
export function histogramDelta(
  before: HistogramSeries | undefined,
  after: HistogramSeries,
): HistogramSeries {
  if (before === undefined) return after
  const prev = new Map(before.buckets.map((b) => [b.le, b.count]))
  return {
    labels: after.labels,
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (prev.get(b.le) ?? 0) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  }
}

/**
 * Prometheus' histogram_quantile: linear interpolation inside the bucket holding the rank; the
 * first bucket starts at 0; a rank in the +Inf bucket gives the highest finite bound. NaN for an
 * empty histogram.
 */
export function histogramQuantile(h: HistogramSeries, q: number): number {
  const total = h.buckets.at(-1)?.count ?? 0
  if (!(total > 0)) return Number.NaN
  const rank = q * total
  let prevLe = 0
  let prevCount = 0
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Number.POSITIVE_INFINITY) return prevLe
      if (b.count === prevCount) return b.le
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / (b.count - prevCount)
    }
    prevLe = b.le
    prevCount = b.count
  }
  return prevLe
}

/** Upper bound of the highest non-empty bucket (+Inf when observations exceed every bound). */
export function histogramMaxBound(h: HistogramSeries): number {
  let prev = 0
  let bound = Number.NaN
  for (const b of h.buckets) {
    if (b.count > prev) bound = b.le
    prev = b.count
  }
  return bound
}
