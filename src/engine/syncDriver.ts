/**
 * The sync driver: hands validated gossip blocks to the EL (engine-sync.md §3.5) and lets the
 * EL's own sync close gaps (no req-resp).
 *
 * - target    = newest valid block handed to the EL (newPayload + FCU head = it)
 * - confirmed = what the EL says it has: an FCU answered VALID, or its `latest`
 *
 * Every block goes out at once, adjacent or not; a non-adjacent one makes the EL sync to it.
 * FCUs only ever name the target, so the EL's sync target never moves back. Blocks that arrive
 * out of order wait in a bounded buffer and are sent in order once their parent is known to the
 * EL, then the target is re-confirmed. All Engine API calls run one at a time from one loop.
 */
import type { ChainConfig } from '../chains/types.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import { BlockBuffer, type BlockMeta, BoundedHashSet, type BufferedBlock } from './blockBuffer.ts'
import type { ElHeads, EngineClient } from './engineClient.ts'
import { checkChainId } from './engineClient.ts'
import { EngineError, isRpcError, isTransientEngineError, RpcErrorCode } from './errors.ts'
import type { EngineMetrics } from './metrics.ts'
import { delay } from './rpcClient.ts'
import {
  type BlockRef,
  blockRefOf,
  engineVersionAt,
  type Hex,
  type PayloadStatus,
  ZERO_HASH,
} from './schema.ts'

/** Blocks the buffer holds at most (out-of-order arrivals, unconfirmed blocks, replay tail). */
export const DRIVER_MAX_BUFFERED_BLOCKS = 256
/** Bytes (signed SSZ) the buffer holds at most; at least one 10 MiB gossip message fits. */
export const DRIVER_MAX_BUFFERED_BYTES = 128 * 2 ** 20
/** Confirmed blocks kept below the EL head, to replay after an EL restart that lost them. */
export const DRIVER_RETAIN_CONFIRMED_BLOCKS = 64
/** INVALID block hashes remembered (never sent again). */
export const DRIVER_MAX_REMEMBERED_INVALID_BLOCKS = 4096
/** Hashes the EL answered VALID for, remembered to decide what can be sent in order. */
export const DRIVER_MAX_KNOWN_VALID_HASHES = 4096

export interface SyncDriverOptions {
  /** Chain config: chain id check and newPayload version per fork */
  chain: ChainConfig
  /** @default DRIVER_MAX_BUFFERED_BLOCKS (256 blocks) */
  maxBufferedBlocks?: number
  /** @default DRIVER_MAX_BUFFERED_BYTES (128 MiB) */
  maxBufferedBytes?: number
  /** @default DRIVER_RETAIN_CONFIRMED_BLOCKS (64 blocks) */
  retainConfirmedBlocks?: number
  /** While the EL syncs: how often its `latest` is read. @default 1000 (ms) */
  syncPollIntervalMs?: number
  /** While the EL syncs: re-send FCU(target) this often to keep the sync target alive. @default 2 × block time (ms) */
  fcuRefreshIntervalMs?: number
  /** While in sync: how often `latest` is read to notice an EL restart. @default 4000 (ms) */
  headPollIntervalMs?: number
  /** First delay before reconnecting to an EL that went away, doubled per failure. @default 250 (ms) */
  reconnectBaseDelayMs?: number
  /** @default 10000 (ms) */
  reconnectMaxDelayMs?: number
}

export interface SyncDriverModules {
  client: EngineClient
  log?: Logger
  metrics?: EngineMetrics | null
  /** @default Date.now */
  now?: () => number
}

export type SyncDriverState = 'stopped' | 'connecting' | 'ready' | 'el-down'

export interface SafeFinalizedCandidate {
  safe: { hash: Hex; number: number } | null
  finalized: { hash: Hex; number: number } | null
}

export interface SyncDriverCounters {
  /** Blocks handed to onBlock */
  received: number
  /** Already buffered */
  duplicates: number
  /** At or below the EL head (includes conflicting ones) */
  stale: number
  /** A different block at a height already held (equivocation) */
  conflicting: number
  /** Dropped from the full buffer */
  evicted: number
  /** Blocks the EL answered INVALID (plus their descendants) */
  invalid: number
  /** Blocks dropped because they are, or build on, a known-INVALID block */
  ignoredInvalid: number
  newPayloadCalls: number
  forkchoiceUpdatedCalls: number
  engineErrors: number
  /** Gaps the EL closed through its own sync */
  gapsClosed: number
  /** Times the driver re-read the EL's heads (restart, -38002, EL went back) */
  resets: number
}

