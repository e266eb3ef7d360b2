/**
 * Follows each accepted block from first seen to the EL's answers: records the arrival delay and
 * the delay of each later stage (validated, newPayload answered, forkchoiceUpdated answered),
 * all measured from the block timestamp, and logs one info line per block once its engine
 * outcome is known (or after BLOCK_OUTCOME_WAIT_MS without one).
 *
 * node.ts calls `onAccepted` where gossip hands a block to the Engine side; the instrumented
 * Engine API client (engineInstrumentation.ts) calls `onNewPayload` / `onForkchoice`.
 */
import type { AcceptedBlock } from '../gossip/types.ts'
import type { Startable } from '../util/lifecycle.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { formatBlockLogLine } from './blockLog.ts'
import type { BlockMetricsRecorder } from './nodeMetrics.ts'

/** Blocks followed at once; past it the oldest is logged with what is known. */
export const BLOCK_TIMELINE_MAX_BLOCKS = 256
/** How long a block waits for its engine outcome before its line is logged anyway. */
export const BLOCK_OUTCOME_WAIT_MS = 10_000
/** How often blocks past the wait are swept. */
export const BLOCK_TIMELINE_SWEEP_INTERVAL_MS = 1_000
/** Recent accepted blocks whose first transaction (the L1-info deposit) is kept for RPC. */
export const RECENT_BLOCKS_KEPT = 64

export interface BlockTimelineOptions {
  /** False when the node runs without an Engine API: lines are logged at once. @default true */
  engineEnabled?: boolean
  /** @default BLOCK_OUTCOME_WAIT_MS (ms) */
  outcomeWaitMs?: number
  /** @default BLOCK_TIMELINE_MAX_BLOCKS */
  maxBlocks?: number
}

export interface BlockTimelineModules {
  log?: Logger
  metrics?: BlockMetricsRecorder | null
  /** @default Date.now */
  now?: () => number
}

/** The newest accepted block, for the status line. */
export interface LastBlockInfo {
  number: number
  hash: string
  peer: string
  arrivalDelayMs: number
  acceptedAtMs: number
}

interface Tracked {
  number: number
  hash: string
  peer: string
  timestampMs: number
  firstSeenMs: number
  validatedMs: number
  newPayload: string | null
  forkchoice: string | null
  lastAnswerMs: number | null
}

export function bytesToHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

export class BlockTimeline implements Startable {
  private readonly log: Logger
  private readonly metrics: BlockMetricsRecorder | null
  private readonly now: () => number
  private readonly engineEnabled: boolean
  private readonly outcomeWaitMs: number
  private readonly maxBlocks: number
  /** Insertion order = acceptance order */
  private readonly tracked = new Map<string, Tracked>()
  private readonly recentFirstTx = new Map<string, Uint8Array>()
  private lastBlock: LastBlockInfo | null = null
  private timer: NodeJS.Timeout | null = null

  constructor(opts: BlockTimelineOptions = {}, modules: BlockTimelineModules = {}) {
    this.log = modules.log ?? silentLogger
    this.metrics = modules.metrics ?? null
    this.now = modules.now ?? Date.now
    this.engineEnabled = opts.engineEnabled ?? true
    this.outcomeWaitMs = opts.outcomeWaitMs ?? BLOCK_OUTCOME_WAIT_MS
    this.maxBlocks = opts.maxBlocks ?? BLOCK_TIMELINE_MAX_BLOCKS
  }

  start(): void {
    if (this.timer !== null) return
    this.timer = setInterval(() => this.sweep(), BLOCK_TIMELINE_SWEEP_INTERVAL_MS)
    this.timer.unref()
  }

