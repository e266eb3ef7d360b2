/**
 * Gap filling from a trusted RPC (`--l2.backup-unsafe-sync-rpc`), for ELs that cannot EL-sync
 * (no devp2p peers). While the driver's EL syncs (phase el-syncing) and its head makes no
 * progress within the patience (`--l2.el-sync.patience`), or at once with `--l2.gap-fill rpc`,
 * the filler fetches the missing blocks from (EL head + 1) upwards, a few requests at a time and
 * at most GAP_FILL_MAX_QUEUED_BLOCKS ahead of the EL head, checks each (hash unless trusted,
 * parent link, chain id once) and hands them to the driver in ascending order; the driver sends
 * them between gossip blocks and moves the EL head up the gap with FCU.
 *
 * A source that lies or fails stops the fill for a back-off: one log line naming the kind, a
 * counter per kind; nothing it said moves the head backwards (only blocks above the EL head
 * are handed over, and only in order).
 */
import type { Startable } from '../../util/lifecycle.ts'
import { type Logger, silentLogger } from '../../util/logger.ts'
import type { GapFillMetrics } from '../metrics.ts'
import type { RpcBlockPayload } from '../rpcBlock.ts'
import { type BlockRef, type Hex, toData } from '../schema.ts'
import type { GapToFill } from '../syncDriver.ts'
import { DEFAULT_EL_SYNC_PATIENCE_MS, type GapFillMode } from './gapFillMode.ts'

export { DEFAULT_EL_SYNC_PATIENCE_MS, GAP_FILL_MODES, type GapFillMode } from './gapFillMode.ts'

import {
  GAP_FILL_ERROR_KINDS,
  GapFillError,
  type GapFillErrorKind,
  type TrustedRpc,
} from './trustedRpc.ts'

/** Fetched blocks held above the EL head at most (fetched, not yet the EL's). */
export const GAP_FILL_MAX_QUEUED_BLOCKS = 128
/** eth_getBlockByNumber requests in flight at once. */
export const GAP_FILL_MAX_IN_FLIGHT = 4
/** Per-request timeout (op-node's RPC sync used 10 s). */
export const GAP_FILL_REQUEST_TIMEOUT_MS = 10_000
/** Retries of a failed request (op-node: 5, backing off 1 s … 20 s). */
export const GAP_FILL_RETRIES = 5
export const GAP_FILL_RETRY_BASE_DELAY_MS = 1_000
export const GAP_FILL_RETRY_MAX_DELAY_MS = 20_000
/** How often the driver's gap is looked at while nothing is being fetched (a cheap check). */
export const GAP_FILL_CHECK_INTERVAL_MS = 200
/** After handing blocks over, the next batch is asked for at once (the EL confirms meanwhile). */
export const GAP_FILL_BUSY_INTERVAL_MS = 0
/** A failed or lying source is left alone this long, doubled per failure in a row. */
export const GAP_FILL_BACKOFF_BASE_MS = 5_000
export const GAP_FILL_BACKOFF_MAX_MS = 300_000

export interface GapFillerOptions {
  /** el-then-rpc or rpc (with `el` no filler is built) */
  mode: Exclude<GapFillMode, 'el'>
  /** @default DEFAULT_EL_SYNC_PATIENCE_MS (ms) */
  elSyncPatienceMs?: number
  /** @default GAP_FILL_MAX_QUEUED_BLOCKS */
  maxQueuedBlocks?: number
  /** @default GAP_FILL_MAX_IN_FLIGHT */
  maxInFlight?: number
  /** @default GAP_FILL_CHECK_INTERVAL_MS (ms) */
  checkIntervalMs?: number
  /** @default GAP_FILL_BACKOFF_BASE_MS (ms) */
  backoffBaseMs?: number
  /** @default GAP_FILL_BACKOFF_MAX_MS (ms) */
  backoffMaxMs?: number
}

/** What the filler needs from the sync driver. */
export interface GapFillHost {
  gapToFill(): GapToFill | null
  /** The EL's head (null while unknown) */
  confirmedHead(): BlockRef | null
  offerFetchedBlock(block: RpcBlockPayload): void
  isKnownInvalid(hash: Hex): boolean
}

export interface GapFillerModules {
  host: GapFillHost
  rpc: TrustedRpc
  log?: Logger
  metrics?: GapFillMetrics | null
  /** @default Date.now */
  now?: () => number
}

/** idle: no gap · waiting: EL sync has its patience · filling · backoff: the source failed */
export type GapFillState = 'idle' | 'waiting' | 'filling' | 'backoff'

export interface GapFillStatus {
  mode: GapFillMode
  url: string
  state: GapFillState
  /** Blocks between the EL head and the end of the gap */
  remainingBlocks: number
  /** Blocks handed to the driver since start */
  blocksFilled: number
  /** Rate of the current (or last) fill */
  blocksPerSecond: number
  /** eth_getBlockByNumber and eth_chainId requests since start */
  requests: number
  errors: Record<GapFillErrorKind, number>
  lastError: string | null
}