export interface SyncDriverStatus {
  state: SyncDriverState
  target: BlockRef | null
  confirmed: BlockRef | null
  safe: BlockRef | null
  finalized: BlockRef | null
  /** True while the EL syncs towards the target (FCU answered SYNCING) */
  syncing: boolean
  /** target.number - confirmed.number (0 when in sync or unknown) */
  gapBlocks: number
  syncingSinceMs: number | null
  buffer: { blocks: number; bytes: number }
  counters: SyncDriverCounters
  lastError: string | null
}

function refLog(ref: BlockRef | null): { number: number; hash: Hex } | null {
  return ref === null ? null : { number: ref.number, hash: ref.hash }
}

export class SyncDriver {
  private readonly chain: ChainConfig
  private readonly client: EngineClient
  private readonly log: Logger
  private readonly metrics: EngineMetrics | null
  private readonly now: () => number
  private readonly retainConfirmed: number
  private readonly syncPollMs: number
  private readonly fcuRefreshMs: number
  private readonly headPollMs: number
  private readonly reconnectBaseMs: number
  private readonly reconnectMaxMs: number

  private readonly buffer: BlockBuffer
  private readonly invalid = new BoundedHashSet(DRIVER_MAX_REMEMBERED_INVALID_BLOCKS)
  private readonly knownValid = new BoundedHashSet(DRIVER_MAX_KNOWN_VALID_HASHES)

  private state: SyncDriverState = 'stopped'
  private target: BlockRef | null = null
  private confirmed: BlockRef | null = null
  private safe: BlockRef | null = null
  private finalized: BlockRef | null = null
  private syncing: { sinceMs: number; fromNumber: number } | null = null
  private lastFcuMs = 0
  private fcuDirty = false
  private pollDue = false
  private resetDue = false
  private invalidForkchoiceStreak = 0
  private followCandidate: SafeFinalizedCandidate | null = null
  private lastError: string | null = null
  private reconnectAttempt = 0
  private errorStreak = 0

  private abort = new AbortController()
  private pollTimer: NodeJS.Timeout | null = null
  private loopRunning: Promise<void> | null = null
  private dirty = false
  private connectTask: Promise<void> | null = null

  private readonly counters: SyncDriverCounters = {
    received: 0,
    duplicates: 0,
    stale: 0,
    conflicting: 0,
    evicted: 0,
    invalid: 0,
    ignoredInvalid: 0,
    newPayloadCalls: 0,
    forkchoiceUpdatedCalls: 0,
    engineErrors: 0,
    gapsClosed: 0,
    resets: 0,
  }

