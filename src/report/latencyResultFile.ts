/**
 * The saved results of `bench latency`, written and read back. Two shapes exist:
 * - result.json from `--report DIR`: `{ command, generatedAt, machine, results: [...],
 *   samples: [...] }` (`samples`, the raw latencies behind each result, is absent in older files);
 * - `--json` output saved to a file: one result object per line (or one object, or an array).
 * Reading checks every field the report and `bench compare` use, so a wrong file is one clear
 * configuration error, never a page of NaN.
 */
import { readFileSync } from 'node:fs'
import type { LatencyBenchRun } from '../devnet/latencyBench.ts'
import type { LatencySamples } from '../devnet/latencyStats.ts'
import { OpGossipError } from '../util/errors.ts'
import type { LatencyResultFields } from './latencyFigures.ts'
import type { ReportMeta } from './reportMeta.ts'

export type LatencyReportMeta = ReportMeta

/** A file given to `bench compare` cannot be read or holds no valid result. */
export const RESULT_FILE_ERROR_CODE = 'REPORT_RESULT_FILE'

/** Decimals kept of each raw latency sample in result.json (10 µs is below clock jitter). */
const SAMPLE_DECIMALS = 2

/** One result read from a file, with its raw samples when the file has them. */
export interface LoadedResult {
  /** The file it came from, as given */
  source: string
  result: LatencyResultFields
  samples: LatencySamples | null
}

function roundSamples(values: readonly number[]): number[] {
  const f = 10 ** SAMPLE_DECIMALS
  return values.map((v) => Math.round(v * f) / f)
}

/** The text of result.json. */
export function serializeResultFile(
  runs: readonly LatencyBenchRun[],
  meta: LatencyReportMeta,
): string {
  const file = {
    ...meta,
    results: runs.map((r) => r.result),
    samples: runs.map((r) => ({
      e2eMs: roundSamples(r.samples.e2eMs),
      hopMs: roundSamples(r.samples.hopMs),
    })),
  }
  return `${JSON.stringify(file, null, 2)}\n`
}

function invalid(source: string, message: string, cause?: unknown): OpGossipError {
  return new OpGossipError(RESULT_FILE_ERROR_CODE, `${source}: ${message}`, {
    kind: 'configuration',
    ...(cause === undefined ? {} : { cause }),
  })
}

type Json = Record<string, unknown>

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x)
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)
const isNumberOrNull = (x: unknown) => x === null || isNumber(x)
const PERCENTILE_KEYS = ['p50', 'p90', 'p99', 'max'] as const

/** The first field of `x` that a result must have and lacks, or null when it is complete. */
export function missingResultField(x: unknown): string | null {
  if (!isObject(x)) return 'the result is not an object'
  for (const key of ['nodes', 'blocks', 'blockBytes', 'blockTime', 'delivery'] as const) {
    if (!isNumber(x[key])) return `'${key}' is not a number`
  }
  for (const key of ['e2eMs', 'hopMs'] as const) {
    const p = x[key]
    if (!isObject(p) || !PERCENTILE_KEYS.every((k) => isNumber(p[k]))) {
      return `'${key}' is not { p50, p90, p99, max }`
    }
  }
  if (!isNumberOrNull(x.duplicatesPerNodePerBlock)) {
    return `'duplicatesPerNodePerBlock' is not a number or null`
  }
  const bytes = x.bytesPerNodePerBlock
  if (!isObject(bytes) || !isNumber(bytes.sent) || !isNumber(bytes.received)) {
    return `'bytesPerNodePerBlock' is not { sent, received }`
  }
  const perNode = x.perNode
  if (!Array.isArray(perNode) || !perNode.every((n) => isObject(n) && isNumber(n.rssBytes))) {
    return `'perNode' is not a list of nodes with 'rssBytes'`
  }
  if (!perNode.every((n) => isNumber(n.cpuSeconds))) return `'perNode' lacks 'cpuSeconds'`
  const perBlock = x.perBlock
  const blockOk = (b: unknown) =>
    isObject(b) &&
    isNumber(b.number) &&
    isNumberOrNull(b.firstMs) &&
    isNumberOrNull(b.medianMs) &&
    isNumberOrNull(b.lastMs)
  if (!Array.isArray(perBlock) || !perBlock.every(blockOk)) {
    return `'perBlock' is not a list of { number, firstMs, medianMs, lastMs }`
  }
  return null
}

function checkResult(x: unknown, source: string, where: string): LatencyResultFields {
  const missing = missingResultField(x)
  if (missing !== null) {
    throw invalid(source, `not a bench latency result (${where}: ${missing})`)
  }
  return x as LatencyResultFields
}

function checkSamples(x: unknown, source: string, count: number): Array<LatencySamples | null> {
  if (x === undefined) return new Array(count).fill(null)
  const ok = (s: unknown) =>
    isObject(s) &&
    Array.isArray(s.e2eMs) &&
    Array.isArray(s.hopMs) &&
    s.e2eMs.every(isNumber) &&
    s.hopMs.every(isNumber)
  if (!Array.isArray(x) || x.length !== count || !x.every(ok)) {
    throw invalid(source, `'samples' is not one { e2eMs, hopMs } list per result`)
  }
  return x as LatencySamples[]
}

/** Parses one file's text (result.json, or saved `--json` output). */
export function parseResultFile(text: string, source: string): LoadedResult[] {
  let whole: unknown
  let parsed = true
  try {
    whole = JSON.parse(text)
  } catch {
    parsed = false
  }
  if (parsed && isObject(whole) && 'results' in whole) {
    const results = whole.results
    if (!Array.isArray(results) || results.length === 0) {
      throw invalid(source, `'results' is not a non-empty list`)
    }
    const checked = results.map((r, i) => checkResult(r, source, `result ${i + 1}`))
    const samples = checkSamples(whole.samples, source, checked.length)
    return checked.map((result, i) => ({ source, result, samples: samples[i] ?? null }))
  }
  let items: unknown[]
  if (parsed) {
    items = Array.isArray(whole) ? whole : [whole]
  } else {
    const lines = text.split('\n').filter((l) => l.trim().length > 0)
    items = lines.map((line, i) => {
      try {
        return JSON.parse(line)
      } catch (err) {
        throw invalid(source, `not JSON (line ${i + 1})`, err)
      }
    })
  }
  if (items.length === 0) throw invalid(source, 'holds no result')
  return items.map((r, i) => ({
    source,
    result: checkResult(r, source, `result ${i + 1}`),
    samples: null,
  }))
}

/** Reads and parses a result file; unreadable or invalid files are configuration errors. */
export function readResultFile(path: string): LoadedResult[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err)
    throw invalid(path, `cannot read (${reason})`, err)
  }
  return parseResultFile(text, path)
}
