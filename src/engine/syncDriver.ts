/**
 * The sync driver: hands validated gossip blocks to the EL (engine-sync.md §3.5) and lets the
 * EL's own sync close gaps (no req-resp). Three parts:
 *
 * - forkChoiceState.ts: target / confirmed / safe / finalized and the buffer, and what each EL
 *   answer does to them (pure: no timers, no I/O);
 * - elConnection.ts: connecting, the calls, reconnecting with backoff;
 * - this loop: runs the Engine API calls one at a time, feeding each answer to the state.
 *
 * Every block goes out at once, adjacent or not; a non-adjacent one makes the EL sync to it.
 * Blocks that arrive out of order wait in a bounded buffer and are sent in order once their
 * parent is known to the EL, then the target is re-confirmed.
 */
import type { ChainConfig } from '../chains/types.ts'
import type { Startable } from '../util/lifecycle.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import type { BlockMeta, BufferedBlock } from './blockBuffer.ts'
import { type ConnectionState, ElConnection, type ForkchoiceAnswer } from './elConnection.ts'
import type { ElHeads, EngineClient } from './engineClient.ts'
import { EngineError } from './errors.ts'
import { ForkChoiceState } from './forkChoiceState.ts'
import { fetchedEnvelope } from './gapFill/fetchedEnvelope.ts'
import type { EngineMetrics } from './metrics.ts'
import type { RpcBlockPayload } from './rpcBlock.ts'
import type { BlockRef, Hex } from './schema.ts'
import type { SafeFinalizedCandidate, SyncDriverCounters } from './syncCounters.ts'
import type { ForkchoiceRequest, NewPayloadNext, SyncPhaseName } from './syncPhase.ts'

export {
  DRIVER_RECONNECT_BASE_DELAY_MS,
  DRIVER_RECONNECT_MAX_DELAY_MS,
} from './elConnection.ts'
export {
  DRIVER_MAX_KNOWN_VALID_HASHES,
  DRIVER_MAX_REMEMBERED_INVALID_BLOCKS,
} from './pendingBlocks.ts'
export type { SafeFinalizedCandidate, SyncDriverCounters } from './syncCounters.ts'
export type { SyncPhaseName } from './syncPhase.ts'

/** Blocks the buffer holds at most (out-of-order arrivals, unconfirmed blocks, replay tail). */
export const DRIVER_MAX_BUFFERED_BLOCKS = 256
/** Bytes (signed SSZ) the buffer holds at most; at least one 10 MiB gossip message fits. */
export const DRIVER_MAX_BUFFERED_BYTES = 128 * 2 ** 20
/** Confirmed blocks kept below the EL head, to replay after an EL restart that lost them. */
export const DRIVER_RETAIN_CONFIRMED_BLOCKS = 64
/** While the EL syncs: how often its `latest` is read. */
export const DRIVER_SYNC_POLL_INTERVAL_MS = 1_000
/** While in sync: how often `latest` is read to notice an EL restart. */
export const DRIVER_HEAD_POLL_INTERVAL_MS = 4_000
/** While the EL syncs, FCU(target) is re-sent every this many block times. */
export const DRIVER_FCU_REFRESH_BLOCK_TIMES = 2

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

/** The EL connection's state: stopped → connecting → ready ⇄ el-down. */
export type SyncDriverState = ConnectionState

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

/** A gap the EL cannot close by itself, as the gap filler sees it. */
export interface GapToFill {
  /** The EL's head: the first block to fill is its child */
  confirmed: BlockRef
  /** The block that closes the gap (the lowest held block's parent, or the target) */
  end: { number: number; hash: Hex }
}

export class SyncDriver implements Startable {
  private readonly fc: ForkChoiceState
  private readonly el: ElConnection
  private readonly metrics: EngineMetrics | null
  private readonly now: () => number

  private pollTimer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  /** Work arrived for the loop (a block, a poll, an answer that needs another pass) */
  private workPending = false
  /** The follow source's latest offer, checked on the EL at the next step */
  private followCandidate: SafeFinalizedCandidate | null = null