  constructor(opts: SyncDriverOptions, modules: SyncDriverModules) {
    this.chain = opts.chain
    this.client = modules.client
    this.log = modules.log ?? silentLogger
    this.metrics = modules.metrics ?? null
    this.now = modules.now ?? Date.now
    this.buffer = new BlockBuffer({
      maxBlocks: opts.maxBufferedBlocks ?? DRIVER_MAX_BUFFERED_BLOCKS,
      maxBytes: opts.maxBufferedBytes ?? DRIVER_MAX_BUFFERED_BYTES,
    })
    this.retainConfirmed = opts.retainConfirmedBlocks ?? DRIVER_RETAIN_CONFIRMED_BLOCKS
    this.syncPollMs = opts.syncPollIntervalMs ?? 1_000
    this.fcuRefreshMs = opts.fcuRefreshIntervalMs ?? Math.max(1, opts.chain.blockTime) * 2_000
    this.headPollMs = opts.headPollIntervalMs ?? 4_000
    this.reconnectBaseMs = opts.reconnectBaseDelayMs ?? 250
    this.reconnectMaxMs = opts.reconnectMaxDelayMs ?? 10_000
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Connects: checks the chain id, reads latest / safe / finalized as the starting heads and
   * logs one line. A wrong JWT secret (401) or chain id rejects; an EL that does not answer is
   * retried in the background (gossip must not wait for it).
   */
  async start(): Promise<void> {
    if (this.state !== 'stopped') return
    this.abort = new AbortController()
    this.state = 'connecting'
    try {
      await this.connect()
    } catch (err) {
      if (err instanceof EngineError && isTransientEngineError(err)) {
        this.enterElDown(err) // logs once; gossip goes on while we retry
        return
      }
      this.state = 'stopped'
      throw err
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return
    this.state = 'stopped'
    this.abort.abort()
    if (this.pollTimer !== null) clearTimeout(this.pollTimer)
    this.pollTimer = null
    await this.loopRunning
    await this.connectTask
  }

  // -------------------------------------------------------------------------------------------
  // Input

  /** A block that passed gossip validation. Never throws; never blocks on the EL. */
  onBlock(envelope: SignedEnvelope, meta?: BlockMeta): void {
    this.counters.received++
    const ref = blockRefOf(envelope.payload)
    if (this.invalid.has(ref.hash) || this.invalid.has(ref.parentHash)) {
      // Building on a rejected block is as invalid as the block itself.
      this.invalid.add(ref.hash)
      this.counters.ignoredInvalid++
      this.log.warn(
        { block: refLog(ref) },
        'ignored a block that is, or builds on, an INVALID block',
      )
      return
    }
    if (this.buffer.has(ref.hash)) {
      this.counters.duplicates++
      return
    }
    const expected = engineVersionAt(this.chain, envelope.payload.timestamp)
    if (expected !== envelope.version) {
      this.counters.engineErrors++
      this.log.error(
        { block: refLog(ref), version: envelope.version, expected },
        'block version does not match its fork, not sent to the EL',
      )
      return
    }
    const siblings = this.buffer.atHeight(ref.number)
    if (siblings.length > 0) {
      this.counters.conflicting++
      this.log.warn(
        { number: ref.number, hash: ref.hash, held: siblings.map((s) => s.ref.hash) },
        'conflicting block at a height already held (first seen wins)',
      )
    }
    if (this.confirmed !== null && ref.number <= this.confirmed.number) {
      // First block per height wins and the head never moves backwards (engine-sync.md §5); a
      // later block on the other branch reaches the EL as a non-adjacent block and it reorgs.
      this.counters.stale++
      this.log.debug(
        { block: refLog(ref), head: this.confirmed.number },
        'block at or below the EL head ignored',
      )
      return
    }
    const { evicted } = this.buffer.add(ref, envelope, meta)
    for (const e of evicted) {
      this.counters.evicted++
      this.metrics?.bufferEvictedTotal.inc()
      // While the EL syncs, old unconfirmed blocks are routine to drop: its sync fetches them.
      if (this.syncing !== null) {
        this.log.debug(
          { block: refLog(e.ref) },
          'block buffer full while the EL syncs, dropped the oldest',
        )
      } else if (this.confirmed === null || e.ref.number > this.confirmed.number) {
        this.log.warn(
          { block: refLog(e.ref), blocks: this.buffer.size, bytes: this.buffer.bytes },
          'block buffer full, dropped the oldest unconfirmed block',
        )
      }
    }
    this.updateGauges()
    this.kick()
  }

  /** Safe / finalized heads from a trusted source; applied once the EL has them canonical. */
  offerSafeFinalized(candidate: SafeFinalizedCandidate): void {
    this.followCandidate = candidate
    this.kick()
  }

  status(): SyncDriverStatus {
    const gap =
      this.target !== null && this.confirmed !== null
        ? Math.max(0, this.target.number - this.confirmed.number)
        : 0
    return {
      state: this.state,
      target: this.target,
      confirmed: this.confirmed,
      safe: this.safe,
      finalized: this.finalized,
      syncing: this.syncing !== null,
      gapBlocks: gap,
      syncingSinceMs: this.syncing?.sinceMs ?? null,
      buffer: { blocks: this.buffer.size, bytes: this.buffer.bytes },
      counters: { ...this.counters },
      lastError: this.lastError,
    }
  }

  // -------------------------------------------------------------------------------------------
  // Connection

  private callOpts() {
    return { signal: this.abort.signal }
  }

  private async connect(): Promise<void> {
    await checkChainId(this.client, this.chain.chainId, this.callOpts())
    const heads = await this.client.readHeads(this.callOpts())
    if (this.state === 'stopped') return
    this.applyElHeads(heads, true)
    this.state = 'ready'
    this.reconnectAttempt = 0
    this.lastError = null
    this.log.info(
      {
        url: this.client.url,
        chainId: this.chain.chainId,
        latest: refLog(heads.latest),
        safe: refLog(heads.safe),
        finalized: refLog(heads.finalized),
      },
      'EL connected',
    )
    this.schedulePoll()
    this.kick()
  }

  private enterElDown(err: unknown): void {
    if (this.state === 'stopped') return
    const atStart = this.state === 'connecting'
    const first = this.state !== 'el-down'
    this.state = 'el-down'
    if (this.pollTimer !== null) clearTimeout(this.pollTimer)
    this.pollTimer = null
    this.lastError = (err as Error).message
    const wait = Math.min(this.reconnectMaxMs, this.reconnectBaseMs * 2 ** this.reconnectAttempt)
    this.reconnectAttempt++
    const code = err instanceof EngineError ? err.code : 'UNKNOWN'
    const ctx = { url: this.client.url, code, err: this.lastError, retryInMs: wait }
    if (code === 'ENGINE_AUTH_FAILED' || code === 'ENGINE_WRONG_CHAIN') {
      this.log.error(ctx, 'EL refused us, retrying')
    } else if (atStart) {
      this.log.warn(ctx, 'EL not reachable yet, retrying in the background')
    } else if (first) {
      this.log.warn(ctx, 'EL went away, keeping the newest blocks and retrying')
    } else {
      this.log.debug(ctx, 'EL still unreachable')
    }
    const signal = this.abort.signal
    this.connectTask = (async () => {
      await delay(wait, signal)
      if (this.state !== 'el-down') return
      try {
        await this.connect()
        this.counters.resets++
      } catch (e) {
        this.enterElDown(e)
      }
    })()
  }

  /**
   * Takes the EL's heads as the truth (start, restart, EL went backwards). With `resend`, every
   * buffered block is considered unsent again, so what the EL lost is replayed in order.
   */
  private applyElHeads(heads: ElHeads, resend: boolean): void {
    this.confirmed = heads.latest
    this.safe = heads.safe
    this.finalized = heads.finalized
    if (resend) {
      this.knownValid.clear()
      this.buffer.resetSentState()
    }
    this.knownValid.add(heads.latest.hash)
    if (heads.safe !== null) this.knownValid.add(heads.safe.hash)
    if (heads.finalized !== null) this.knownValid.add(heads.finalized.hash)
    this.markChainValid(heads.latest.hash)
    // Keep the target when it is still newer than the EL and can be re-sent; else start from the EL.
    if (
      this.target === null ||
      this.target.number <= heads.latest.number ||
      !this.buffer.has(this.target.hash)
    ) {
      this.target = heads.latest
    }
    if (this.target.hash !== this.confirmed.hash) this.fcuDirty = true
    this.syncing = null
    this.updateGauges()
  }

  // -------------------------------------------------------------------------------------------
  // The loop

  private kick(): void {
    this.dirty = true
    if (this.loopRunning !== null || this.state !== 'ready') return
    this.loopRunning = this.runLoop().finally(() => {
      this.loopRunning = null
      if (this.dirty && this.state === 'ready') this.kick()
    })
  }

  private async runLoop(): Promise<void> {
    while (this.dirty && this.state === 'ready') {
      this.dirty = false
      try {
        await this.step()
        this.errorStreak = 0
      } catch (err) {
        if (this.isStopped()) return
        this.counters.engineErrors++
        if (err instanceof EngineError) this.metrics?.engineErrorsTotal.inc({ code: err.code })
        if (
          err instanceof EngineError &&
          err.code !== 'ENGINE_RPC_ERROR' &&
          err.code !== 'ENGINE_BAD_RESPONSE'
        ) {
          this.enterElDown(err)
          return
        }
        // An answer we cannot use: log, back off, try again.
        this.lastError = (err as Error).message
        this.log.error({ err: this.lastError }, 'Engine API call failed')
        const wait = Math.min(this.reconnectMaxMs, this.reconnectBaseMs * 2 ** this.errorStreak)
        this.errorStreak++
        await delay(wait, this.abort.signal)
        this.dirty = true
      }
    }
  }

  /** A method, not a field read, so TS does not narrow `state` across awaits. */
  private isStopped(): boolean {
    return this.state === 'stopped'
  }

  private schedulePoll(): void {
    if (this.pollTimer !== null) clearTimeout(this.pollTimer)
    this.pollTimer = null
    if (this.state !== 'ready') return
    const ms = this.syncing !== null ? this.syncPollMs : this.headPollMs
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null
      this.pollDue = true
      this.kick()
    }, ms)
    this.pollTimer.unref()
  }

