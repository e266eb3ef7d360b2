/**
 * `bench observe --latency-log FILE...`: reads latency CSVs in base-consensus's format (written
 * by `op-gossip run --p2p.latency.log` or by Base's own nodes, src/metrics/latencyLog.ts) and
 * summarises them:
 *
 * - per file: each block's first-seen latency, receive time minus produced time (header seconds
 *   plus the BaseTime millisecond part), as p50 / p90 / p99 / max. Comparable across machines
 *   only as far as their clocks agree (NTP).
 * - across files, joined by block hash (blocks in at least two files): the spread per block
 *   (last observer's receive time minus the first's), and per file how far behind the first
 *   observer it saw each block.
 *
 * A block logged twice in one file (a restarted node appending) counts once, at its earliest row.
 */
import { readFileSync } from 'node:fs'
import { type Percentiles, percentiles, roundPercentiles } from '../devnet/latencyStats.ts'
import { LATENCY_LOG_CSV_HEADER } from '../metrics/latencyLog.ts'
import { OpGossipError } from '../util/errors.ts'

/** A latency CSV cannot be read or is not in the expected format. */
export const LATENCY_LOG_FILE_ERROR_CODE = 'REPORT_LATENCY_LOG_FILE'
/** Largest CSV read (a row is ~200 bytes: about 5 million blocks) */
export const MAX_LATENCY_LOG_FILE_BYTES = 1024 * 2 ** 20

const COLUMNS = LATENCY_LOG_CSV_HEADER.split(',').length
const BLOCK_HASH = /^0x[0-9a-f]{64}$/
const UNSIGNED = /^[0-9]+$/
const NS_PER_US = 1000n

/** One block as one observer first saw it. */
export interface LatencyLogEntry {
  /** Receive wall clock, ms since the Unix epoch (µs precision) */
  recvMs: number
  blockNumber: number
  blockHash: string
  /** Header timestamp plus the millisecond part, ms */
  producedMs: number
  region: string
  peerId: string
}

export interface LatencyLogFile {
  source: string
  /** By block hash: the earliest row of each block */
  blocks: Map<string, LatencyLogEntry>
  /** Data rows read (duplicates of a block included) */
  rows: number
}

function invalid(source: string, message: string): OpGossipError {
  return new OpGossipError(LATENCY_LOG_FILE_ERROR_CODE, `${source}: ${message}`, {
    kind: 'configuration',
    flag: '--latency-log',
  })
}

/** Parses the text of one CSV; every malformed line is an error naming the file and line. */
export function parseLatencyLog(text: string, source: string): LatencyLogFile {
  const lines = text.split('\n')
  if (lines[0]?.trim() !== LATENCY_LOG_CSV_HEADER) {
    throw invalid(source, `the first line is not the latency CSV header ${LATENCY_LOG_CSV_HEADER}`)
  }
  const blocks = new Map<string, LatencyLogEntry>()
  let rows = 0
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim()
    // A header again: a file appended to after being emptied by hand; tolerated.
    if (line === '' || line === LATENCY_LOG_CSV_HEADER) continue
    const cells = line.split(',')
    const [recvNs, number, hash, sec, millis, region, peerId] = cells
    if (
      cells.length !== COLUMNS ||
      !UNSIGNED.test(recvNs as string) ||
      !UNSIGNED.test(number as string) ||
      !BLOCK_HASH.test(hash as string) ||
      !UNSIGNED.test(sec as string) ||
      !UNSIGNED.test(millis as string)
    ) {
      throw invalid(source, `line ${i + 1} is not a latency row: '${line.slice(0, 120)}'`)
    }
    rows++
    const entry: LatencyLogEntry = {
      recvMs: Number(BigInt(recvNs as string) / NS_PER_US) / 1000,
      blockNumber: Number(number),
      blockHash: hash as string,
      producedMs: Number(sec) * 1000 + Number(millis),
      region: region as string,
      peerId: peerId as string,
    }
    const earlier = blocks.get(entry.blockHash)
    if (earlier === undefined || entry.recvMs < earlier.recvMs) blocks.set(entry.blockHash, entry)
  }
  return { source, blocks, rows }
}

/** Reads and parses one CSV file. */
export function readLatencyLog(path: string): LatencyLogFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw invalid(path, `cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
  }
  if (Buffer.byteLength(text) > MAX_LATENCY_LOG_FILE_BYTES) {
    throw invalid(path, `larger than ${MAX_LATENCY_LOG_FILE_BYTES} bytes`)
  }
  return parseLatencyLog(text, path)
}

export interface LatencyLogFileSummary {
  source: string
  /** The regions its rows name (one for a file written by one node) */
  regions: string[]
  rows: number
  blocks: number
  firstBlock: number | null
  lastBlock: number | null
  /** Receive time − produced time per block, ms */
  firstSeenLatencyMs: Percentiles
}

export interface ObserverLag {
  source: string
  regions: string[]
  /** Joined blocks this file has */
  blocks: number
  /** How long after the first observer this one saw each joined block, ms */
  behindFirstMs: Percentiles
  /** Joined blocks this observer saw first */
  firstSeen: number
}

export interface LatencyLogComparison {
  /** Blocks in at least two files */
  joinedBlocks: number
  /** Per joined block: last observer's receive time − first observer's, ms */
  spreadMs: Percentiles
  observers: ObserverLag[]
}

export interface LatencyLogSummary {
  files: LatencyLogFileSummary[]
  /** Null with fewer than two files or no block in two of them */
  joined: LatencyLogComparison | null
}

const regionsOf = (f: LatencyLogFile) => [...new Set([...f.blocks.values()].map((e) => e.region))]

function summarizeFile(f: LatencyLogFile): LatencyLogFileSummary {
  const entries = [...f.blocks.values()]
  const numbers = entries.map((e) => e.blockNumber)
  return {
    source: f.source,
    regions: regionsOf(f),
    rows: f.rows,
    blocks: entries.length,
    firstBlock: numbers.length === 0 ? null : Math.min(...numbers),
    lastBlock: numbers.length === 0 ? null : Math.max(...numbers),
    firstSeenLatencyMs: roundPercentiles(
      percentiles(entries.map((e) => e.recvMs - e.producedMs)),
      3,
    ),
  }
}

function compare(files: readonly LatencyLogFile[]): LatencyLogComparison | null {
  const hashes = new Set(files.flatMap((f) => [...f.blocks.keys()]))
  const spreads: number[] = []
  const behind = files.map(() => [] as number[])
  const first = files.map(() => 0)
  for (const hash of hashes) {
    const seen = files.map((f) => f.blocks.get(hash)?.recvMs)
    const times = seen.filter((t): t is number => t !== undefined)
    if (times.length < 2) continue
    const earliest = Math.min(...times)
    spreads.push(Math.max(...times) - earliest)
    seen.forEach((t, k) => {
      if (t === undefined) return
      ;(behind[k] as number[]).push(t - earliest)
      if (t === earliest) first[k] = (first[k] as number) + 1
    })
  }
  if (spreads.length === 0) return null
  return {
    joinedBlocks: spreads.length,
    spreadMs: roundPercentiles(percentiles(spreads), 3),
    observers: files.map((f, k) => ({
      source: f.source,
      regions: regionsOf(f),
      blocks: (behind[k] as number[]).length,
      behindFirstMs: roundPercentiles(percentiles(behind[k] as number[]), 3),
      firstSeen: first[k] as number,
    })),
  }
}

export function summarizeLatencyLogs(files: readonly LatencyLogFile[]): LatencyLogSummary {
  return {
    files: files.map(summarizeFile),
    joined: files.length < 2 ? null : compare(files),
  }
}