  constructor(opts: SyncDriverOptions, modules: SyncDriverModules) {
    const log = modules.log ?? silentLogger
    this.metrics = modules.metrics ?? null
    this.now = modules.now ?? Date.now
    this.fc = new ForkChoiceState(
      {
        chain: opts.chain,
        maxBufferedBlocks: opts.maxBufferedBlocks ?? DRIVER_MAX_BUFFERED_BLOCKS,
        maxBufferedBytes: opts.maxBufferedBytes ?? DRIVER_MAX_BUFFERED_BYTES,
        retainConfirmedBlocks: opts.retainConfirmedBlocks ?? DRIVER_RETAIN_CONFIRMED_BLOCKS,
        syncPollIntervalMs: opts.syncPollIntervalMs ?? DRIVER_SYNC_POLL_INTERVAL_MS,
        fcuRefreshIntervalMs:
          opts.fcuRefreshIntervalMs ??
          Math.max(1, opts.chain.blockTime) * DRIVER_FCU_REFRESH_BLOCK_TIMES * 1_000,
        headPollIntervalMs: opts.headPollIntervalMs ?? DRIVER_HEAD_POLL_INTERVAL_MS,
      },
      { log, metrics: this.metrics },
    )
    this.el = new ElConnection(
      {
        chainId: opts.chain.chainId,
        ...(opts.reconnectBaseDelayMs === undefined
          ? {}
          : { reconnectBaseDelayMs: opts.reconnectBaseDelayMs }),
        ...(opts.reconnectMaxDelayMs === undefined
          ? {}
          : { reconnectMaxDelayMs: opts.reconnectMaxDelayMs }),
      },
      {
        client: modules.client,
        log,
        onConnected: (heads, again) => this.onConnected(heads, again),
      },
    )
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /** Connects (see ElConnection.start): rejects on a wrong JWT secret or chain id only. */
  start(): Promise<void> {
    return this.el.start()
  }

  async stop(): Promise<void> {
    if (this.el.state === 'stopped') return
    const connectionStopped = this.el.stop() // aborts calls in flight at once
    this.clearPollTimer()
    await this.running
    await connectionStopped
  }

  // -------------------------------------------------------------------------------------------
  // Input

  /** A block that passed gossip validation. Never throws; never blocks on the EL. */
  onBlock(envelope: SignedEnvelope, meta?: BlockMeta): void {
    if (this.fc.addBlock(envelope, meta)) this.wake()
  }

  /** Safe / finalized heads from a trusted source; applied once the EL has them canonical. */
  offerSafeFinalized(candidate: SafeFinalizedCandidate): void {
    this.followCandidate = candidate
    this.wake()
  }

  /**
   * A block fetched from the backup RPC (already hash- and link-checked by the gap filler): it
   * goes to the EL in order from the EL head, interleaved with gossip blocks.
   */
  offerFetchedBlock(block: RpcBlockPayload): void {
    const { envelope, sizeBytes } = fetchedEnvelope(block)
    if (this.fc.addFetchedBlock(envelope, sizeBytes)) this.wake()
  }

  /** The gap while the EL syncs towards the target (null otherwise, or while it is away). */
  gapToFill(): GapToFill | null {
    const { target, confirmed } = this.fc
    if (this.el.state !== 'ready' || this.fc.phase.name !== 'el-syncing') return null
    if (target === null || confirmed === null || target.number <= confirmed.number) return null
    const lowest = this.fc.blocks.buffer.chainTo(target.hash)[0]
    const end =
      lowest === undefined
        ? { number: target.number, hash: target.hash }
        : { number: lowest.ref.number - 1, hash: lowest.ref.parentHash }
    return end.number > confirmed.number ? { confirmed, end } : null
  }

  /** The EL's head as the driver knows it (null before the first read). */
  confirmedHead(): BlockRef | null {
    return this.el.state === 'ready' ? this.fc.confirmed : null
  }

  /** Whether the EL rejected this block (or one it builds on) as INVALID. */
  isKnownInvalid(hash: Hex): boolean {
    return this.fc.blocks.isKnownInvalid(hash)
  }

  status(): SyncDriverStatus {
    const fc = this.fc
    const phase = fc.phase
    return {
      state: this.el.state,
      target: fc.target,
      confirmed: fc.confirmed,
      safe: fc.safe,
      finalized: fc.finalized,
      syncing: phase.name === 'el-syncing',
      gapBlocks: fc.gapBlocks(),
      syncingSinceMs: phase.name === 'el-syncing' ? phase.sinceMs : null,
      buffer: { blocks: fc.blocks.buffer.size, bytes: fc.blocks.buffer.bytes },
      counters: { ...fc.counters },
      lastError: this.el.lastError,
    }
  }

  /** Where the EL stands relative to the target (the states of docs/architecture.md). */
  phase(): SyncPhaseName {
    return this.fc.phaseName()
  }

  // -------------------------------------------------------------------------------------------
  // The loop: one Engine API call at a time

  private onConnected(heads: ElHeads, reconnected: boolean): void {
    this.fc.onConnected(heads, this.now())
    if (reconnected) this.fc.counters.resets++
    this.armPollTimer()
    this.wake()
  }

  private wake(): void {
    this.workPending = true
    if (this.running !== null || this.el.state !== 'ready') return
    this.running = this.run().finally(() => {
      this.running = null
      this.armPollTimer()
      if (this.workPending && this.el.state === 'ready') this.wake()
    })
  }

  private async run(): Promise<void> {
    while (this.workPending && this.el.state === 'ready') {
      this.workPending = false
      try {
        await this.step()
        this.el.succeeded()
      } catch (err) {
        if (this.el.isStopped()) return
        this.fc.counters.engineErrors++
        if (err instanceof EngineError) this.metrics?.engineErrorsTotal.inc({ code: err.code })
        const retryInMs = this.el.failed(err)
        if (retryInMs === null) return // the EL went down: the reconnect wakes the loop
        await this.el.pause(retryInMs)
        this.workPending = true
      }
    }
  }

  /** Wakes the loop when `latest` is next due (only while the EL is connected). */
  private armPollTimer(): void {
    this.clearPollTimer()
    const at = this.fc.pollAtMs
    if (at === null || this.el.state !== 'ready') return
    this.pollTimer = setTimeout(
      () => {
        this.pollTimer = null
        this.wake()
      },
      Math.max(0, at - this.now()),
    )
    this.pollTimer.unref()
  }

  private clearPollTimer(): void {
    if (this.pollTimer !== null) clearTimeout(this.pollTimer)
    this.pollTimer = null
  }

  /** Heads re-read first when the EL lost ours; then `latest` if due; follow heads; a pass. */
  private async step(): Promise<void> {
    if (this.fc.phase.name === 'head-lost') await this.resetFromEl()
    if (this.fc.pollDue(this.now())) {
      await this.pollLatest()
      this.fc.pollDone(this.now())
    }
    const candidate = this.followCandidate
    this.followCandidate = null
    if (candidate !== null) await this.checkSafeFinalized(candidate)
    await this.sendPass()
  }

  private async resetFromEl(): Promise<void> {
    this.fc.onResetHeads(await this.el.readHeads())
    this.workPending = true
  }

  private async pollLatest(): Promise<void> {
    const latest = await this.el.latest()
    const poll = this.fc.onLatest(latest, this.now())
    if (poll.next === 'reset') await this.resetFromEl()
    if (poll.next === 'check-target') {
      const atTarget = await this.el.blockAt(poll.number)
      this.fc.onTargetHeightRead(poll.latest, atTarget, this.now())
    }
  }

  private async checkSafeFinalized(candidate: SafeFinalizedCandidate): Promise<void> {
    const checks = this.fc.followChecks(candidate)
    if (checks === null) return
    const safe = checks.safe === null ? null : await this.el.blockAt(checks.safe.number)
    const finalized =
      checks.finalized === null ? null : await this.el.blockAt(checks.finalized.number)
    this.fc.applySafeFinalized(checks, { safe, finalized })
  }

  /** The pass the state plans, in order, then FCU(target) when due. */
  private async sendPass(): Promise<void> {
    const pass = this.fc.planPass()
    let advanced = false
    for (const block of pass?.blocks ?? []) {
      if (!this.fc.blocks.shouldSend(block)) continue
      const next = await this.sendPayload(block)
      if (next === 'stop') {
        this.workPending = true
        return
      }
      if (next === 'valid') advanced = true
    }
    const request = this.fc.endPass(pass, advanced)
    if (request !== null) await this.forkchoiceUpdate(request)
  }

  private async sendPayload(block: BufferedBlock): Promise<NewPayloadNext> {
    this.fc.counters.newPayloadCalls++
    const answer = await this.el.newPayload(block.envelope)
    if (answer.kind === 'refused') {
      this.fc.onNewPayloadRefused(block, answer.error)
      return 'stop'
    }
    const next = this.fc.onNewPayloadStatus(block, answer.status, this.now())
    return next === 'check-head' ? this.fc.onHeadCheck(await this.el.latest()) : next
  }

  private async forkchoiceUpdate(request: ForkchoiceRequest): Promise<void> {
    this.fc.counters.forkchoiceUpdatedCalls++
    let answer: ForkchoiceAnswer
    try {
      answer = await this.el.forkchoiceUpdated(request.state)
    } catch (err) {
      this.fc.onForkchoiceFailed()
      throw err
    }
    if (answer.kind === 'invalid-forkchoice-state') {
      this.fc.onInvalidForkchoiceState(answer.heads, answer.error)
      this.workPending = true
      return
    }
    if (this.fc.onForkchoiceStatus(request.head, answer.status, this.now()) === 'stop') {
      this.workPending = true
    }
  }
}

export function createSyncDriver(opts: SyncDriverOptions, modules: SyncDriverModules): SyncDriver {
  return new SyncDriver(opts, modules)
}
