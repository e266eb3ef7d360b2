/**
 * `--p2p.latency.log FILE`: one CSV row per first-seen accepted block, in base-consensus's
 * format (base/base `crates/consensus/gossip/src/latency.rs`), so arrival times measured by
 * op-gossip and by Base's nodes can be joined by block hash and put side by side.
 *
 * Semantics follow Base: a row only for a block the validator accepted (duplicates and
 * rejected blocks write none); the receive time is the message's first sight, before
 * validation; `peer_id` is the peer that delivered it (not the origin); the file is opened for
 * appending and the header written only when it is empty. Rows go through a bounded queue
 * drained by asynchronous writes: a full queue drops the row and counts it, so a slow disk never
 * holds up the node. Write errors are logged, never thrown.
 */
import { type FileHandle, open } from 'node:fs/promises'
import type { AcceptedBlock, BlockConsumer } from '../gossip/types.ts'
import type { Startable } from '../util/lifecycle.ts'
import { type Logger, silentLogger } from '../util/logger.ts'

/** Base's `CSV_HEADER`, written once when the file is empty. */
export const LATENCY_LOG_CSV_HEADER =
  'recv_wallclock_ns,block_number,block_hash,produced_sec,produced_millis_part,region,peer_id'
/** Region of rows when none is given (Base's own default is not published). */
export const DEFAULT_LATENCY_LOG_REGION = 'unknown'
/** Rows waiting to be written before new ones are dropped (Base's channel holds 8192). */
export const LATENCY_LOG_QUEUE_MAX_ROWS = 8192

/** `setTimestampMillisPart(uint16)`: the BaseTime deposit's call (Base's Denim fork). */
export const BASE_TIME_SELECTOR = Uint8Array.of(0x86, 0xbd, 0xf3, 0x94)
/** `Predeploys::BASE_TIME`, the BaseTime deposit's `to`, RLP-encoded as a 20-byte string. */
const BASE_TIME_TO_FIELD = Uint8Array.of(0x94, 0x42, ...new Array<number>(17).fill(0), 0x00, 0x30)
/** EIP-2718 type of OP deposit transactions */
const DEPOSIT_TX_TYPE = 0x7e
/** Selector, 30 zero bytes of padding, then the u16 big-endian */
const MILLIS_CALL_BYTES = 36
/** Offset of the u16's high byte after the selector's start (Base reads start+34, start+35) */
const MILLIS_HIGH_BYTE_OFFSET = 34

export interface LatencyLogOptions {
  /** CSV file, created when missing, appended to otherwise */
  path: string
  /** Free text stamped on every row (`--p2p.latency.region`); must not contain a comma */
  region: string
  /** @default LATENCY_LOG_QUEUE_MAX_ROWS */
  maxQueuedRows?: number
}

export interface LatencyLogModules {
  /** @default silentLogger */
  logger?: Logger
}

/** What one row records. */
export interface LatencyRow {
  /** Wall clock at first sight of the message, ns since the Unix epoch */
  recvWallclockNs: bigint
  blockNumber: bigint
  /** 0x + 64 lowercase hex */
  blockHash: string
  /** Header timestamp, s */
  producedSec: bigint
  /** The BaseTime sub-second part, ms; 0 without a BaseTime deposit */
  producedMillisPart: number
  region: string
  peerId: string
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const last = haystack.length - needle.length
  outer: for (let i = from; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer
    }
    return i
  }
  return -1
}

/**
 * The sub-second part of a block's time from its tx[1] when that is a BaseTime deposit (a
 * deposit to 0x4200…0030 carrying `setTimestampMillisPart`); 0 otherwise. Best effort, as Base's
 * own scan: the selector is searched in the raw transaction and the u16 read after it.
 */
export function timestampMillisPart(transactions: readonly Uint8Array[]): number {
  const tx = transactions[1]
  if (tx === undefined || tx[0] !== DEPOSIT_TX_TYPE) return 0
  const to = indexOfBytes(tx, BASE_TIME_TO_FIELD)
  if (to < 0) return 0
  const start = indexOfBytes(tx, BASE_TIME_SELECTOR, to + BASE_TIME_TO_FIELD.length)
  if (start < 0 || start + MILLIS_CALL_BYTES > tx.length) return 0
  return (
    ((tx[start + MILLIS_HIGH_BYTE_OFFSET] as number) << 8) |
    (tx[start + MILLIS_HIGH_BYTE_OFFSET + 1] as number)
  )
}

const NS_PER_MS = 1_000_000n

/** A wall-clock time in (possibly fractional) ms as integer ns, without float overflow. */
export function msToNs(ms: number): bigint {
  const whole = Math.floor(ms)
  return BigInt(whole) * NS_PER_MS + BigInt(Math.round((ms - whole) * 1e6))
}

/** The row of an accepted block. */
export function latencyRowOf(block: AcceptedBlock, region: string): LatencyRow {
  const payload = block.envelope.payload
  return {
    recvWallclockNs: msToNs(block.firstSeenMs),
    blockNumber: payload.blockNumber,
    blockHash: `0x${Buffer.from(payload.blockHash).toString('hex')}`,
    producedSec: payload.timestamp,
    producedMillisPart: timestampMillisPart(payload.transactions),
    region,
    peerId: block.fromPeer,
  }
}

/** Base's `to_csv_line`: no quoting, one trailing newline. */
export function formatLatencyRow(r: LatencyRow): string {
  return `${r.recvWallclockNs},${r.blockNumber},${r.blockHash},${r.producedSec},${r.producedMillisPart},${r.region},${r.peerId}\n`
}

export interface LatencyLog extends Startable, BlockConsumer {
  /** Rows dropped because the queue was full */
  readonly dropped: number
  /** Rows written so far */
  readonly written: number
  /** Resolves once every queued row is written (tests, shutdown) */
  flush(): Promise<void>
}

export function createLatencyLog(
  opts: LatencyLogOptions,
  modules: LatencyLogModules = {},
): LatencyLog {
  const log = modules.logger ?? silentLogger
  const maxRows = opts.maxQueuedRows ?? LATENCY_LOG_QUEUE_MAX_ROWS
  if (/[,\r\n]/.test(opts.region)) {
    throw new RangeError('latency log region must not contain a comma or a newline')
  }
  let file: FileHandle | null = null
  let queue: string[] = []
  let draining: Promise<void> | null = null
  let dropped = 0
  let written = 0

  async function drain(): Promise<void> {
    while (file !== null && queue.length > 0) {
      const rows = queue
      queue = []
      try {
        await file.write(rows.join(''))
        written += rows.length
      } catch (err) {
        log.warn(
          { path: opts.path, rows: rows.length, err: String(err) },
          'latency log write failed',
        )
      }
    }
    draining = null
  }

  return {
    get dropped() {
      return dropped
    },
    get written() {
      return written
    },
    async start() {
      const handle = await open(opts.path, 'a')
      try {
        if ((await handle.stat()).size === 0) await handle.write(`${LATENCY_LOG_CSV_HEADER}\n`)
      } catch (err) {
        await handle.close()
        throw err
      }
      file = handle
    },
    onBlock(block) {
      if (file === null) return
      if (queue.length >= maxRows) {
        dropped++
        return
      }
      queue.push(formatLatencyRow(latencyRowOf(block, opts.region)))
      draining ??= drain()
    },
    async flush() {
      while (draining !== null) await draining
    },
    async stop() {
      while (draining !== null) await draining
      const handle = file
      file = null
      queue = []
      await handle?.close()
      if (dropped > 0) log.warn({ path: opts.path, dropped }, 'latency log dropped rows')
    },
  }
}