interface Cursor {
  number: number
  hash: Hex
}

export class GapFiller implements Startable {
  private readonly opts: Required<GapFillerOptions>
  private readonly host: GapFillHost
  private readonly rpc: TrustedRpc
  private readonly log: Logger
  private readonly metrics: GapFillMetrics | null
  private readonly now: () => number

  private state: GapFillState = 'idle'
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private abort: AbortController | null = null
  private chainChecked = false
  /** The last block handed over (the next must be its child) */
  private cursor: Cursor | null = null
  /** Handed over and still above the EL head: watched for INVALID answers */
  private pending: Cursor[] = []
  private lastConfirmedNumber = -1
  private lastProgressMs = 0
  private fillStartMs = 0
  private filledThisRun = 0
  private blocksPerSecond = 0
  private remaining = 0
  private backoffUntilMs = 0
  private failuresInRow = 0
  private blocksFilled = 0
  private requests = 0
  private readonly errors = Object.fromEntries(GAP_FILL_ERROR_KINDS.map((k) => [k, 0])) as Record<
    GapFillErrorKind,
    number
  >
  private lastError: string | null = null

  constructor(opts: GapFillerOptions, modules: GapFillerModules) {
    this.opts = {
      mode: opts.mode,
      elSyncPatienceMs: opts.elSyncPatienceMs ?? DEFAULT_EL_SYNC_PATIENCE_MS,
      maxQueuedBlocks: opts.maxQueuedBlocks ?? GAP_FILL_MAX_QUEUED_BLOCKS,
      maxInFlight: opts.maxInFlight ?? GAP_FILL_MAX_IN_FLIGHT,
      checkIntervalMs: opts.checkIntervalMs ?? GAP_FILL_CHECK_INTERVAL_MS,
      backoffBaseMs: opts.backoffBaseMs ?? GAP_FILL_BACKOFF_BASE_MS,
      backoffMaxMs: opts.backoffMaxMs ?? GAP_FILL_BACKOFF_MAX_MS,
    }
    this.host = modules.host
    this.rpc = modules.rpc
    this.log = modules.log ?? silentLogger
    this.metrics = modules.metrics ?? null
    this.now = modules.now ?? Date.now
  }

  start(): void {
    if (this.abort !== null) return
    this.abort = new AbortController()
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.abort?.abort()
    this.abort = null
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.running
  }

  status(): GapFillStatus {
    return {
      mode: this.opts.mode,
      url: this.rpc.url,
      state: this.state,
      remainingBlocks: this.remaining,
      blocksFilled: this.blocksFilled,
      blocksPerSecond: this.blocksPerSecond,
      requests: this.requests,
      errors: { ...this.errors },
      lastError: this.lastError,
    }
  }

  /** One look at the gap (and one batch of requests); exported for tests through `step`. */
  async step(): Promise<boolean> {
    try {
      const delivered = await this.fill()
      if (delivered > 0) this.failuresInRow = 0
      return delivered > 0
    } catch (err) {
      if (this.abort?.signal.aborted === true) return false
      this.fail(
        err instanceof GapFillError
          ? err
          : new GapFillError('unavailable', `gap fill failed: ${(err as Error).message}`, err),
      )
      return false
    }
  }