  /** Stops the sweep and logs the blocks still waiting. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    for (const t of [...this.tracked.values()]) this.finish(t)
  }

  /** A block gossip accepted (call before handing it to the Engine side). */
  onAccepted(block: AcceptedBlock): void {
    const payload = block.envelope.payload
    const hash = bytesToHex(payload.blockHash)
    const timestampMs = Number(payload.timestamp) * 1000
    const arrivalDelayMs = block.firstSeenMs - timestampMs
    this.metrics?.observeArrivalDelay(arrivalDelayMs / 1000)
    this.metrics?.observeStageDelay('validated', (block.validatedMs - timestampMs) / 1000)
    this.lastBlock = {
      number: Number(payload.blockNumber),
      hash,
      peer: block.fromPeer,
      arrivalDelayMs,
      acceptedAtMs: block.validatedMs,
    }
    const firstTx = payload.transactions[0]
    if (firstTx !== undefined) {
      this.recentFirstTx.delete(hash)
      this.recentFirstTx.set(hash, firstTx)
      if (this.recentFirstTx.size > RECENT_BLOCKS_KEPT) {
        this.recentFirstTx.delete(this.recentFirstTx.keys().next().value!)
      }
    }
    if (this.tracked.has(hash)) return
    const t: Tracked = {
      number: Number(payload.blockNumber),
      hash,
      peer: block.fromPeer,
      timestampMs,
      firstSeenMs: block.firstSeenMs,
      validatedMs: block.validatedMs,
      newPayload: null,
      forkchoice: null,
      lastAnswerMs: null,
    }
    if (!this.engineEnabled) {
      this.finish(t)
      return
    }
    this.tracked.set(hash, t)
    while (this.tracked.size > this.maxBlocks) this.finish(this.tracked.values().next().value!)
  }

  /** The EL answered newPayload for `hash` (status, or an error code when the call failed). */
  onNewPayload(hash: string, outcome: string): void {
    const t = this.tracked.get(hash.toLowerCase())
    if (t === undefined || t.newPayload !== null) return
    const at = this.now()
    t.newPayload = outcome
    t.lastAnswerMs = at
    this.metrics?.observeStageDelay('new_payload', (at - t.timestampMs) / 1000)
    if (outcome.startsWith('INVALID')) this.finish(t)
  }

  /**
   * The EL answered forkchoiceUpdated with `headHash` as head. The head's line is logged, and so
   * are the lines of tracked blocks at or below its height: their fate is settled.
   */
  onForkchoice(headHash: string, outcome: string): void {
    const head = this.tracked.get(headHash.toLowerCase())
    if (head === undefined) return
    const at = this.now()
    head.forkchoice = outcome
    head.lastAnswerMs = at
    this.metrics?.observeStageDelay('forkchoice', (at - head.timestampMs) / 1000)
    if (outcome !== 'VALID' && outcome !== 'SYNCING' && outcome !== 'ACCEPTED') {
      this.finish(head)
      return
    }
    // In acceptance order, the head among them.
    for (const t of [...this.tracked.values()]) if (t.number <= head.number) this.finish(t)
  }

  /** Logs the lines of blocks that waited past the outcome wait. Exposed for tests. */
  sweep(): void {
    const cutoff = this.now() - this.outcomeWaitMs
    for (const t of [...this.tracked.values()]) {
      if (t.validatedMs > cutoff) break // acceptance order: the rest are younger
      this.finish(t)
    }
  }

  last(): LastBlockInfo | null {
    return this.lastBlock
  }

  /** First transaction (the L1-info deposit) of a recently accepted block. */
  firstTransaction(hash: string): Uint8Array | undefined {
    return this.recentFirstTx.get(hash.toLowerCase())
  }

  /** Blocks waiting for their engine outcome. */
  get pending(): number {
    return this.tracked.size
  }

  private finish(t: Tracked): void {
    this.tracked.delete(t.hash)
    const line = formatBlockLogLine({
      number: t.number,
      hash: t.hash,
      peer: t.peer,
      arrivalDelayMs: t.firstSeenMs - t.timestampMs,
      validationMs: t.validatedMs - t.firstSeenMs,
      newPayload: t.newPayload,
      forkchoice: t.forkchoice,
      engineMs: t.lastAnswerMs === null ? null : t.lastAnswerMs - t.firstSeenMs,
      engineEnabled: this.engineEnabled,
    })
    this.log.info(line.ctx, line.msg)
  }
}

export function createBlockTimeline(
  opts: BlockTimelineOptions = {},
  modules: BlockTimelineModules = {},
): BlockTimeline {
  return new BlockTimeline(opts, modules)
}
