/**
 * `op-gossip bench observe`: passive measurement of real block arrival delays at a running node
 * over a time window, from either of two sources:
 *
 * - metrics: the node's Prometheus page, scraped at the start and the end of the window; the
 *   difference of each histogram (by default `op_gossip_block_arrival_delay_seconds`, first
 *   seen minus block timestamp, and the stage / validation histograms next to it) is summarised
 *   with Prometheus' bucket interpolation, so precision is that of the buckets (and where every
 *   observation fell in one bucket, only that bucket's bounds are given: singleBucket).
 * - rpc: `optimism_syncStatus` polled every `intervalMs` (op-gossip or op-node); each new
 *   unsafe head's delay is (midpoint between the poll that saw it and the one before) minus its
 *   timestamp, so it is known to ± intervalMs / 2, and heads skipped between two polls are
 *   counted, not timed.
 */
import { type Percentiles, percentiles, roundPercentiles } from '../devnet/latencyStats.ts'
import {
  type HistogramSeries,
  histogramDelta,
  histogramMaxBound,
  histogramQuantile,
  histogramSeries,
  MAX_METRICS_TEXT_BYTES,
  parsePrometheusText,
} from './prometheusText.ts'

/** Histograms summarised by default (those a node does not export are left out). */
export const DEFAULT_OBSERVED_HISTOGRAMS = [
  'op_gossip_block_arrival_delay_seconds',
  'op_gossip_block_stage_delay_seconds',
  'op_gossip_gossip_validation_queue_seconds',
  'op_gossip_gossip_validation_duration_seconds',
] as const
/** Each HTTP request gives up after this long. */
export const OBSERVE_REQUEST_TIMEOUT_MS = 5000
const MS_PER_SECOND = 1000
/** Largest JSON-RPC answer read. */
export const MAX_RPC_ANSWER_BYTES = 1024 * 1024

export const ObserveErrorCode = {
  OBSERVE_HTTP_FAILED: 'OBSERVE_HTTP_FAILED',
  OBSERVE_BAD_RESPONSE: 'OBSERVE_BAD_RESPONSE',
  OBSERVE_NO_DATA: 'OBSERVE_NO_DATA',
} as const
export type ObserveErrorCode = keyof typeof ObserveErrorCode

