/**
 * The blocks on their way to the EL, and what the EL said about them: the bounded buffer, the
 * hashes the EL has answered VALID (what can be sent in order) and the hashes it rejected (never
 * sent again, nor anything built on them). Pure bookkeeping: no I/O, no timers.
 */
import type { ChainConfig } from '../chains/types.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import { BlockBuffer, type BlockMeta, BoundedHashSet, type BufferedBlock } from './blockBuffer.ts'
import type { ElHeads } from './engineClient.ts'
import type { EngineError } from './errors.ts'
import type { EngineMetrics } from './metrics.ts'
import {
  type BlockRef,
  blockRefOf,
  engineVersionAt,
  type Hex,
  type PayloadStatus,
  type PayloadStatusValue,
} from './schema.ts'
import { refLog, type SyncDriverCounters } from './syncCounters.ts'

/** INVALID block hashes remembered (never sent again). */
export const DRIVER_MAX_REMEMBERED_INVALID_BLOCKS = 4096
/** Hashes the EL answered VALID for, remembered to decide what can be sent in order. */
export const DRIVER_MAX_KNOWN_VALID_HASHES = 4096

export interface PendingBlocksOptions {
  /** newPayload version per fork: a block whose gossip version disagrees is not kept */
  chain: ChainConfig
  maxBufferedBlocks: number
  maxBufferedBytes: number
}

export interface PendingBlocksModules {
  counters: SyncDriverCounters
  log?: Logger
  metrics?: EngineMetrics | null
}

/** The EL head as admission needs it. */
export interface AdmissionContext {
  confirmed: BlockRef | null
  /** While the EL syncs, dropping old unconfirmed blocks is routine (its sync fetches them) */
  elSyncing: boolean
}

/** One send pass: `blocks` in order (the newest block's ancestry the EL can apply), then FCU. */
export interface SendPass {
  newest: BufferedBlock
  blocks: BufferedBlock[]
  /**
   * Gap filling: the newest block of the fetched run that starts at the EL head (sent first in
   * `blocks`); once the EL has it VALID the FCU names it, so the EL head climbs the gap.
   */
  fillHead?: BufferedBlock
}

export class PendingBlocks {
  readonly buffer: BlockBuffer
  private readonly chain: ChainConfig
  private readonly counters: SyncDriverCounters
  private readonly log: Logger
  private readonly metrics: EngineMetrics | null
  private readonly invalid = new BoundedHashSet(DRIVER_MAX_REMEMBERED_INVALID_BLOCKS)
  private readonly knownValid = new BoundedHashSet(DRIVER_MAX_KNOWN_VALID_HASHES)

  constructor(opts: PendingBlocksOptions, modules: PendingBlocksModules) {
    this.chain = opts.chain
    this.counters = modules.counters
    this.log = modules.log ?? silentLogger
    this.metrics = modules.metrics ?? null
    this.buffer = new BlockBuffer({
      maxBlocks: opts.maxBufferedBlocks,
      maxBytes: opts.maxBufferedBytes,
    })
  }

  /**
   * Takes a gossip block into the buffer, or says why not (counted and logged): known INVALID or
   * built on one, a duplicate, a version that disagrees with its fork, at or below the EL head.
   * Returns true when it was buffered (there is something new to send).
   */
  admit(
    envelope: SignedEnvelope,
    meta: BlockMeta | undefined,
    head: AdmissionContext,
    fetched?: { sizeBytes: number },
  ): boolean {
    if (fetched === undefined) this.counters.received++
    else this.counters.fetched++
    const ref = blockRefOf(envelope.payload)
    if (this.invalid.has(ref.hash) || this.invalid.has(ref.parentHash)) {
      // Building on a rejected block is as invalid as the block itself.
      this.invalid.add(ref.hash)
      this.counters.ignoredInvalid++
      this.log.warn(
        { block: refLog(ref) },
        'ignored a block that is, or builds on, an INVALID block',
      )
      return false
    }
    if (this.buffer.has(ref.hash)) {
      this.counters.duplicates++
      return false
    }
    const expected = engineVersionAt(this.chain, envelope.payload.timestamp)
    if (expected !== envelope.version) {
      this.counters.engineErrors++
      this.log.error(
        { block: refLog(ref), version: envelope.version, expected },
        'block version does not match its fork, not sent to the EL',
      )
      return false
    }
    const siblings = this.buffer.atHeight(ref.number)
    if (siblings.length > 0) {
      this.counters.conflicting++
      this.log.warn(
        { number: ref.number, hash: ref.hash, held: siblings.map((s) => s.ref.hash) },
        'conflicting block at a height already held (first seen wins)',
      )
    }
    const { confirmed } = head
    if (confirmed !== null && ref.number <= confirmed.number) {
      // First block per height wins and the head never moves backwards (engine-sync.md §5); a
      // later block on the other branch reaches the EL as a non-adjacent block and it reorgs.
      this.counters.stale++
      this.log.debug(
        { block: refLog(ref), head: confirmed.number },
        'block at or below the EL head ignored',
      )
      return false
    }
    const { evicted } = this.buffer.add(ref, envelope, meta, fetched)
    for (const e of evicted) {
      this.counters.evicted++
      this.metrics?.bufferEvictedTotal.inc()
      if (head.elSyncing) {
        this.log.debug(
          { block: refLog(e.ref) },
          'block buffer full while the EL syncs, dropped the oldest',
        )
      } else if (confirmed === null || e.ref.number > confirmed.number) {
        this.log.warn(
          { block: refLog(e.ref), blocks: this.buffer.size, bytes: this.buffer.bytes },
          'block buffer full, dropped the oldest unconfirmed block',
        )
      }
    }
    return true
  }