  private async step(): Promise<void> {
    if (this.resetDue) {
      this.resetDue = false
      await this.resetFromEl('the EL does not have our head')
    }
    if (this.pollDue) {
      this.pollDue = false
      await this.pollHead()
      this.schedulePoll()
    }
    if (this.followCandidate !== null) {
      const candidate = this.followCandidate
      this.followCandidate = null
      await this.applySafeFinalized(candidate)
    }
    await this.sendBlocks()
  }

  private async resetFromEl(reason: string): Promise<void> {
    const heads = await this.client.readHeads(this.callOpts())
    this.counters.resets++
    this.log.warn(
      { reason, latest: refLog(heads.latest), target: refLog(this.target) },
      'resuming from the EL heads',
    )
    this.applyElHeads(heads, true)
    this.dirty = true
  }

  /** Reads `latest`: notices a closed gap, an EL that went back (restart) or moved on. */
  private async pollHead(): Promise<void> {
    const latest = await this.client.getBlockByNumber('latest', this.callOpts())
    if (latest === null || this.confirmed === null || this.target === null) return
    if (latest.hash === this.confirmed.hash) {
      if (this.syncing !== null && this.now() - this.lastFcuMs >= this.fcuRefreshMs) {
        this.fcuDirty = true // keep the EL's sync target alive (engine-sync.md §4.3)
      }
      return
    }
    if (latest.number < this.confirmed.number) {
      await this.resetFromEl('the EL head went back (restart?)')
      return
    }
    if (latest.hash === this.target.hash) {
      this.markConfirmed(this.target, 'latest')
      return
    }
    if (latest.number >= this.target.number) {
      const atTarget = await this.client.getBlockByNumber(this.target.number, this.callOpts())
      if (atTarget?.hash === this.target.hash) {
        this.markConfirmed(latest, 'latest')
        return
      }
    }
    // The EL moved (it syncs, or someone else drives it): record what it has.
    this.confirmed = latest
    this.knownValid.add(latest.hash)
    this.markChainValid(latest.hash)
    if (this.syncing === null && latest.number >= this.target.number) {
      this.log.warn(
        { latest: refLog(latest), target: refLog(this.target) },
        'EL head moved to another block',
      )
      this.target = latest
    }
    if (this.syncing !== null && this.now() - this.lastFcuMs >= this.fcuRefreshMs)
      this.fcuDirty = true
    this.updateGauges()
  }

