/**
 * The sync driver's fork-choice state, pure: what the node has handed the EL and what the EL
 * answered, with no timers, no I/O and no clock reads (time comes in as `nowMs`).
 *
 * - target    = newest valid block handed to the EL (newPayload + FCU head = it)
 * - confirmed = what the EL says it has: an FCU answered VALID, or its `latest`
 * - safe / finalized = the EL's own, or a follow source's once the EL has them canonical
 *
 * FCUs only ever name the target, so the EL's sync target never moves back. The loop
 * (syncDriver.ts) asks what to send, makes the call through the EL connection and hands the
 * answer back here; each answer method returns what the loop must do next.
 */
import { type Logger, silentLogger } from '../util/logger.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import type { BlockMeta, BufferedBlock } from './blockBuffer.ts'
import type { ElHeads } from './engineClient.ts'
import type { EngineError } from './errors.ts'
import { type EngineMetrics, setSyncGauges } from './metrics.ts'
import { PendingBlocks, type PendingBlocksOptions, type SendPass } from './pendingBlocks.ts'
import {
  nextSafeFinalized,
  type SafeFinalizedChecks,
  safeFinalizedChecks,
} from './safeFinalized.ts'
import { type BlockRef, type PayloadStatus, ZERO_HASH } from './schema.ts'
import {
  createSyncCounters,
  refLog,
  type SafeFinalizedCandidate,
  type SyncDriverCounters,
} from './syncCounters.ts'
import {
  type ForkchoiceRequest,
  type NewPayloadNext,
  type PollNext,
  type SyncPhase,
  type SyncPhaseName,
  syncPhaseName,
} from './syncPhase.ts'

/** -38002 answers in a row after which safe / finalized fall back to zero, then FCU waits. */
export const INVALID_FORKCHOICE_FALLBACK_STREAK = 2

/** SyncDriverOptions with every default resolved (see there for what each one means). */
export interface ForkChoiceOptions extends PendingBlocksOptions {
  retainConfirmedBlocks: number
  syncPollIntervalMs: number
  fcuRefreshIntervalMs: number
  headPollIntervalMs: number
}

export interface ForkChoiceModules {
  log?: Logger
  metrics?: EngineMetrics | null
}

export class ForkChoiceState {
  readonly counters: SyncDriverCounters = createSyncCounters()
  readonly blocks: PendingBlocks
  private readonly opts: ForkChoiceOptions
  private readonly log: Logger
  private readonly metrics: EngineMetrics | null

  target: BlockRef | null = null
  confirmed: BlockRef | null = null
  safe: BlockRef | null = null
  finalized: BlockRef | null = null
  phase: SyncPhase = { name: 'no-heads' }
  /** An FCU with the current target / safe / finalized is owed to the EL */
  forkchoiceOwed = false
  /** When `latest` is next read (null before the EL's heads are known) */
  pollAtMs: number | null = null
  private lastForkchoiceMs = 0
  private invalidForkchoiceStreak = 0

  constructor(opts: ForkChoiceOptions, modules: ForkChoiceModules = {}) {
    this.opts = opts
    this.log = modules.log ?? silentLogger
    this.metrics = modules.metrics ?? null
    this.blocks = new PendingBlocks(opts, {
      counters: this.counters,
      log: this.log,
      metrics: this.metrics,
    })
  }

  phaseName(): SyncPhaseName {
    return syncPhaseName(this.phase, this.target, this.confirmed)
  }

  /** target.number - confirmed.number (0 when in sync or unknown) */
  gapBlocks(): number {
    if (this.target === null || this.confirmed === null) return 0
    return Math.max(0, this.target.number - this.confirmed.number)
  }

  // -------------------------------------------------------------------------------------------
  // Inputs that are not EL answers

  /** A gossip block; true when it was buffered (there is something new to send). */
  addBlock(envelope: SignedEnvelope, meta?: BlockMeta): boolean {
    const added = this.blocks.admit(envelope, meta, {
      confirmed: this.confirmed,
      elSyncing: this.phase.name === 'el-syncing',
    })
    if (added) this.updateGauges()
    return added
  }

