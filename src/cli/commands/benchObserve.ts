/**
 * `op-gossip bench observe`: real block arrival delays at a running node over a time window,
 * from its metrics endpoint (`--metrics URL`) and/or its RPC (`--rpc URL`, optimism_syncStatus
 * polling; works against op-node too). See src/report/observe.ts. `--latency-log FILE...` reads
 * latency CSVs in base-consensus's format instead or as well (src/report/latencyLogFile.ts).
 */
import type { Command } from 'commander'
import type { Percentiles } from '../../devnet/latencyStats.ts'
import {
  type LatencyLogSummary,
  readLatencyLog,
  summarizeLatencyLogs,
} from '../../report/latencyLogFile.ts'
import {
  type HistogramSummary,
  type MetricsObservation,
  ObserveError,
  observeMetrics,
  observeSyncStatus,
  type RpcObservation,
} from '../../report/observe.ts'
import { parseIntegerFlag } from '../numberFlags.ts'
import { UsageError } from '../usageError.ts'

export const DEFAULT_OBSERVE_WINDOW_SECONDS = 60
export const MAX_OBSERVE_WINDOW_SECONDS = 24 * 3600
export const DEFAULT_POLL_INTERVAL_MS = 100
export const MIN_POLL_INTERVAL_MS = 10
export const MAX_POLL_INTERVAL_MS = 60_000

interface ObserveFlags {
  rpc?: string
  metrics?: string
  window: string
  interval: string
  json?: boolean
  latencyLog?: string[]
}

function checkUrl(flag: string, text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError(`${flag} must be an http:// or https:// URL, got '${text}'`, { flag })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${flag} must be an http:// or https:// URL, got '${text}'`, { flag })
  }
  return text
}

/** `30`, `30s`, `2m` → milliseconds */
export function parseWindow(text: string): number {
  const m = /^([0-9]+)(s|m)?$/.exec(text.trim())
  if (m === null) {
    throw new UsageError(`--window must look like 60, 60s or 5m, got '${text}'`, {
      flag: '--window',
    })
  }
  const seconds = Number(m[1]) * (m[2] === 'm' ? 60 : 1)
  if (seconds < 1 || seconds > MAX_OBSERVE_WINDOW_SECONDS) {
    throw new UsageError('--window must be 1 s to 24 h', { flag: '--window' })
  }
  return seconds * 1000
}

const fmt = (x: number | null) => (x === null ? '-' : String(x))

function labelText(h: HistogramSummary): string {
  const entries = Object.entries(h.labels)
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${v}"`).join(',')}}`
}

/**
 * One histogram's line. When every observation fell in one bucket, its bounds replace the
 * percentiles (which would be interpolated inside that bucket, i.e. made up).
 */
export function histogramLine(h: HistogramSummary): string {
  const head = `  ${h.name}${labelText(h)}: n=${h.count} mean ${fmt(h.mean)}`
  if (h.singleBucket !== null) {
    return `${head} ${h.unit}, all ${h.singleBucket.text} (one bucket)`
  }
  return `${head} p50 ${fmt(h.p50)} p90 ${fmt(h.p90)} p99 ${fmt(h.p99)} max<=${h.overflow ? 'above last bucket' : fmt(h.maxBound)} ${h.unit}`
}

function printMetrics(o: MetricsObservation): void {
  console.log(`metrics ${o.url}, ${o.windowSeconds} s window (bucket-interpolated estimates)`)
  for (const h of o.histograms) console.log(histogramLine(h))
}

function printRpc(o: RpcObservation): void {
  const d = o.arrivalDelayMs
  console.log(
    `rpc ${o.url}, ${o.windowSeconds} s window, polled every ${o.pollIntervalMs} ms: ${o.blocks} new unsafe heads (${o.skipped} skipped between polls)`,
  )
  console.log(
    `  arrival delay (head seen − block timestamp, ±${o.pollIntervalMs / 2} ms): p50 ${d.p50} p90 ${d.p90} p99 ${d.p99} max ${d.max} mean ${fmt(o.meanMs)} ms`,
  )
}

const p4 = (p: Percentiles) => `p50 ${p.p50} p90 ${p.p90} p99 ${p.p99} max ${p.max}`

