/**
 * `bench compare`: the figures of several `bench latency` results side by side, one column per
 * run. The metric list below is the one source of the terminal table, the HTML table and the
 * JSON, so the three always agree.
 */
import { basename, dirname } from 'node:path'
import type { Percentiles } from '../devnet/latencyStats.ts'
import {
  e2eQuantilePoints,
  type LatencyResultFields,
  resourceFigures,
  toKb,
} from './latencyFigures.ts'
import type { LoadedResult } from './latencyResultFile.ts'
import { quantileFraction, renderTextCdf, sampleFraction } from './textCdf.ts'

/** One run in a comparison: a result with its label. */
export interface LabelledResult extends LoadedResult {
  label: string
}

/** One column of the comparison (the documented JSON of `bench compare --json`). */
export interface ComparedRun {
  label: string
  /** The file it was read from */
  source: string
  nodes: number
  blocks: number
  /** Mean decompressed block size, KB */
  blockKb: number
  delivery: number
  e2eMs: Percentiles
  hopMs: Percentiles
  duplicatesPerNodePerBlock: number | null
  /** Mean per follower per block, KB */
  kbSentPerNodePerBlock: number
  kbReceivedPerNodePerBlock: number
  /** Follower CPU per second of the measured window, ms/s */
  cpuMsPerSecond: { mean: number; max: number }
  /** Follower peak RSS, MB */
  rssMb: { mean: number; max: number }
  /** Whether the file holds the raw samples (then the CDF is exact, else drawn from percentiles) */
  hasSamples: boolean
}

export interface Comparison {
  runs: ComparedRun[]
}

/** The figures of one run. */
export function compareRun(run: LabelledResult): ComparedRun {
  const r: LatencyResultFields = run.result
  const resources = resourceFigures(r)
  return {
    label: run.label,
    source: run.source,
    nodes: r.nodes,
    blocks: r.blocks,
    blockKb: toKb(r.blockBytes),
    delivery: r.delivery,
    e2eMs: r.e2eMs,
    hopMs: r.hopMs,
    duplicatesPerNodePerBlock: r.duplicatesPerNodePerBlock,
    kbSentPerNodePerBlock: toKb(r.bytesPerNodePerBlock.sent),
    kbReceivedPerNodePerBlock: toKb(r.bytesPerNodePerBlock.received),
    cpuMsPerSecond: resources.cpuMsPerSecond,
    rssMb: resources.rssMb,
    hasSamples: run.samples !== null,
  }
}

export function compareRuns(runs: readonly LabelledResult[]): Comparison {
  return { runs: runs.map(compareRun) }
}

/**
 * A file's label: its path without `.json`/`.jsonl`, or its directory for a `result.json` (two
 * reports are told apart by their directories).
 */
export function labelOfFile(path: string): string {
  if (basename(path) === 'result.json') {
    const dir = dirname(path)
    return dir === '.' ? 'result' : dir
  }
  return path.replace(/\.jsonl?$/, '')
}

/**
 * Labels every result: the file's label (or the `--label` given for it), plus the block size
 * when a file holds several results.
 */
export function labelResults(
  files: ReadonlyArray<{ path: string; results: readonly LoadedResult[] }>,
  labels?: readonly string[],
): LabelledResult[] {
  return files.flatMap((file, i) => {
    const base = labels?.[i] ?? labelOfFile(file.path)
    return file.results.map((r) => ({
      ...r,
      label: file.results.length > 1 ? `${base} ${toKb(r.result.blockBytes)} KB` : base,
    }))
  })
}

/** One row of the comparison table. */
export interface ComparisonMetric {
  name: string
  value(run: ComparedRun): number | null
  /** Decimals shown */
  digits: number
}