  /**
   * Sends what can usefully go to the EL, then FCU(target):
   * the newest block's buffered ancestry from the highest point whose parent the EL has, in
   * order; or just the newest block when nothing connects (the EL syncs to it).
   */
  private async sendBlocks(): Promise<void> {
    let newest = this.buffer.newest()
    if (newest !== undefined && this.target !== null && newest.ref.number <= this.target.number) {
      newest = this.buffer.get(this.target.hash) ?? newest
    }
    let advanced = false
    if (
      newest !== undefined &&
      (this.confirmed === null || newest.ref.number > this.confirmed.number)
    ) {
      const chain = this.buffer.chainTo(newest.ref.hash)
      let start = -1
      for (let i = chain.length - 1; i >= 0; i--) {
        if (this.knownValid.has(chain[i]!.ref.parentHash)) {
          start = i
          break
        }
      }
      const toSend = start >= 0 ? chain.slice(start) : [newest]
      for (const block of toSend) {
        const outcome = await this.sendPayload(block)
        if (outcome === 'invalid' || outcome === 'reset' || outcome === 'dropped') {
          this.dirty = true
          return
        }
        if (outcome === 'valid') advanced = true
      }
      if (this.target === null || newest.ref.number > this.target.number) {
        this.target = newest.ref
        advanced = true
      }
    }
    if (this.target === null || this.confirmed === null) return
    const inSync = this.target.hash === this.confirmed.hash
    if ((advanced && !inSync) || this.fcuDirty) await this.forkchoiceUpdate()
  }