  /** A block fetched from the backup RPC (gap filling); true when it was buffered. */
  addFetchedBlock(envelope: SignedEnvelope, sizeBytes: number): boolean {
    const added = this.blocks.admit(
      envelope,
      undefined,
      { confirmed: this.confirmed, elSyncing: this.phase.name === 'el-syncing' },
      { sizeBytes },
    )
    if (added) this.updateGauges()
    return added
  }

  pollDue(nowMs: number): boolean {
    return this.pollAtMs !== null && nowMs >= this.pollAtMs
  }

  /** `latest` was read (whatever it said): the next read is one interval away. */
  pollDone(nowMs: number): void {
    this.schedulePoll(nowMs)
  }

  // -------------------------------------------------------------------------------------------
  // The EL's heads, read whole (connect, restart, head lost)

  /** Connected (or reconnected): the EL's heads are the starting point. */
  onConnected(heads: ElHeads, nowMs: number): void {
    this.applyElHeads(heads)
    this.schedulePoll(nowMs)
  }

  /** Heads re-read because the EL lost ours (phase head-lost). */
  onResetHeads(heads: ElHeads): void {
    const reason = this.phase.name === 'head-lost' ? this.phase.reason : 'heads re-read'
    this.counters.resets++
    this.log.warn(
      { reason, latest: refLog(heads.latest), target: refLog(this.target) },
      'resuming from the EL heads',
    )
    this.applyElHeads(heads)
  }

  /** Takes the EL's heads as the truth; what it lost is replayed from the buffer in order. */
  private applyElHeads(heads: ElHeads): void {
    this.confirmed = heads.latest
    this.safe = heads.safe
    this.finalized = heads.finalized
    this.blocks.forgetSent(heads)
    // Keep the target when it is still newer than the EL and can be re-sent; else start from the EL.
    if (
      this.target === null ||
      this.target.number <= heads.latest.number ||
      !this.blocks.buffer.has(this.target.hash)
    ) {
      this.target = heads.latest
    }
    if (this.target.hash !== this.confirmed.hash) this.forkchoiceOwed = true
    this.phase = { name: 'following' }
    this.updateGauges()
  }

  // -------------------------------------------------------------------------------------------
  // newPayload

  /** The blocks to send now (null: nothing above the EL head); each goes if blocks.shouldSend. */
  planPass(): SendPass | null {
    return this.blocks.planPass(this.target, this.confirmed)
  }

  onNewPayloadStatus(block: BufferedBlock, status: PayloadStatus, nowMs: number): NewPayloadNext {
    this.metrics?.newPayloadTotal.inc({ status: status.status })
    const parentKnown = this.blocks.recordAnswer(block, status.status)
    switch (status.status) {
      case 'VALID':
        if (block.meta !== undefined) {
          this.metrics?.blockToElSeconds.observe((nowMs - block.meta.firstSeenMs) / 1000)
        }
        return 'valid'
      case 'SYNCING':
      case 'ACCEPTED': {
        const builtOnHead = parentKnown && block.ref.parentHash === this.confirmed?.hash
        // We believed the EL had the parent as its head: it restarted or lost state. Check.
        return builtOnHead && this.phase.name !== 'el-syncing' ? 'check-head' : 'pending'
      }
      case 'INVALID':
      case 'INVALID_BLOCK_HASH':
      case 'INVALID_TERMINAL_BLOCK':
        this.markInvalid(block, status)
        return 'stop'
    }
  }

  /** `latest` after a SYNCING answer for a child of our head. */
  onHeadCheck(latest: BlockRef | null): 'pending' | 'stop' {
    if (latest === null || this.confirmed === null || latest.hash === this.confirmed.hash) {
      return 'pending'
    }
    this.phase = { name: 'head-lost', reason: 'the EL does not have our head' }
    return 'stop'
  }

  /** The EL says our request is malformed for this block (engine-sync.md §2.5): drop it. */
  onNewPayloadRefused(block: BufferedBlock, err: EngineError): void {
    this.blocks.dropRefused(block, err)
    if (this.target?.hash === block.ref.hash) this.target = this.confirmed
  }

  // -------------------------------------------------------------------------------------------
  // forkchoiceUpdated

