/**
 * The chain model of el-sim, the execution-client test double: how op-geth answers newPayload /
 * forkchoiceUpdated (engine-sync.md §4.1) on top of a block store (elSimBlockStore.ts), with
 * announced headers, rejected blocks and EL sync (elSimSync.ts). No EVM: a block "executes"
 * when its hash recomputes, it links to its parent (number + 1, later timestamp) and no test
 * marked it invalid. Sync from an upstream replaces devp2p.
 */
import type { ChainConfig } from '../chains/types.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { computeBlockHash } from '../wire/blockHash.ts'
import type { ExecutionPayload } from '../wire/types.ts'
import {
  ElSimBlockStore,
  type ElSimGenesis,
  type ElSimPayload,
  type StoredBlock,
} from './elSimBlockStore.ts'
import {
  ELSIM_DEFAULT_SYNC_DELAY_MS,
  type ElSimBlockSource,
  ElSimSync,
  type SyncProgress,
} from './elSimSync.ts'
import { type BlockRef, type Hex, type PayloadStatus, toData, ZERO_HASH } from './schema.ts'

export {
  type ElSimGenesis,
  type ElSimPayload,
  ElSimRpcError,
  type StoredBlock,
} from './elSimBlockStore.ts'
export { ELSIM_MAX_SYNC_BLOCKS, type ElSimBlockSource, type SyncProgress } from './elSimSync.ts'

/** op-geth keeps at most 96 headers announced by newPayload with an unknown parent (queue.go). */
export const ELSIM_MAX_REMOTE_HEADERS = 96
/** Rejected block hashes remembered (op-geth keeps an in-memory cache of bad blocks). */
export const ELSIM_MAX_INVALID_BLOCKS = 512

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
  /** Where a sync fetches missing blocks. @default null (no peers: nothing is fetched) */
  upstream?: ElSimBlockSource | null
  /** Hashes whose execution fails (INVALID with a validationError) */
  invalidHashes?: Iterable<Hex>
  newPayloadHook?: NewPayloadHook
  log?: Logger
}

/** What a restart keeps (see ElSimChain.restart). */
export interface ElSimChainRestartOptions {
  keepChain?: boolean
  rewindToNumber?: number
  keepBlocksWithoutState?: boolean
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
  readonly invalidHashes: Set<Hex>
  newPayloadHook: NewPayloadHook | undefined

  private readonly log: Logger
  private readonly store: ElSimBlockStore
  private readonly syncer: ElSimSync
  /** Announced headers with unknown parents (newest last) */
  private remoteHeaders = new Map<Hex, BlockRef>()
  /** Rejected blocks: hash → latest valid ancestor */
  private rejected = new Map<Hex, { latestValidHash: Hex | null; error: string }>()

  constructor(opts: ElSimChainOptions) {
    this.chain = opts.chain
    this.invalidHashes = new Set(opts.invalidHashes ?? [])
    this.newPayloadHook = opts.newPayloadHook
    this.log = opts.log ?? silentLogger
    this.store = new ElSimBlockStore(opts.genesis)
    this.syncer = new ElSimSync(
      {
        upstream: opts.upstream ?? null,
        delayMs: opts.syncDelayMs ?? ELSIM_DEFAULT_SYNC_DELAY_MS,
      },
      { store: this.store, execute: (data) => this.newPayload(data), log: this.log },
    )
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  get genesis(): ElSimGenesis {
    return this.store.genesis
  }

  /** Where a sync fetches missing blocks; null: no peers */
  get upstream(): ElSimBlockSource | null {
    return this.syncer.upstream
  }

  set upstream(source: ElSimBlockSource | null) {
    this.syncer.upstream = source
  }

  get syncDelayMs(): number {
    return this.syncer.delayMs
  }

  set syncDelayMs(ms: number) {
    this.syncer.delayMs = ms
  }

  get head(): StoredBlock {
    return this.store.head
  }

  get safe(): StoredBlock | null {
    return this.store.safe
  }

  get finalized(): StoredBlock | null {
    return this.store.finalized
  }

  getBlock(hash: Hex): StoredBlock | undefined {
    return this.store.get(hash)
  }

  getCanonical(number: number): StoredBlock | undefined {
    return this.store.getCanonical(number)
  }

  isCanonical(hash: Hex): boolean {
    return this.store.isCanonical(hash)
  }

  get syncProgress(): SyncProgress | null {
    return this.syncer.progress
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
    return this.store.get(hash)?.data ?? null
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
    if (this.store.has(hash)) return status('VALID', hash) // known: no re-execution
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
    const parent = this.store.get(parentHash)
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
    this.store.add({ ...ref, data, hasState: true })
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
    const block = this.store.get(head)
    if (block === undefined || !block.hasState) {
      const announced = this.remoteHeaders.get(head) ?? (block === undefined ? undefined : block)
      if (announced === undefined) {
        this.log.debug({ head }, 'el-sim: forkchoice requested unknown head')
        return status('SYNCING', null)
      }
      this.syncer.start(announced, safe, finalized)
      return status('SYNCING', null)
    }
    this.store.setCanonicalHead(block)
    this.syncer.onHeadApplied()
    this.store.applySafeFinalized(safe, finalized)
    return status('VALID', head)
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
  restart(opts: ElSimChainRestartOptions = {}): void {
    this.syncer.stop()
    this.remoteHeaders.clear()
    this.rejected.clear()
    if (opts.keepChain === false) {
      this.store.reset()
      return
    }
    if (opts.rewindToNumber === undefined) return
    this.store.rewind(opts.rewindToNumber, opts.keepBlocksWithoutState === true)
  }

  /** Ends a running sync (the EL process stopped); the chain itself is kept. */
  halt(): void {
    this.syncer.stop()
  }

  /** Waits until no sync is running (tests). */
  async idle(): Promise<void> {
    await this.syncer.idle()
  }
}