  /**
   * What can usefully go to the EL: the newest block's buffered ancestry from the highest point
   * whose parent the EL has, in order; or just the newest block when nothing connects (the EL
   * syncs to it). null when nothing is above the EL head.
   */
  planPass(target: BlockRef | null, confirmed: BlockRef | null): SendPass | null {
    let newest = this.buffer.newest()
    if (newest !== undefined && target !== null && newest.ref.number <= target.number) {
      newest = this.buffer.get(target.hash) ?? newest
    }
    if (newest === undefined || (confirmed !== null && newest.ref.number <= confirmed.number)) {
      return null
    }
    const chain = this.buffer.chainTo(newest.ref.hash)
    for (let i = chain.length - 1; i >= 0; i--) {
      if (this.knownValid.has(chain[i]!.ref.parentHash)) return { newest, blocks: chain.slice(i) }
    }
    const fill = this.buffer.fetchedCount > 0 ? this.fillRun(confirmed) : []
    if (fill.length > 0) return { newest, blocks: [...fill, newest], fillHead: fill.at(-1)! }
    return { newest, blocks: [newest] }
  }

  /** Fetched blocks linked upwards from the EL head (first seen per height), oldest first. */
  private fillRun(confirmed: BlockRef | null): BufferedBlock[] {
    const run: BufferedBlock[] = []
    if (confirmed === null) return run
    let child = this.buffer.firstChildOf(confirmed.hash)
    while (child?.fetched === true && run.length < this.buffer.size) {
      run.push(child)
      child = this.buffer.firstChildOf(child.ref.hash)
    }
    return run
  }

  /** Whether the EL rejected `hash` (or something it builds on) as INVALID. */
  isKnownInvalid(hash: Hex): boolean {
    return this.invalid.has(hash)
  }

  /**
   * Whether newPayload should go (again) for a block of a pass: never after VALID; again only
   * when its parent has become known valid since it last went out.
   */
  shouldSend(block: BufferedBlock): boolean {
    if (block.sent === 'valid') return false
    const parentKnown = this.knownValid.has(block.ref.parentHash)
    return block.sent === 'none' || (parentKnown && !block.sentWithParentKnown)
  }

  /**
   * Records a newPayload answer on the block (INVALID is dropInvalid's job); returns whether
   * its parent was known valid, i.e. the EL could apply it rather than sync to it.
   */
  recordAnswer(block: BufferedBlock, status: PayloadStatusValue): boolean {
    const parentKnown = this.knownValid.has(block.ref.parentHash)
    block.sentWithParentKnown = parentKnown
    if (status === 'VALID') {
      block.sent = 'valid'
      this.knownValid.add(block.ref.hash)
    } else if (status === 'SYNCING' || status === 'ACCEPTED') {
      block.sent = status === 'SYNCING' ? 'syncing' : 'accepted'
    }
    return parentKnown
  }

  /** The EL has `hash` canonical, so every buffered ancestor of it is known valid too. */
  markChainValid(hash: Hex): void {
    this.knownValid.add(hash)
    for (const e of this.buffer.chainTo(hash)) {
      e.sent = 'valid'
      e.sentWithParentKnown = true
      this.knownValid.add(e.ref.hash)
    }
  }

  /** Drops `block` and its buffered descendants and remembers them INVALID; returns them. */
  dropInvalid(block: BufferedBlock, status: PayloadStatus): BufferedBlock[] {
    const dropped = [block, ...this.buffer.descendantsOf(block.ref.hash)]
    for (const e of dropped) {
      this.buffer.delete(e.ref.hash)
      this.invalid.add(e.ref.hash)
    }
    this.counters.invalid += dropped.length
    this.metrics?.invalidBlocksTotal.inc(dropped.length)
    this.log.error(
      {
        block: refLog(block.ref),
        validationError: status.validationError,
        latestValidHash: status.latestValidHash,
        fromPeer: block.meta?.fromPeer,
        descendantsDropped: dropped.length - 1,
      },
      block.fetched
        ? 'EL rejected a block from the backup RPC as INVALID'
        : 'EL rejected a block as INVALID: the sequencer signed an invalid block',
    )
    return dropped
  }

  /** The EL says our request is malformed for this block (engine-sync.md §2.5): drop it. */
  dropRefused(block: BufferedBlock, err: EngineError): void {
    this.buffer.delete(block.ref.hash)
    this.counters.engineErrors++
    this.metrics?.engineErrorsTotal.inc({ code: err.code })
    this.log.error(
      { block: refLog(block.ref), err: err.message, rpcCode: err.rpcCode },
      'newPayload refused, block dropped',
    )
  }

  /**
   * The EL's heads are the truth again (start, restart, EL went back): every buffered block is
   * considered unsent, so what the EL lost is replayed in order.
   */
  forgetSent(heads: ElHeads): void {
    this.knownValid.clear()
    this.buffer.resetSentState()
    this.knownValid.add(heads.latest.hash)
    if (heads.safe !== null) this.knownValid.add(heads.safe.hash)
    if (heads.finalized !== null) this.knownValid.add(heads.finalized.hash)
    this.markChainValid(heads.latest.hash)
  }
}