function printLatencyLogs(s: LatencyLogSummary): void {
  for (const f of s.files) {
    console.log(
      `latency log ${f.source} (region ${f.regions.join('/') || '-'}): ${f.blocks} blocks (${f.rows} rows, #${f.firstBlock ?? '-'}..#${f.lastBlock ?? '-'})`,
    )
    console.log(`  first-seen latency (received − produced, ms): ${p4(f.firstSeenLatencyMs)}`)
  }
  const j = s.joined
  if (j === null) {
    if (s.files.length > 1) console.log('no block appears in two latency logs: nothing to join')
    return
  }
  console.log(`joined by block hash: ${j.joinedBlocks} blocks in two or more logs`)
  console.log(`  spread (last observer − first, ms): ${p4(j.spreadMs)}`)
  for (const o of j.observers) {
    console.log(
      `  ${o.regions.join('/') || '-'} (${o.source}): ${o.blocks} blocks, first for ${o.firstSeen}; behind the first observer ms: ${p4(o.behindFirstMs)}`,
    )
  }
}

/** `--latency-log` files only: read and summarise, no window to wait for. */
function readLatencyLogs(paths: readonly string[] | undefined): LatencyLogSummary | null {
  if (paths === undefined || paths.length === 0) return null
  const files = paths.flatMap((p) => p.split(',')).filter((p) => p.trim() !== '')
  return summarizeLatencyLogs(files.map((p) => readLatencyLog(p.trim())))
}

async function run(flags: ObserveFlags): Promise<void> {
  const latencyLogs = readLatencyLogs(flags.latencyLog)
  if (flags.rpc === undefined && flags.metrics === undefined) {
    if (latencyLogs !== null) {
      if (flags.json === true) console.log(JSON.stringify({ latencyLogs }))
      else printLatencyLogs(latencyLogs)
      return
    }
    throw new UsageError(
      'give --metrics URL (Prometheus endpoint) and/or --rpc URL, or --latency-log FILE',
    )
  }
  const windowMs = parseWindow(flags.window)
  const intervalMs = parseIntegerFlag(
    '--interval',
    flags.interval,
    MIN_POLL_INTERVAL_MS,
    MAX_POLL_INTERVAL_MS,
  )
  const rpcUrl = flags.rpc === undefined ? null : checkUrl('--rpc', flags.rpc)
  const metricsUrl = flags.metrics === undefined ? null : checkUrl('--metrics', flags.metrics)
  process.stderr.write(`observing for ${windowMs / 1000} s...\n`)
  try {
    const [metrics, rpc] = await Promise.all([
      metricsUrl === null ? null : observeMetrics({ url: metricsUrl, windowMs }),
      rpcUrl === null ? null : observeSyncStatus({ url: rpcUrl, windowMs, intervalMs }),
    ])
    if (flags.json === true) {
      const logs = latencyLogs === null ? {} : { latencyLogs }
      console.log(JSON.stringify({ windowSeconds: windowMs / 1000, metrics, rpc, ...logs }))
      return
    }
    if (metrics !== null) printMetrics(metrics)
    if (rpc !== null) printRpc(rpc)
    if (latencyLogs !== null) printLatencyLogs(latencyLogs)
  } catch (err) {
    if (!(err instanceof ObserveError)) throw err
    // Not a usage error: the node is down or answers something else. One line, exit 1.
    process.stderr.write(`op-gossip: ${err.code}: ${err.message}\n`)
    process.exitCode = 1
  }
}

export function registerObserve(bench: Command): void {
  bench
    .command('observe')
    .description('passively measure block arrival delays at a running node over a time window')
    .option('--metrics <url>', 'Prometheus endpoint, e.g. http://127.0.0.1:7300/metrics')
    .option('--rpc <url>', 'node RPC answering optimism_syncStatus (op-gossip or op-node)')
    .option(
      '--window <duration>',
      'how long to observe: 60, 60s or 5m',
      `${DEFAULT_OBSERVE_WINDOW_SECONDS}s`,
    )
    .option(
      '--interval <ms>',
      'optimism_syncStatus poll interval',
      String(DEFAULT_POLL_INTERVAL_MS),
    )
    .option(
      '--latency-log <files...>',
      "latency CSVs in base-consensus's format (op-gossip run --p2p.latency.log, Base's nodes); several are joined by block hash",
    )
    .option('--json', 'one JSON object on stdout')
    .action((flags: ObserveFlags) => run(flags))
}
