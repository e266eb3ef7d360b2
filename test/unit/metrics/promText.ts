/** A small parser of the Prometheus text format, for asserting on /metrics output in tests. */

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface MetricMeta {
  help: string
  type: string
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/g

function parseValue(v: string): number {
  if (v === '+Inf') return Number.POSITIVE_INFINITY
  if (v === '-Inf') return Number.NEGATIVE_INFINITY
  return Number(v)
}

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = SAMPLE_LINE.exec(line)
    if (m === null) throw new Error(`unparsable metrics line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[3] ?? '').matchAll(LABEL)) {
      labels[l[1] as string] = (l[2] as string).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1')
    }
    out.push({ name: m[1] as string, labels, value: parseValue(m[4] as string) })
  }
  return out
}

/** HELP and TYPE per metric family. */
export function parseMetricMeta(text: string): Map<string, MetricMeta> {
  const out = new Map<string, MetricMeta>()
  for (const line of text.split('\n')) {
    const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (m === null) continue
    const entry = out.get(m[2] as string) ?? { help: '', type: '' }
    if (m[1] === 'HELP') entry.help = m[3] as string
    else entry.type = m[3] as string
    out.set(m[2] as string, entry)
  }
  return out
}

/** The value of the one sample named `name` whose labels include `labels`. */
export function metricValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const matches = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )
  if (matches.length > 1) {
    throw new Error(
      `${matches.length} samples of ${name} match ${JSON.stringify(labels)}: add labels`,
    )
  }
  return matches[0]?.value
}

/** Sum over every sample named `name` whose labels include `labels`. */
export function metricSum(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0)
}
