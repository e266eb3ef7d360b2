/**
 * The chain model of el-sim, the execution-client test double: blocks, canonical chain, heads,
 * and how op-geth answers newPayload / forkchoiceUpdated (engine-sync.md §4.1). No EVM: a block
 * "executes" when its hash recomputes, it links to its parent (number + 1, later timestamp) and
 * no test marked it invalid. Sync from an upstream replaces devp2p.
 */
import type { ChainConfig } from '../chains/types.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { computeBlockHash } from '../wire/blockHash.ts'
import type { BlockVersion, ExecutionPayload } from '../wire/types.ts'
import { delay } from './rpcClient.ts'
import { type BlockRef, type Hex, type PayloadStatus, toData, ZERO_HASH } from './schema.ts'

/** op-geth keeps at most 96 headers announced by newPayload with an unknown parent (queue.go). */
export const ELSIM_MAX_REMOTE_HEADERS = 96
/** Rejected block hashes remembered (op-geth keeps an in-memory cache of bad blocks). */
export const ELSIM_MAX_INVALID_BLOCKS = 512
/** Longest chain one sync fetches from the upstream before giving up. */
export const ELSIM_MAX_SYNC_BLOCKS = 100_000

export interface ElSimPayload {
  payload: ExecutionPayload
  version: BlockVersion
  parentBeaconBlockRoot?: Uint8Array
}

/** Where a syncing el-sim gets blocks it lacks (its stand-in for devp2p peers). */
export interface ElSimBlockSource {
  getPayloadByHash(hash: Hex): Promise<ElSimPayload | null>
}

export interface StoredBlock extends BlockRef {
  /** null for the genesis block, which el-sim knows only by its header fields */
  data: ElSimPayload | null
  /** False once a restart lost the state of this block (geth: ACCEPTED for its children) */
  hasState: boolean
}

export interface ElSimGenesis {
  hash: Hex
  number: number
  /** Unix seconds */
  timestamp: number
}

/** Decides a block's fate before execution (tests): return a status to force it. */
export type NewPayloadHook = (block: {
  hash: Hex
  number: number
  payload: ExecutionPayload
}) =>
  | { status: 'INVALID'; validationError?: string }
  | { status: 'SYNCING' | 'ACCEPTED' }
  | undefined

export interface ElSimChainOptions {
  chain: ChainConfig
  genesis: ElSimGenesis
  /** Delay before a sync (FCU to an announced unknown head) completes. @default 200 (ms) */
  syncDelayMs?: number
  upstream?: ElSimBlockSource | null
  /** Hashes whose execution fails (INVALID with a validationError) */
  invalidHashes?: Iterable<Hex>
  newPayloadHook?: NewPayloadHook
  log?: Logger
}

/** Thrown for answers that are JSON-RPC errors (e.g. -38002); the server keeps the code. */
export class ElSimRpcError extends Error {
  override readonly name = 'ElSimRpcError'
  readonly rpcCode: number
  constructor(rpcCode: number, message: string) {
    super(message)
    this.rpcCode = rpcCode
  }
}

export interface SyncProgress {
  target: Hex
  startingBlock: number
  highestBlock: number
  startedMs: number
}

function status(
  s: PayloadStatus['status'],
  latestValidHash: Hex | null,
  validationError: string | null = null,
): PayloadStatus {
  return { status: s, latestValidHash, validationError }
}

export class ElSimChain {
  readonly chain: ChainConfig
  readonly genesis: ElSimGenesis
  readonly invalidHashes: Set<Hex>
  newPayloadHook: NewPayloadHook | undefined
  upstream: ElSimBlockSource | null
  syncDelayMs: number

  private readonly log: Logger
  private blocks = new Map<Hex, StoredBlock>()
  private canonical = new Map<number, Hex>()
  private headHash: Hex
  private safeHash: Hex | null = null
  private finalizedHash: Hex | null = null
  /** Announced headers with unknown parents (newest last) */
  private remoteHeaders = new Map<Hex, BlockRef>()
  /** Rejected blocks: hash → latest valid ancestor */
  private rejected = new Map<Hex, { latestValidHash: Hex | null; error: string }>()
  private sync: (SyncProgress & { safe: Hex; finalized: Hex }) | null = null
  private syncRun: Promise<void> | null = null
  private generation = 0