  private async sendPayload(
    block: BufferedBlock,
  ): Promise<'valid' | 'pending' | 'skipped' | 'invalid' | 'reset' | 'dropped'> {
    if (block.sent === 'valid') return 'skipped'
    const parentKnown = this.knownValid.has(block.ref.parentHash)
    if (block.sent !== 'none' && (!parentKnown || block.sentWithParentKnown)) return 'skipped'
    this.counters.newPayloadCalls++
    let status: PayloadStatus
    try {
      status = await this.client.newPayload(block.envelope, this.callOpts())
    } catch (err) {
      if (
        err instanceof EngineError &&
        err.code === 'ENGINE_RPC_ERROR' &&
        isCallerBug(err.rpcCode)
      ) {
        // The EL says our request is malformed for this block: retrying cannot help.
        this.buffer.delete(block.ref.hash)
        this.counters.engineErrors++
        this.metrics?.engineErrorsTotal.inc({ code: err.code })
        this.log.error(
          { block: refLog(block.ref), err: err.message, rpcCode: err.rpcCode },
          'newPayload refused, block dropped',
        )
        if (this.target?.hash === block.ref.hash) this.target = this.confirmed
        return 'dropped'
      }
      throw err
    }
    this.metrics?.newPayloadTotal.inc({ status: status.status })
    block.sentWithParentKnown = parentKnown
    switch (status.status) {
      case 'VALID':
        block.sent = 'valid'
        this.knownValid.add(block.ref.hash)
        if (block.meta !== undefined) {
          this.metrics?.blockToElSeconds.observe((this.now() - block.meta.firstSeenMs) / 1000)
        }
        return 'valid'
      case 'SYNCING':
      case 'ACCEPTED':
        block.sent = status.status === 'SYNCING' ? 'syncing' : 'accepted'
        if (parentKnown && block.ref.parentHash === this.confirmed?.hash && this.syncing === null) {
          // We believed the EL had the parent as its head: it restarted or lost state. Check.
          const latest = await this.client.getBlockByNumber('latest', this.callOpts())
          if (latest !== null && latest.hash !== this.confirmed.hash) {
            this.resetDue = true
            return 'reset'
          }
        }
        return 'pending'
      case 'INVALID':
      case 'INVALID_BLOCK_HASH':
      case 'INVALID_TERMINAL_BLOCK':
        this.markInvalid(block, status)
        return 'invalid'
    }
  }

  private async forkchoiceUpdate(): Promise<void> {
    const target = this.target!
    this.fcuDirty = false
    this.counters.forkchoiceUpdatedCalls++
    const state = {
      headBlockHash: target.hash,
      safeBlockHash: this.safe?.hash ?? ZERO_HASH,
      finalizedBlockHash: this.finalized?.hash ?? ZERO_HASH,
    }
    let status: PayloadStatus
    try {
      status = (await this.client.forkchoiceUpdated(state, this.callOpts())).payloadStatus
    } catch (err) {
      if (isRpcError(err, RpcErrorCode.INVALID_FORKCHOICE_STATE)) {
        await this.onInvalidForkchoiceState(err as EngineError)
        return
      }
      this.fcuDirty = true // still owed once the EL answers again
      throw err
    }
    this.lastFcuMs = this.now()
    this.invalidForkchoiceStreak = 0
    this.metrics?.forkchoiceUpdatedTotal.inc({ status: status.status })
    switch (status.status) {
      case 'VALID':
        this.markConfirmed(target, 'forkchoice')
        return
      case 'SYNCING':
      case 'ACCEPTED':
        if (this.syncing === null) {
          const from = this.confirmed?.number ?? 0
          this.syncing = { sinceMs: this.now(), fromNumber: from }
          this.log.info(
            {
              target: refLog(target),
              confirmed: refLog(this.confirmed),
              gapBlocks: target.number - from,
            },
            'EL syncing towards the target',
          )
          this.schedulePoll()
        }
        this.updateGauges()
        return
      case 'INVALID':
      case 'INVALID_BLOCK_HASH':
      case 'INVALID_TERMINAL_BLOCK': {
        const entry = this.buffer.get(target.hash)
        if (entry !== undefined) this.markInvalid(entry, status)
        else this.log.error({ head: refLog(target), status }, 'EL answered INVALID for our head')
        this.target = this.confirmed
        this.dirty = true
        return
      }
    }
  }

