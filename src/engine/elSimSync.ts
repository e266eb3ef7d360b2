/**
 * el-sim's EL sync, its stand-in for devp2p: started by a forkchoiceUpdated to an announced
 * head it cannot execute yet, it waits a delay, walks back from the target by parent hash
 * (asking the upstream for each block it lacks), executes what it found in order and makes the
 * target the head. Without an upstream (an EL with no peers) nothing is ever fetched: only
 * blocks el-sim already holds, from newPayload or kept without state, can complete it.
 */
import { type Logger, silentLogger } from '../util/logger.ts'
import type { ElSimBlockStore, ElSimPayload } from './elSimBlockStore.ts'
import { delay } from './rpcClient.ts'
import { type BlockRef, type Hex, type PayloadStatus, toData } from './schema.ts'

/** Longest chain one sync fetches from the upstream before giving up. */
export const ELSIM_MAX_SYNC_BLOCKS = 100_000
/** Delay before a sync step runs (and between retries while blocks are missing). */
export const ELSIM_DEFAULT_SYNC_DELAY_MS = 200

/** Where a syncing el-sim gets blocks it lacks (its stand-in for devp2p peers). */
export interface ElSimBlockSource {
  getPayloadByHash(hash: Hex): Promise<ElSimPayload | null>
}

export interface SyncProgress {
  target: Hex
  startingBlock: number
  highestBlock: number
  startedMs: number
}

export interface ElSimSyncModules {
  store: ElSimBlockStore
  /** Executes one block as newPayload would (the chain's rules, not the store's) */
  execute: (data: ElSimPayload) => PayloadStatus
  log?: Logger
}

export class ElSimSync {
  /** null: no peers, nothing is fetched */
  upstream: ElSimBlockSource | null
  delayMs: number
  private readonly store: ElSimBlockStore
  private readonly execute: (data: ElSimPayload) => PayloadStatus
  private readonly log: Logger
  /** The running sync, with the labels of the forkchoiceUpdated that started it */
  private sync: (SyncProgress & { safe: Hex; finalized: Hex }) | null = null
  private run: Promise<void> | null = null
  /** Bumped when a sync is abandoned: its loop and late upstream answers then do nothing */
  private generation = 0

  constructor(
    opts: { upstream: ElSimBlockSource | null; delayMs: number },
    modules: ElSimSyncModules,
  ) {
    this.upstream = opts.upstream
    this.delayMs = opts.delayMs
    this.store = modules.store
    this.execute = modules.execute
    this.log = modules.log ?? silentLogger
  }

  get progress(): SyncProgress | null {
    return this.sync === null ? null : { ...this.sync }
  }

  /** Starts a sync towards `target`, or retargets the running one. */
  start(target: BlockRef, safe: Hex, finalized: Hex): void {
    if (this.sync !== null) {
      if (this.sync.target !== target.hash) {
        this.log.info({ target: target.hash, number: target.number }, 'el-sim: sync retargeted')
      }
      Object.assign(this.sync, {
        target: target.hash,
        highestBlock: target.number,
        safe,
        finalized,
      })
      return
    }
    this.sync = {
      target: target.hash,
      startingBlock: this.store.head.number,
      highestBlock: target.number,
      startedMs: Date.now(),
      safe,
      finalized,
    }
    this.log.info(
      { target: target.hash, number: target.number },
      'el-sim: forkchoice requested sync to new head',
    )
    const generation = this.generation
    this.run = this.loop(generation).finally(() => {
      if (generation === this.generation) this.run = null
    })
  }

  /**
   * A forkchoiceUpdated applied a head: when the sync's target is now canonical, there is
   * nothing left to sync (and completing later would move the head back to the old target).
   */
  onHeadApplied(): void {
    if (this.sync !== null && this.store.isCanonical(this.sync.target)) this.stop()
  }

  /** Abandons a running sync (a restart, a stopped EL). */
  stop(): void {
    this.generation++
    this.sync = null
    this.run = null
  }

  /** Waits until no sync is running (tests). */
  async idle(): Promise<void> {
    while (this.run !== null) await this.run
  }

  private async loop(generation: number): Promise<void> {
    while (this.sync !== null && generation === this.generation) {
      await delay(this.delayMs)
      if (this.sync === null || generation !== this.generation) return
      const target = this.sync.target
      const done = await this.trySyncTo(target, generation)
      if (generation !== this.generation) return
      if (done && this.sync?.target === target) {
        this.sync = null
        return
      }
    }
  }

  /** Fetches what is missing below `target`, executes it in order, makes `target` the head. */
  private async trySyncTo(target: Hex, generation: number): Promise<boolean> {
    const missing: ElSimPayload[] = []
    let cur = target
    for (;;) {
      const have = this.store.get(cur)
      if (have?.hasState === true) break
      if (missing.length >= ELSIM_MAX_SYNC_BLOCKS) {
        this.log.warn({ target }, 'el-sim: sync target too far away, giving up')
        return true
      }
      let data = have?.data ?? null
      if (data === null && this.upstream !== null) {
        try {
          data = await this.upstream.getPayloadByHash(cur)
        } catch (err) {
          this.log.debug({ err: (err as Error).message }, 'el-sim: upstream read failed')
          return false
        }
        if (generation !== this.generation) return false
      }
      if (data === null) return false // no peer has it (yet): try again later
      missing.push(data)
      cur = toData(data.payload.parentHash) as Hex
    }
    for (const data of missing.reverse()) {
      const hash = toData(data.payload.blockHash) as Hex
      const existing = this.store.get(hash)
      if (existing !== undefined && !existing.hasState) {
        const parent = this.store.get(existing.parentHash)
        if (parent?.hasState === true) {
          existing.hasState = true
          continue
        }
      }
      const res = this.execute(data)
      if (res.status !== 'VALID') {
        this.log.warn(
          { hash, status: res.status },
          'el-sim: sync stopped at a block that did not execute',
        )
        return true
      }
    }
    const head = this.store.get(target)
    if (head?.hasState === true) {
      this.store.setCanonicalHead(head)
      const s = this.sync
      if (s !== null) {
        try {
          this.store.applySafeFinalized(s.safe, s.finalized)
        } catch {
          // an FCU that started the sync with bad labels: geth would just not apply them
        }
      }
      this.log.info({ head: target, number: head.number }, 'el-sim: sync complete')
    }
    return true
  }
}
