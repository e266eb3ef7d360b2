/**
 * The block store of el-sim, the execution-client test double: every block it holds, the
 * canonical chain, and the head / safe / finalized labels. It knows nothing of the Engine API
 * rules (elSimChain.ts) or of syncing (elSimSync.ts); it only keeps them consistent: a reorg or
 * rewind drops labels that left the canonical chain.
 */
import type { BlockVersion, ExecutionPayload } from '../wire/types.ts'
import { RpcErrorCode } from './errors.ts'
import { type BlockRef, type Hex, ZERO_HASH } from './schema.ts'

export interface ElSimPayload {
  payload: ExecutionPayload
  version: BlockVersion
  parentBeaconBlockRoot?: Uint8Array
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

/** Thrown for answers that are JSON-RPC errors (e.g. -38002); the server keeps the code. */
export class ElSimRpcError extends Error {
  override readonly name = 'ElSimRpcError'
  readonly rpcCode: number
  constructor(rpcCode: number, message: string) {
    super(message)
    this.rpcCode = rpcCode
  }
}

export class ElSimBlockStore {
  readonly genesis: ElSimGenesis
  private blocks = new Map<Hex, StoredBlock>()
  private canonical = new Map<number, Hex>()
  private headHash: Hex
  private safeHash: Hex | null = null
  private finalizedHash: Hex | null = null

  constructor(genesis: ElSimGenesis) {
    this.genesis = genesis
    this.headHash = genesis.hash
    this.reset()
  }

  /** Back to the genesis block alone (a restart that lost the chain). */
  reset(): void {
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

  get(hash: Hex): StoredBlock | undefined {
    return this.blocks.get(hash)
  }

  has(hash: Hex): boolean {
    return this.blocks.has(hash)
  }

  getCanonical(number: number): StoredBlock | undefined {
    const hash = this.canonical.get(number)
    return hash === undefined ? undefined : this.blocks.get(hash)
  }

  isCanonical(hash: Hex): boolean {
    const b = this.blocks.get(hash)
    return b !== undefined && this.canonical.get(b.number) === hash
  }

  // -------------------------------------------------------------------------------------------
  // Writes

  /** Stores an executed block (not canonical until a head is set on it or a descendant). */
  add(block: StoredBlock): void {
    this.blocks.set(block.hash, block)
  }

  /** Reorgs / rewinds the canonical chain to `block` (OP geth also rewinds to an older block). */
  setCanonicalHead(block: StoredBlock): void {
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

  /** Sets the labels a forkchoiceUpdated names (zero: unchanged); -38002 unless canonical. */
  applySafeFinalized(safe: Hex, finalized: Hex): void {
    if (finalized !== ZERO_HASH) {
      if (!this.isCanonical(finalized)) {
        throw new ElSimRpcError(
          RpcErrorCode.INVALID_FORKCHOICE_STATE,
          'Invalid forkchoice state: final block not available in database or not canonical',
        )
      }
      this.finalizedHash = finalized
    }
    if (safe !== ZERO_HASH) {
      if (!this.isCanonical(safe)) {
        throw new ElSimRpcError(
          RpcErrorCode.INVALID_FORKCHOICE_STATE,
          'Invalid forkchoice state: safe block not available in database or not canonical',
        )
      }
      this.safeHash = safe
    }
  }

  /**
   * Drops the head to canonical height `toNumber` (never below genesis); the blocks above are
   * deleted, or kept without state with `keepBlocksWithoutState`.
   */
  rewind(toNumber: number, keepBlocksWithoutState: boolean): void {
    if (toNumber >= this.head.number) return
    const newHead = this.getCanonical(Math.max(toNumber, this.genesis.number))!
    this.setCanonicalHead(newHead)
    for (const b of [...this.blocks.values()]) {
      if (b.number <= newHead.number) continue
      if (keepBlocksWithoutState) b.hasState = false
      else this.blocks.delete(b.hash)
    }
  }
}