export class ObserveError extends Error {
  override readonly name = 'ObserveError'
  readonly code: ObserveErrorCode
  constructor(code: ObserveErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export interface ObserveModules {
  /** @default globalThis.fetch */
  fetch?: typeof fetch
  /** @default Date.now */
  now?: () => number
  /** @default setTimeout-based */
  sleep?: (ms: number) => Promise<void>
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Reads the body, giving up (without buffering the rest) once it exceeds maxBytes. */
async function readLimited(res: Response, maxBytes: number, url: string): Promise<string> {
  const tooBig = () =>
    new ObserveError('OBSERVE_BAD_RESPONSE', `${url} answered more than ${maxBytes} bytes`)
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body?.cancel()
    throw tooBig()
  }
  if (res.body === null) return ''
  const chunks: Uint8Array[] = []
  let total = 0
  const reader = res.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel()
      throw tooBig()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function request(
  f: typeof fetch,
  url: string,
  init: RequestInit,
  maxBytes: number,
): Promise<string> {
  let res: Response
  try {
    res = await f(url, { ...init, signal: AbortSignal.timeout(OBSERVE_REQUEST_TIMEOUT_MS) })
  } catch (err) {
    throw new ObserveError(
      'OBSERVE_HTTP_FAILED',
      `cannot reach ${url}: ${(err as Error).message}`,
      {
        cause: err,
      },
    )
  }
  if (!res.ok) throw new ObserveError('OBSERVE_HTTP_FAILED', `${url} answered HTTP ${res.status}`)
  return readLimited(res, maxBytes, url)
}

export interface HistogramSummary {
  name: string
  labels: Record<string, string>
  /** Observations in the window */
  count: number
  /** In milliseconds for *_seconds histograms, else in the metric's unit */
  unit: 'ms' | 'value'
  mean: number | null
  p50: number | null
  p90: number | null
  p99: number | null
  /** Upper bound of the highest non-empty bucket (null when empty; Infinity shown as null + flag) */
  maxBound: number | null
  /** True when some observations were above every finite bucket bound */
  overflow: boolean
  /**
   * Set when every observation of the window fell in one bucket: percentiles interpolated
   * inside it are made up, so only its bounds are reported ("< 1 ms", "> 10 s").
   */
  singleBucket: SingleBucket | null
}

/** The one bucket holding every observation, bounds in the summary's unit. */
export interface SingleBucket {
  /** Bound below the bucket; null for the first bucket */
  above: number | null
  /** The bucket's upper bound; null for the top (+Inf) bucket */
  atMost: number | null
  /** What to print instead of percentiles: "< 5 ms", "> 10 s", "5 ms – 10 ms" */
  text: string
}

export interface MetricsObservation {
  source: 'metrics'
  url: string
  windowSeconds: number
  histograms: HistogramSummary[]
}

/** Milliseconds as printed: seconds from one second up. */
function msText(ms: number): string {
  return ms >= MS_PER_SECOND ? `${ms / MS_PER_SECOND} s` : `${ms} ms`
}

/** The bounds of the only non-empty bucket (unscaled), or null when there are several or none. */
function onlyBucket(h: HistogramSeries): { above: number | null; atMost: number } | null {
  let found: { above: number | null; atMost: number } | null = null
  let prev = 0
  let prevLe: number | null = null
  for (const b of h.buckets) {
    if (b.count > prev) {
      if (found !== null) return null
      found = { above: prevLe, atMost: b.le }
    }
    prev = b.count
    prevLe = b.le
  }
  return found
}

/** Significant digits kept of a scaled bucket bound (drops float noise such as 2.5000000000000004). */
const BOUND_SIGNIFICANT_DIGITS = 12

function singleBucketOf(
  h: HistogramSeries,
  scale: number,
  unit: HistogramSummary['unit'],
): SingleBucket | null {
  const only = onlyBucket(h)
  if (only === null) return null
  const scaled = (x: number) =>
    Number.isFinite(x) ? Number((x * scale).toPrecision(BOUND_SIGNIFICANT_DIGITS)) : null
  const above = only.above === null ? null : scaled(only.above)
  const atMost = scaled(only.atMost)
  const show = (x: number) => (unit === 'ms' ? msText(x) : String(x))
  let text: string
  if (above === null && atMost === null) text = 'any value'
  else if (above === null) text = `< ${show(atMost as number)}`
  else if (atMost === null) text = `> ${show(above)}`
  else text = `${show(above)} – ${show(atMost)}`
  return { above, atMost, text }
}

export function summarizeHistogram(name: string, h: HistogramSeries): HistogramSummary {
  const seconds = name.endsWith('_seconds')
  const scale = seconds ? 1000 : 1
  const r = (x: number) => (Number.isFinite(x) ? Math.round(x * scale * 1000) / 1000 : null)
  const max = histogramMaxBound(h)
  return {
    name,
    labels: h.labels,
    count: h.count,
    unit: seconds ? 'ms' : 'value',
    mean: h.count > 0 ? r(h.sum / h.count) : null,
    p50: r(histogramQuantile(h, 0.5)),
    p90: r(histogramQuantile(h, 0.9)),
    p99: r(histogramQuantile(h, 0.99)),
    maxBound: r(max),
    overflow: max === Number.POSITIVE_INFINITY,
    singleBucket: singleBucketOf(h, scale, seconds ? 'ms' : 'value'),
  }
}

/** Scrapes `url` twice, `windowMs` apart, and summarises what the histograms gained. */
export async function observeMetrics(
  opts: { url: string; windowMs: number; histograms?: readonly string[] },
  modules: ObserveModules = {},
): Promise<MetricsObservation> {
  const f = modules.fetch ?? fetch
  const sleep = modules.sleep ?? defaultSleep
  const names = opts.histograms ?? DEFAULT_OBSERVED_HISTOGRAMS
  const scrape = async () => {
    const text = await request(f, opts.url, { method: 'GET' }, MAX_METRICS_TEXT_BYTES)
    try {
      return parsePrometheusText(text)
    } catch (err) {
      throw new ObserveError('OBSERVE_BAD_RESPONSE', `${opts.url}: ${(err as Error).message}`, {
        cause: err,
      })
    }
  }
  const before = await scrape()
  if (!names.some((n) => histogramSeries(before, n).length > 0)) {
    throw new ObserveError(
      'OBSERVE_NO_DATA',
      `${opts.url} exports none of the histograms ${names.join(', ')}`,
    )
  }
  await sleep(opts.windowMs)
  const after = await scrape()
  const histograms: HistogramSummary[] = []
  for (const name of names) {
    const prev = histogramSeries(before, name)
    for (const series of histogramSeries(after, name)) {
      const key = JSON.stringify(series.labels)
      const old = prev.find((p) => JSON.stringify(p.labels) === key)
      histograms.push(summarizeHistogram(name, histogramDelta(old, series)))
    }
  }
  return { source: 'metrics', url: opts.url, windowSeconds: opts.windowMs / 1000, histograms }
}

export interface RpcObservation {
  source: 'rpc'
  url: string
  windowSeconds: number
  pollIntervalMs: number
  /** New unsafe heads timed */
  blocks: number
  /** Heads passed over between two polls (not timed) */
  skipped: number
  /** Arrival delay (seen as unsafe head − block timestamp), ± pollIntervalMs / 2 */
  arrivalDelayMs: Percentiles
  /** Mean of the delays */
  meanMs: number | null
  lastHead: { number: number; timestamp: number } | null
}

interface HeadRef {
  number: number
  timestamp: number
}

/** Reads `unsafe_l2` from an `optimism_syncStatus` answer. */
export function parseUnsafeHead(body: string, url: string): HeadRef {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    throw new ObserveError('OBSERVE_BAD_RESPONSE', `${url} did not answer JSON`)
  }
  const obj = json as { error?: { message?: string }; result?: { unsafe_l2?: Partial<HeadRef> } }
  if (obj.error !== undefined) {
    throw new ObserveError(
      'OBSERVE_BAD_RESPONSE',
      `${url}: optimism_syncStatus failed: ${obj.error.message ?? 'unknown error'}`,
    )
  }
  const head = obj.result?.unsafe_l2
  if (typeof head?.number !== 'number' || typeof head.timestamp !== 'number') {
    throw new ObserveError('OBSERVE_BAD_RESPONSE', `${url}: optimism_syncStatus has no unsafe_l2`)
  }
  return { number: head.number, timestamp: head.timestamp }
}

/** Polls optimism_syncStatus for `windowMs` and times each new unsafe head. */
export async function observeSyncStatus(
  opts: { url: string; windowMs: number; intervalMs: number },
  modules: ObserveModules = {},
): Promise<RpcObservation> {
  const f = modules.fetch ?? fetch
  const now = modules.now ?? Date.now
  const sleep = modules.sleep ?? defaultSleep
  let id = 0
  const poll = async (): Promise<HeadRef> => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: ++id,
      method: 'optimism_syncStatus',
      params: [],
    })
    const text = await request(
      f,
      opts.url,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body },
      MAX_RPC_ANSWER_BYTES,
    )
    return parseUnsafeHead(text, opts.url)
  }
  const start = now()
  let last = await poll()
  let lastPollMs = now()
  const delays: number[] = []
  let skipped = 0
  while (now() - start < opts.windowMs) {
    await sleep(opts.intervalMs)
    const head = await poll()
    const at = now()
    if (head.number > last.number) {
      skipped += head.number - last.number - 1
      delays.push((lastPollMs + at) / 2 - head.timestamp * 1000)
      last = head
    }
    lastPollMs = at
  }
  return {
    source: 'rpc',
    url: opts.url,
    windowSeconds: opts.windowMs / 1000,
    pollIntervalMs: opts.intervalMs,
    blocks: delays.length,
    skipped,
    arrivalDelayMs: roundPercentiles(percentiles(delays), 1),
    meanMs:
      delays.length === 0
        ? null
        : Math.round((delays.reduce((a, b) => a + b, 0) / delays.length) * 10) / 10,
    lastHead: last.number > 0 ? last : null,
  }
}