  private schedule(delayMs: number): void {
    if (this.abort === null) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.running = this.step().then((busy) => {
        this.running = null
        this.schedule(busy ? GAP_FILL_BUSY_INTERVAL_MS : this.opts.checkIntervalMs)
      })
    }, delayMs)
    this.timer.unref()
  }

  /** Returns how many blocks were handed to the driver. */
  private async fill(): Promise<number> {
    const now = this.now()
    if (now < this.backoffUntilMs) return 0
    // First, even when the gap looks closed: an INVALID block's descendants are dropped with it.
    const head = this.host.confirmedHead()
    if (head !== null) this.pending = this.pending.filter((p) => p.number > head.number)
    this.checkPending()
    const gap = this.host.gapToFill()
    if (gap === null) {
      this.finishFill(now)
      return 0
    }
    this.setRemaining(gap.end.number - gap.confirmed.number)
    if (gap.confirmed.number !== this.lastConfirmedNumber || this.state === 'idle') {
      this.lastConfirmedNumber = gap.confirmed.number
      this.lastProgressMs = now
    }
    if (this.state !== 'filling') {
      const patient =
        this.opts.mode === 'el-then-rpc' && now - this.lastProgressMs < this.opts.elSyncPatienceMs
      if (patient) {
        this.state = 'waiting'
        return 0
      }
      this.beginFill(gap, now)
    }
    const signal = this.abort?.signal
    if (!this.chainChecked) {
      this.countRequests(1)
      await this.rpc.checkChainId(signal)
      this.chainChecked = true
    }
    const cursor = this.cursorFor(gap)
    const upTo = Math.min(gap.end.number, gap.confirmed.number + this.opts.maxQueuedBlocks)
    const count = Math.min(this.opts.maxInFlight, upTo - cursor.number)
    if (count <= 0) return 0
    const numbers = Array.from({ length: count }, (_, i) => cursor.number + 1 + i)
    this.countRequests(count)
    const blocks = await Promise.all(numbers.map((n) => this.rpc.block(n, signal)))
    if (signal?.aborted === true) return 0
    let delivered = 0
    let prev = cursor
    for (const block of blocks) {
      if (block === null) break // the RPC does not have it yet: look again later
      const number = Number(block.payload.blockNumber)
      const hash = toData(block.payload.blockHash) as Hex
      const parentHash = toData(block.payload.parentHash) as Hex
      if (parentHash !== prev.hash) {
        throw new GapFillError(
          'broken-link',
          `block ${number} from ${this.rpc.url} has parent ${parentHash}, expected ${prev.hash} (block ${prev.number})`,
        )
      }
      if (number === gap.end.number && hash !== gap.end.hash) {
        throw new GapFillError(
          'broken-link',
          `block ${number} from ${this.rpc.url} is ${hash}, but the blocks above the gap build on ${gap.end.hash}`,
        )
      }
      this.host.offerFetchedBlock(block)
      prev = { number, hash }
      this.pending.push(prev)
      delivered++
    }
    this.cursor = prev
    this.blocksFilled += delivered
    this.filledThisRun += delivered
    this.metrics?.blocksTotal.inc(delivered)
    const seconds = (this.now() - this.fillStartMs) / 1000
    if (seconds > 0) this.blocksPerSecond = this.filledThisRun / seconds
    return delivered
  }

  /** Where the next block goes: after the last one handed over, or after the EL head. */
  private cursorFor(gap: GapToFill): Cursor {
    const { confirmed } = gap
    this.pending = this.pending.filter((p) => p.number > confirmed.number)
    const first = this.pending[0]
    // The EL moved past what we handed over, or to another block: start again from its head.
    const stale =
      this.cursor === null ||
      this.cursor.number <= confirmed.number ||
      (first !== undefined && first.number !== confirmed.number + 1)
    if (stale) {
      this.cursor = { number: confirmed.number, hash: confirmed.hash }
      this.pending = []
    }
    return this.cursor!
  }

  /** A handed-over block the EL called INVALID: the source served an invalid chain. */
  private checkPending(): void {
    for (const p of this.pending) {
      if (this.host.isKnownInvalid(p.hash)) {
        throw new GapFillError(
          'invalid',
          `the EL rejected block ${p.number} (${p.hash}) from ${this.rpc.url} as INVALID`,
        )
      }
    }
  }

  private beginFill(gap: GapToFill, now: number): void {
    this.state = 'filling'
    this.fillStartMs = now
    this.filledThisRun = 0
    this.blocksPerSecond = 0
    this.metrics?.active.set(1)
    this.log.info(
      {
        mode: this.opts.mode,
        from: gap.confirmed.number + 1,
        to: gap.end.number,
        url: this.rpc.url,
        elSyncWaitedMs: now - this.lastProgressMs,
      },
      'filling the gap from the backup RPC',
    )
  }

  private finishFill(now: number): void {
    if (this.state === 'filling') {
      const tookMs = now - this.fillStartMs
      this.log.info(
        { blocks: this.filledThisRun, tookMs, blocksPerSecond: round(this.blocksPerSecond) },
        'gap filled from the backup RPC',
      )
    }
    this.state = 'idle'
    this.cursor = null // pending blocks are still watched for INVALID until the EL has them
    this.failuresInRow = 0
    this.setRemaining(0)
    this.metrics?.active.set(0)
  }

  private fail(err: GapFillError): void {
    this.errors[err.reason]++
    this.metrics?.errorsTotal.inc({ kind: err.reason })
    this.lastError = err.message
    const backoffMs = Math.min(
      this.opts.backoffMaxMs,
      this.opts.backoffBaseMs * 2 ** this.failuresInRow,
    )
    this.failuresInRow++
    this.backoffUntilMs = this.now() + backoffMs
    this.log.warn(
      { kind: err.reason, err: err.message, url: this.rpc.url, backoffMs },
      'backup RPC gap fill stopped',
    )
    if (err.reason === 'wrong-chain') this.chainChecked = false
    this.state = 'backoff'
    this.cursor = null
    this.pending = []
    this.metrics?.active.set(0)
  }

  private setRemaining(blocks: number): void {
    this.remaining = blocks
    this.metrics?.remainingBlocks.set(blocks)
  }

  private countRequests(n: number): void {
    this.requests += n
    this.metrics?.requestsTotal.inc(n)
  }
}

const round = (x: number) => Math.round(x * 10) / 10

export function createGapFiller(opts: GapFillerOptions, modules: GapFillerModules): GapFiller {
  return new GapFiller(opts, modules)
}