  /** -38002: safe / finalized unknown to the EL or not on its chain. Re-read, don't retry blindly. */
  private async onInvalidForkchoiceState(err: EngineError): Promise<void> {
    this.invalidForkchoiceStreak++
    const heads = await this.client.readHeads(this.callOpts())
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
    if (this.invalidForkchoiceStreak >= 2) {
      this.safe = null
      this.finalized = null
    } else {
      this.safe = heads.safe
      this.finalized = heads.finalized
    }
    if (heads.latest.number > (this.confirmed?.number ?? -1)) this.confirmed = heads.latest
    if (this.invalidForkchoiceStreak <= 2) this.fcuDirty = true
    this.dirty = true
  }

  private markConfirmed(ref: BlockRef, via: 'forkchoice' | 'latest'): void {
    this.confirmed = ref
    this.knownValid.add(ref.hash)
    this.markChainValid(ref.hash)
    if (this.syncing !== null) {
      const tookMs = this.now() - this.syncing.sinceMs
      this.counters.gapsClosed++
      this.metrics?.gapCloseSeconds.observe(tookMs / 1000)
      this.log.info(
        { head: refLog(ref), gapBlocks: ref.number - this.syncing.fromNumber, tookMs, via },
        'EL caught up with the target',
      )
      this.syncing = null
      this.schedulePoll()
    }
    if (this.target === null || ref.number >= this.target.number) this.target = ref
    this.buffer.pruneAtOrBelow(ref.number - this.retainConfirmed)
    this.updateGauges()
  }

  /** The EL has `hash` canonical, so every buffered ancestor of it is known valid too. */
  private markChainValid(hash: Hex): void {
    for (const e of this.buffer.chainTo(hash)) {
      e.sent = 'valid'
      e.sentWithParentKnown = true
      this.knownValid.add(e.ref.hash)
    }
  }

  private markInvalid(block: BufferedBlock, status: PayloadStatus): void {
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
      'EL rejected a block as INVALID: the sequencer signed an invalid block',
    )
    if (this.target !== null && dropped.some((e) => e.ref.hash === this.target!.hash)) {
      this.target = this.confirmed
    }
    this.updateGauges()
  }

  private async applySafeFinalized(candidate: SafeFinalizedCandidate): Promise<void> {
    const head = this.confirmed
    if (head === null) return
    const verify = async (c: { hash: Hex; number: number } | null, current: BlockRef | null) => {
      if (c === null || c.hash === ZERO_HASH || c.number > head.number) return null
      if (current !== null && c.number <= current.number) return null // never backwards
      const onEl = await this.client.getBlockByNumber(c.number, this.callOpts())
      return onEl !== null && onEl.hash === c.hash ? onEl : null
    }
    const safe = await verify(candidate.safe, this.safe)
    const finalized = await verify(candidate.finalized, this.finalized)
    const newSafe = safe ?? this.safe
    if (safe !== null) this.safe = safe
    if (finalized !== null && (newSafe === null || finalized.number <= newSafe.number)) {
      this.finalized = finalized
    }
    if (safe !== null || finalized !== null) {
      this.log.debug(
        { safe: refLog(this.safe), finalized: refLog(this.finalized) },
        'safe/finalized from follow source',
      )
      this.fcuDirty = true
    }
  }

  private updateGauges(): void {
    const m = this.metrics
    if (m === null) return
    m.bufferedBlocks.set(this.buffer.size)
    m.bufferedBytes.set(this.buffer.bytes)
    if (this.target !== null) m.targetNumber.set(this.target.number)
    if (this.confirmed !== null) m.confirmedNumber.set(this.confirmed.number)
    m.syncing.set(this.syncing === null ? 0 : 1)
  }
}

/** JSON-RPC errors that mean "this request is wrong", not "try later" (engine-sync.md §2.5). */
function isCallerBug(rpcCode: number | undefined): boolean {
  return (
    rpcCode === RpcErrorCode.INVALID_PARAMS ||
    rpcCode === RpcErrorCode.UNSUPPORTED_FORK ||
    rpcCode === RpcErrorCode.METHOD_NOT_FOUND
  )
}

export function createSyncDriver(opts: SyncDriverOptions, modules: SyncDriverModules): SyncDriver {
  return new SyncDriver(opts, modules)
}