  /**
   * After a pass: the target becomes the pass's newest block when it is newer, and FCU(target)
   * is due when the target advanced past the EL head, or an FCU is owed. Returns the request
   * (no longer owed from here on) or null.
   */
  endPass(pass: SendPass | null, advanced: boolean): ForkchoiceRequest | null {
    let moved = advanced
    if (pass !== null && (this.target === null || pass.newest.ref.number > this.target.number)) {
      this.target = pass.newest.ref
      moved = true
    }
    if (this.target === null || this.confirmed === null) return null
    const fillHead = pass?.fillHead
    if (fillHead?.sent === 'valid' && fillHead.ref.number > this.confirmed.number) {
      // The EL has the filled run: make its newest block the head (the target FCU stays owed).
      return { head: fillHead.ref, state: this.forkchoiceStateFor(fillHead.ref) }
    }
    const inSync = this.target.hash === this.confirmed.hash
    if (!((moved && !inSync) || this.forkchoiceOwed)) return null
    this.forkchoiceOwed = false
    return { head: this.target, state: this.forkchoiceStateFor(this.target) }
  }

  private forkchoiceStateFor(head: BlockRef): ForkchoiceRequest['state'] {
    return {
      headBlockHash: head.hash,
      safeBlockHash: this.safe?.hash ?? ZERO_HASH,
      finalizedBlockHash: this.finalized?.hash ?? ZERO_HASH,
    }
  }

  onForkchoiceStatus(head: BlockRef, status: PayloadStatus, nowMs: number): 'done' | 'stop' {
    this.lastForkchoiceMs = nowMs
    this.invalidForkchoiceStreak = 0
    this.metrics?.forkchoiceUpdatedTotal.inc({ status: status.status })
    switch (status.status) {
      case 'VALID':
        this.markConfirmed(head, 'forkchoice', nowMs)
        return 'done'
      case 'SYNCING':
      case 'ACCEPTED':
        if (this.phase.name !== 'el-syncing') {
          const from = this.confirmed?.number ?? 0
          this.phase = { name: 'el-syncing', sinceMs: nowMs, fromNumber: from }
          this.log.info(
            {
              target: refLog(head),
              confirmed: refLog(this.confirmed),
              gapBlocks: head.number - from,
            },
            'EL syncing towards the target',
          )
          this.schedulePoll(nowMs)
        }
        this.updateGauges()
        return 'done'
      case 'INVALID':
      case 'INVALID_BLOCK_HASH':
      case 'INVALID_TERMINAL_BLOCK': {
        const entry = this.blocks.buffer.get(head.hash)
        if (entry !== undefined) this.markInvalid(entry, status)
        else this.log.error({ head: refLog(head), status }, 'EL answered INVALID for our head')
        this.target = this.confirmed
        return 'stop'
      }
    }
  }

  /** The FCU failed (no answer): it is still owed once the EL answers again. */
  onForkchoiceFailed(): void {
    this.forkchoiceOwed = true
  }

  /** -38002: safe / finalized unknown to the EL or not on its chain; `heads` re-read since. */
  onInvalidForkchoiceState(heads: ElHeads, err: EngineError): void {
    this.invalidForkchoiceStreak++
    this.counters.resets++
    this.log.warn(
      {
        err: err.message,
        safe: refLog(this.safe),
        finalized: refLog(this.finalized),
        streak: this.invalidForkchoiceStreak,
      },
      'EL rejected our safe/finalized (-38002), re-reading its heads',
    )
    const streak = this.invalidForkchoiceStreak
    this.safe = streak >= INVALID_FORKCHOICE_FALLBACK_STREAK ? null : heads.safe
    this.finalized = streak >= INVALID_FORKCHOICE_FALLBACK_STREAK ? null : heads.finalized
    if (heads.latest.number > (this.confirmed?.number ?? -1)) this.confirmed = heads.latest
    if (streak <= INVALID_FORKCHOICE_FALLBACK_STREAK) this.forkchoiceOwed = true
  }

  // -------------------------------------------------------------------------------------------
  // Polling `latest`: a closed gap, an EL that went back (restart) or moved on

  onLatest(latest: BlockRef | null, nowMs: number): PollNext {
    const { confirmed, target } = this
    if (latest === null || confirmed === null || target === null) return { next: 'done' }
    if (latest.hash === confirmed.hash) {
      this.refreshWhileSyncing(nowMs)
      return { next: 'done' }
    }
    if (latest.number < confirmed.number) {
      this.phase = { name: 'head-lost', reason: 'the EL head went back (restart?)' }
      return { next: 'reset' }
    }
    if (latest.hash === target.hash) {
      this.markConfirmed(target, 'latest', nowMs)
      return { next: 'done' }
    }
    if (latest.number >= target.number) {
      return { next: 'check-target', latest, number: target.number }
    }
    this.onElMoved(latest, nowMs)
    return { next: 'done' }
  }