/** The table's rows, in order. */
export const COMPARISON_METRICS: readonly ComparisonMetric[] = [
  { name: 'follower nodes', value: (r) => r.nodes, digits: 0 },
  { name: 'measured blocks', value: (r) => r.blocks, digits: 0 },
  { name: 'block KB', value: (r) => r.blockKb, digits: 1 },
  { name: 'delivery ratio', value: (r) => r.delivery, digits: 3 },
  { name: 'e2e ms p50', value: (r) => r.e2eMs.p50, digits: 2 },
  { name: 'e2e ms p90', value: (r) => r.e2eMs.p90, digits: 2 },
  { name: 'e2e ms p99', value: (r) => r.e2eMs.p99, digits: 2 },
  { name: 'e2e ms max', value: (r) => r.e2eMs.max, digits: 2 },
  { name: 'hop ms p50', value: (r) => r.hopMs.p50, digits: 2 },
  { name: 'duplicates /node/block', value: (r) => r.duplicatesPerNodePerBlock, digits: 2 },
  { name: 'KB sent /node/block', value: (r) => r.kbSentPerNodePerBlock, digits: 1 },
  { name: 'KB recv /node/block', value: (r) => r.kbReceivedPerNodePerBlock, digits: 1 },
  { name: 'CPU ms/s per node (mean)', value: (r) => r.cpuMsPerSecond.mean, digits: 1 },
  { name: 'CPU ms/s per node (max)', value: (r) => r.cpuMsPerSecond.max, digits: 1 },
  { name: 'RSS MB per node (max)', value: (r) => r.rssMb.max, digits: 0 },
]

/** A metric's cell text ('n/a' when the run did not measure it). */
export function formatMetric(metric: ComparisonMetric, run: ComparedRun): string {
  const v = metric.value(run)
  return v === null ? 'n/a' : v.toFixed(metric.digits)
}

/** The relative change from `a` to `b` ("+12.5%"), or '' when it is undefined. */
export function relativeChange(a: number | null, b: number | null): string {
  if (a === null || b === null) return ''
  if (a === 0) return b === 0 ? '0%' : ''
  const pct = ((b - a) / Math.abs(a)) * 100
  const text = `${Math.abs(pct) < 10 ? pct.toFixed(1) : pct.toFixed(0)}%`
  return pct > 0 ? `+${text}` : text
}

/** Header and rows of the side-by-side table; with exactly two runs, a change column. */
export function comparisonCells(c: Comparison): { header: string[]; rows: string[][] } {
  const second = c.runs.length === 2 ? c.runs[1] : undefined
  const first = c.runs[0]
  const withChange = second !== undefined && first !== undefined
  const header = ['metric', ...c.runs.map((r) => r.label), ...(withChange ? ['change'] : [])]
  const rows = COMPARISON_METRICS.map((m) => [
    m.name,
    ...c.runs.map((r) => formatMetric(m, r)),
    ...(withChange ? [relativeChange(m.value(first), m.value(second))] : []),
  ])
  return { header, rows }
}

/** The table as text lines: metric names left-aligned, numbers right-aligned. */
export function formatComparisonTable(c: Comparison): string[] {
  const { header, rows } = comparisonCells(c)
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const labelsBySource = new Map<string, string[]>()
  for (const r of c.runs) {
    labelsBySource.set(r.source, [...(labelsBySource.get(r.source) ?? []), r.label])
  }
  const files = [...labelsBySource].map(([source, labels]) => `${labels.join(', ')} = ${source}`)
  return [line(header), ...rows.map(line), '', `files: ${files.join('; ')}`]
}

/** The runs' end-to-end CDFs overlaid in characters (from percentiles when a file has no samples). */
export function comparisonTextCdf(runs: readonly LabelledResult[]): string[] {
  return renderTextCdf(
    runs.map((run) => {
      if (run.samples !== null) {
        return {
          label: run.label,
          fractionAt: sampleFraction(run.samples.e2eMs),
          extent: run.samples.e2eMs,
        }
      }
      const points = e2eQuantilePoints(run.result)
      return {
        label: `${run.label} (from percentiles)`,
        fractionAt: quantileFraction(points),
        extent: points.map((p) => p.value),
      }
    }),
  )
}
