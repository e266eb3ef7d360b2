/**
 * Figures derived from one `bench latency` result for the report's headline, its per-block
 * chart and `bench compare`: CPU as a rate, memory in MB, per-block latency in send order. Pure,
 * and read only from what result.json holds, so a saved result gives the same figures.
 */
import type { LatencyBenchResult } from '../devnet/latencyBench.ts'

/** The fields of a result these figures read (older results and `--json` lines hold them). */
export type LatencyResultFields = Pick<
  LatencyBenchResult,
  | 'nodes'
  | 'blocks'
  | 'blockBytes'
  | 'blockTime'
  | 'delivery'
  | 'e2eMs'
  | 'hopMs'
  | 'duplicatesPerNodePerBlock'
  | 'bytesPerNodePerBlock'
> & {
  perNode: ReadonlyArray<Pick<LatencyBenchResult['perNode'][number], 'rssBytes' | 'cpuSeconds'>>
  perBlock: ReadonlyArray<
    Pick<LatencyBenchResult['perBlock'][number], 'number' | 'firstMs' | 'medianMs' | 'lastMs'>
  >
}

const BYTES_PER_MB = 1e6
const BYTES_PER_KB = 1000

export interface ResourceFigures {
  /** Length of the measured window: one slot per measured block, seconds */
  windowSeconds: number
  /** Follower CPU time per second of the window (user + system), ms/s: mean and busiest node */
  cpuMsPerSecond: { mean: number; max: number }
  /** Follower peak resident set size, MB: mean and largest node */
  rssMb: { mean: number; max: number }
}

const round1 = (x: number) => Math.round(x * 10) / 10

function meanOf(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length
}

/** CPU time per second of a window, ms/s (0 for an empty window). */
export function cpuMsPerSecond(cpuSeconds: number, windowSeconds: number): number {
  return windowSeconds > 0 ? (cpuSeconds * 1000) / windowSeconds : 0
}

/**
 * CPU and memory per follower. The counters are read half a slot before the first measured
 * publish and half a slot after the last, so the window is `blocks × blockTime` seconds.
 */
export function resourceFigures(r: LatencyResultFields): ResourceFigures {
  const windowSeconds = r.blocks * r.blockTime
  const cpu = r.perNode.map((n) => cpuMsPerSecond(n.cpuSeconds, windowSeconds))
  const rss = r.perNode.map((n) => n.rssBytes / BYTES_PER_MB)
  return {
    windowSeconds,
    cpuMsPerSecond: { mean: round1(meanOf(cpu)), max: round1(Math.max(0, ...cpu)) },
    rssMb: { mean: round1(meanOf(rss)), max: round1(Math.max(0, ...rss)) },
  }
}

/** Kilobytes (1000 bytes), one decimal. */
export function toKb(bytes: number): number {
  return round1(bytes / BYTES_PER_KB)
}

/** One measured block's latency, in send order (index 1 is the first measured block). */
export interface BlockLatencyPoint {
  index: number
  number: number
  firstMs: number
  medianMs: number
  lastMs: number
}

/** Per-block latency in send order; blocks no node received are left out (and counted). */
export function blockLatencySeries(r: LatencyResultFields): {
  points: BlockLatencyPoint[]
  undelivered: number
} {
  const points: BlockLatencyPoint[] = []
  r.perBlock.forEach((b, k) => {
    if (b.firstMs === null || b.medianMs === null || b.lastMs === null) return
    points.push({
      index: k + 1,
      number: b.number,
      firstMs: b.firstMs,
      medianMs: b.medianMs,
      lastMs: b.lastMs,
    })
  })
  return { points, undelivered: r.perBlock.length - points.length }
}

/**
 * The points of the end-to-end CDF a result's percentiles give, from its fastest delivery (the
 * earliest first arrival of any block) to its slowest; for files saved without samples.
 */
export function e2eQuantilePoints(
  r: LatencyResultFields,
): Array<{ fraction: number; value: number }> {
  const firsts = blockLatencySeries(r).points.map((p) => p.firstMs)
  const e2e = r.e2eMs
  return [
    { fraction: 0, value: Math.min(e2e.p50, ...firsts) },
    { fraction: 0.5, value: e2e.p50 },
    { fraction: 0.9, value: e2e.p90 },
    { fraction: 0.99, value: e2e.p99 },
    { fraction: 1, value: e2e.max },
  ]
}

/** Whether the results ran at more than one block size (then latency vs size is worth a chart). */
export function hasSeveralSizes(results: ReadonlyArray<Pick<LatencyBenchResult, 'blockBytes'>>) {
  return new Set(results.map((r) => r.blockBytes)).size > 1
}