  /** The EL's block at the target height, read because `latest` is at or past it. */
  onTargetHeightRead(latest: BlockRef, atTarget: BlockRef | null, nowMs: number): void {
    if (atTarget !== null && atTarget.hash === this.target?.hash) {
      this.markConfirmed(latest, 'latest', nowMs)
    } else {
      this.onElMoved(latest, nowMs)
    }
  }

  /** The EL moved (it syncs, or someone else drives it): record what it has. */
  private onElMoved(latest: BlockRef, nowMs: number): void {
    this.confirmed = latest
    this.blocks.markChainValid(latest.hash)
    if (this.phase.name !== 'el-syncing' && latest.number >= this.target!.number) {
      this.log.warn(
        { latest: refLog(latest), target: refLog(this.target) },
        'EL head moved to another block',
      )
      this.target = latest
    }
    this.refreshWhileSyncing(nowMs)
    this.updateGauges()
  }

  /** Keeps the EL's sync target alive (engine-sync.md §4.3). */
  private refreshWhileSyncing(nowMs: number): void {
    if (
      this.phase.name === 'el-syncing' &&
      nowMs - this.lastForkchoiceMs >= this.opts.fcuRefreshIntervalMs
    ) {
      this.forkchoiceOwed = true
    }
  }

  // -------------------------------------------------------------------------------------------
  // Safe / finalized from a follow source

  /** Which offered heads to read on the EL (safeFinalized.ts); null before our head is known. */
  followChecks(candidate: SafeFinalizedCandidate): SafeFinalizedChecks | null {
    return safeFinalizedChecks(candidate, this)
  }

  /** The EL's blocks at the checked heights: a head applies when the EL has that very block. */
  applySafeFinalized(
    checks: SafeFinalizedChecks,
    onEl: { safe: BlockRef | null; finalized: BlockRef | null },
  ): void {
    const next = nextSafeFinalized(checks, onEl, this)
    if (next === null) return
    this.safe = next.safe
    this.finalized = next.finalized
    this.log.debug(
      { safe: refLog(this.safe), finalized: refLog(this.finalized) },
      'safe/finalized from follow source',
    )
    this.forkchoiceOwed = true
  }

  // -------------------------------------------------------------------------------------------

  private markConfirmed(ref: BlockRef, via: 'forkchoice' | 'latest', nowMs: number): void {
    this.confirmed = ref
    this.blocks.markChainValid(ref.hash)
    const gapOpen = this.target !== null && ref.number < this.target.number
    if (this.phase.name === 'el-syncing' && !gapOpen) {
      const tookMs = nowMs - this.phase.sinceMs
      this.counters.gapsClosed++
      this.metrics?.gapCloseSeconds.observe(tookMs / 1000)
      this.log.info(
        { head: refLog(ref), gapBlocks: ref.number - this.phase.fromNumber, tookMs, via },
        'EL caught up with the target',
      )
      this.phase = { name: 'following' }
      this.schedulePoll(nowMs)
    }
    if (this.target === null || ref.number >= this.target.number) this.target = ref
    this.blocks.buffer.pruneAtOrBelow(ref.number - this.opts.retainConfirmedBlocks)
    this.updateGauges()
  }

  private markInvalid(block: BufferedBlock, status: PayloadStatus): void {
    const dropped = this.blocks.dropInvalid(block, status)
    const target = this.target
    if (target !== null && dropped.some((e) => e.ref.hash === target.hash)) {
      this.target = this.confirmed
    }
    this.updateGauges()
  }

  private schedulePoll(nowMs: number): void {
    const intervalMs =
      this.phase.name === 'el-syncing' ? this.opts.syncPollIntervalMs : this.opts.headPollIntervalMs
    this.pollAtMs = nowMs + intervalMs
  }

  private updateGauges(): void {
    if (this.metrics === null) return
    setSyncGauges(this.metrics, {
      buffer: this.blocks.buffer,
      target: this.target,
      confirmed: this.confirmed,
      syncing: this.phase.name === 'el-syncing',
    })
  }
}