  constructor(opts: ElSimChainOptions) {
    this.chain = opts.chain
    this.genesis = opts.genesis
    this.syncDelayMs = opts.syncDelayMs ?? 200
    this.upstream = opts.upstream ?? null
    this.invalidHashes = new Set(opts.invalidHashes ?? [])
    this.newPayloadHook = opts.newPayloadHook
    this.log = opts.log ?? silentLogger
    this.headHash = this.resetToGenesis()
  }

  private resetToGenesis(): Hex {
    const g = this.genesis
    this.blocks = new Map([
      [
        g.hash,
        {
          hash: g.hash,
          number: g.number,
          parentHash: ZERO_HASH,
          timestamp: g.timestamp,
          data: null,
          hasState: true,
        },
      ],
    ])
    this.canonical = new Map([[g.number, g.hash]])
    this.headHash = g.hash
    this.safeHash = null
    this.finalizedHash = null
    return g.hash
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  get head(): StoredBlock {
    return this.blocks.get(this.headHash)!
  }

  get safe(): StoredBlock | null {
    return this.safeHash === null ? null : (this.blocks.get(this.safeHash) ?? null)
  }

  get finalized(): StoredBlock | null {
    return this.finalizedHash === null ? null : (this.blocks.get(this.finalizedHash) ?? null)
  }

  getBlock(hash: Hex): StoredBlock | undefined {
    return this.blocks.get(hash)
  }

  getCanonical(number: number): StoredBlock | undefined {
    const hash = this.canonical.get(number)
    return hash === undefined ? undefined : this.blocks.get(hash)
  }

  isCanonical(hash: Hex): boolean {
    const b = this.blocks.get(hash)
    return b !== undefined && this.canonical.get(b.number) === hash
  }

  get syncProgress(): SyncProgress | null {
    return this.sync === null ? null : { ...this.sync }
  }

  get remoteHeaderCount(): number {
    return this.remoteHeaders.size
  }

  hasRemoteHeader(hash: Hex): boolean {
    return this.remoteHeaders.has(hash)
  }

  isRejected(hash: Hex): boolean {
    return this.rejected.has(hash)
  }

  /** Every stored payload (what an upstream serves). */
  payloadByHash(hash: Hex): ElSimPayload | null {
    return this.blocks.get(hash)?.data ?? null
  }

  // -------------------------------------------------------------------------------------------
  // newPayload (engine-sync.md §4.1 "newPayload")

  /** Assumes the caller checked the method version and param shapes (the server does). */
  newPayload(data: ElSimPayload): PayloadStatus {
    const { payload, version, parentBeaconBlockRoot } = data
    const hash = toData(payload.blockHash) as Hex
    const computed = toData(computeBlockHash(payload, version, parentBeaconBlockRoot)) as Hex
    if (computed !== hash) {
      return status('INVALID', null, `blockhash mismatch, want ${computed}, got ${hash}`)
    }
    if (this.blocks.has(hash)) return status('VALID', hash) // known: no re-execution
    const bad = this.rejected.get(hash)
    if (bad !== undefined) return status('INVALID', bad.latestValidHash, bad.error)
    const parentHash = toData(payload.parentHash) as Hex
    const badParent = this.rejected.get(parentHash)
    if (badParent !== undefined) {
      return this.reject(hash, badParent.latestValidHash, 'links to previously rejected block')
    }
    const ref: BlockRef = {
      hash,
      number: Number(payload.blockNumber),
      parentHash,
      timestamp: Number(payload.timestamp),
    }
    const forced = this.newPayloadHook?.({ hash, number: ref.number, payload })
    if (forced !== undefined && forced.status !== 'INVALID') {
      this.rememberHeader(ref)
      return status(forced.status, null)
    }
    const parent = this.blocks.get(parentHash)
    if (parent === undefined) {
      // geth never syncs from newPayload; it stashes the header for a later FCU and says SYNCING.
      this.rememberHeader(ref)
      return status('SYNCING', null)
    }
    if (!parent.hasState) {
      this.rememberHeader(ref)
      return status('ACCEPTED', null)
    }
    if (forced?.status === 'INVALID') {
      return this.reject(hash, parent.hash, forced.validationError ?? 'rejected by test hook')
    }
    const failure = this.executionFailure(ref, parent)
    if (failure !== null) return this.reject(hash, parent.hash, failure)
    this.blocks.set(hash, { ...ref, data, hasState: true })
    this.remoteHeaders.delete(hash)
    return status('VALID', hash)
  }

  /** Why executing `ref` on top of `parent` fails, or null. */
  private executionFailure(ref: BlockRef, parent: StoredBlock): string | null {
    if (this.invalidHashes.has(ref.hash)) return 'el-sim: block configured as invalid'
    if (ref.number !== parent.number + 1) {
      return `invalid number: parent is ${parent.number}, block is ${ref.number}`
    }
    if (ref.timestamp <= parent.timestamp) {
      return `invalid timestamp: parent ${parent.timestamp}, block ${ref.timestamp}`
    }
    return null
  }

  private reject(hash: Hex, latestValidHash: Hex | null, error: string): PayloadStatus {
    this.rejected.set(hash, { latestValidHash, error })
    if (this.rejected.size > ELSIM_MAX_INVALID_BLOCKS) {
      const first = this.rejected.keys().next()
      if (first.done !== true) this.rejected.delete(first.value)
    }
    this.log.warn({ hash, error }, 'el-sim: block INVALID')
    return status('INVALID', latestValidHash, error)
  }

  private rememberHeader(ref: BlockRef): void {
    this.remoteHeaders.delete(ref.hash)
    this.remoteHeaders.set(ref.hash, ref)
    while (this.remoteHeaders.size > ELSIM_MAX_REMOTE_HEADERS) {
      const first = this.remoteHeaders.keys().next()
      if (first.done === true) break
      this.remoteHeaders.delete(first.value)
    }
  }

  // -------------------------------------------------------------------------------------------
  // forkchoiceUpdated (engine-sync.md §4.1 "forkchoiceUpdated")

  /** Throws ElSimRpcError(-38002) for a bad safe / finalized once the head is applied. */
  forkchoiceUpdated(state: {
    headBlockHash: Hex
    safeBlockHash: Hex
    finalizedBlockHash: Hex
  }): PayloadStatus {
    const { headBlockHash: head, safeBlockHash: safe, finalizedBlockHash: finalized } = state
    if (head === ZERO_HASH) return status('INVALID', null, 'forkchoice head is the zero hash')
    const bad = this.rejected.get(head)
    if (bad !== undefined) return status('INVALID', bad.latestValidHash, bad.error)
    const block = this.blocks.get(head)
    if (block === undefined || !block.hasState) {
      const announced = this.remoteHeaders.get(head) ?? (block === undefined ? undefined : block)
      if (announced === undefined) {
        this.log.debug({ head }, 'el-sim: forkchoice requested unknown head')
        return status('SYNCING', null)
      }
      this.startSync(announced, safe, finalized)
      return status('SYNCING', null)
    }
    this.setCanonicalHead(block)
    this.applySafeFinalized(safe, finalized)
    return status('VALID', head)
  }

  private applySafeFinalized(safe: Hex, finalized: Hex): void {
    if (finalized !== ZERO_HASH) {
      if (!this.isCanonical(finalized)) {
        throw new ElSimRpcError(
          -38002,
          'Invalid forkchoice state: final block not available in database or not canonical',
        )
      }
      this.finalizedHash = finalized
    }
    if (safe !== ZERO_HASH) {
      if (!this.isCanonical(safe)) {
        throw new ElSimRpcError(
          -38002,
          'Invalid forkchoice state: safe block not available in database or not canonical',
        )
      }
      this.safeHash = safe
    }
  }

  /** Reorgs / rewinds the canonical chain to `block` (OP geth also rewinds to an older block). */
  private setCanonicalHead(block: StoredBlock): void {
    const old = this.head
    for (let n = block.number + 1; n <= old.number; n++) this.canonical.delete(n)
    let cur: StoredBlock | undefined = block
    while (cur !== undefined && this.canonical.get(cur.number) !== cur.hash) {
      this.canonical.set(cur.number, cur.hash)
      cur = this.blocks.get(cur.parentHash)
    }
    this.headHash = block.hash
    for (const label of ['safeHash', 'finalizedHash'] as const) {
      const h = this[label]
      if (h !== null && !this.isCanonical(h)) this[label] = null
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sync (the devp2p stand-in)

  private startSync(target: BlockRef, safe: Hex, finalized: Hex): void {
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
      startingBlock: this.head.number,
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
    this.syncRun = this.runSync(generation).finally(() => {
      if (generation === this.generation) this.syncRun = null
    })
  }

  private async runSync(generation: number): Promise<void> {
    while (this.sync !== null && generation === this.generation) {
      await delay(this.syncDelayMs)
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
      const have = this.blocks.get(cur)
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
      const existing = this.blocks.get(hash)
      if (existing !== undefined && !existing.hasState) {
        const parent = this.blocks.get(existing.parentHash)
        if (parent?.hasState === true) {
          existing.hasState = true
          continue
        }
      }
      const res = this.newPayload(data)
      if (res.status !== 'VALID') {
        this.log.warn(
          { hash, status: res.status },
          'el-sim: sync stopped at a block that did not execute',
        )
        return true
      }
    }
    const head = this.blocks.get(target)
    if (head?.hasState === true) {
      this.setCanonicalHead(head)
      const s = this.sync
      if (s !== null) {
        try {
          this.applySafeFinalized(s.safe, s.finalized)
        } catch {
          // an FCU that started the sync with bad labels: geth would just not apply them
        }
      }
      this.log.info({ head: target, number: head.number }, 'el-sim: sync complete')
    }
    return true
  }

  // -------------------------------------------------------------------------------------------
  // Test and devnet controls

  /** Inserts a block as if newPayload + FCU(head = it) were called (seeding an upstream). */
  insertCanonical(data: ElSimPayload): PayloadStatus {
    const res = this.newPayload(data)
    if (res.status !== 'VALID') return res
    return this.forkchoiceUpdated({
      headBlockHash: toData(data.payload.blockHash) as Hex,
      safeBlockHash: ZERO_HASH,
      finalizedBlockHash: ZERO_HASH,
    })
  }

  /**
   * What a restart keeps. `keepChain: false` goes back to genesis. `rewindToNumber` drops the
   * canonical head to that height (the state above it was in memory); the blocks above are
   * deleted, or kept without state with `keepBlocksWithoutState`. In-memory caches (announced
   * headers, rejected blocks, a running sync) are always lost.
   */
  restart(
    opts: { keepChain?: boolean; rewindToNumber?: number; keepBlocksWithoutState?: boolean } = {},
  ): void {
    this.generation++
    this.sync = null
    this.syncRun = null
    this.remoteHeaders.clear()
    this.rejected.clear()
    if (opts.keepChain === false) {
      this.resetToGenesis()
      return
    }
    const rewind = opts.rewindToNumber
    if (rewind === undefined || rewind >= this.head.number) return
    const newHead = this.getCanonical(Math.max(rewind, this.genesis.number))!
    this.setCanonicalHead(newHead)
    for (const b of [...this.blocks.values()]) {
      if (b.number <= newHead.number) continue
      if (opts.keepBlocksWithoutState === true) b.hasState = false
      else this.blocks.delete(b.hash)
    }
  }

  /** Ends a running sync (the EL process stopped); the chain itself is kept. */
  halt(): void {
    this.generation++
    this.sync = null
    this.syncRun = null
  }

  /** Waits until no sync is running (tests). */
  async idle(): Promise<void> {
    while (this.syncRun !== null) await this.syncRun
  }
}
