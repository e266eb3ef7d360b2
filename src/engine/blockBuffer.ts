/**
 * Bounded store of recent gossiped blocks for the sync driver: blocks the EL has not confirmed
 * yet (out-of-order arrivals, gap fillers, the sync target) plus a short tail of confirmed ones
 * to replay after an EL restart. Bounded by count and by bytes; when full, the oldest block
 * (lowest number, then earliest arrival) goes, never the newest.
 */
import type { SignedEnvelope } from '../wire/types.ts'
import type { BlockRef, Hex } from './schema.ts'

/** What the last newPayload for a block answered ('none' = not sent since the last reset). */
export type SentState = 'none' | 'syncing' | 'accepted' | 'valid'

/** Gossip hand-off metadata (see the accepted-block contract). */
export interface BlockMeta {
  messageId: Uint8Array
  fromPeer: string
  /** Date.now() when the message first arrived, before any queueing */
  firstSeenMs: number
  /** Date.now() when validation accepted it */
  validatedMs: number
}

export interface BufferedBlock {
  ref: BlockRef
  envelope: SignedEnvelope
  meta: BlockMeta | undefined
  /** Bytes counted against the byte limit (the signed SSZ bytes) */
  sizeBytes: number
  /** Arrival order (ties at one height: first seen wins) */
  seq: number
  sent: SentState
  /** Whether the last newPayload went out while the parent was known valid to the EL */
  sentWithParentKnown: boolean
  /** Fetched from the backup RPC to fill a gap (not gossip): it may be sent below the target */
  fetched: boolean
}

export interface BlockBufferLimits {
  maxBlocks: number
  maxBytes: number
}

export class BlockBuffer {
  readonly limits: BlockBufferLimits
  private readonly byHash = new Map<Hex, BufferedBlock>()
  private totalBytes = 0
  private seq = 0
  private fetchedBlocks = 0

  constructor(limits: BlockBufferLimits) {
    if (limits.maxBlocks < 1) throw new RangeError('maxBlocks must be at least 1')
    this.limits = limits
  }

  get size(): number {
    return this.byHash.size
  }

  get bytes(): number {
    return this.totalBytes
  }

  /** Buffered blocks fetched from the backup RPC */
  get fetchedCount(): number {
    return this.fetchedBlocks
  }

  has(hash: Hex): boolean {
    return this.byHash.has(hash)
  }

  get(hash: Hex): BufferedBlock | undefined {
    return this.byHash.get(hash)
  }

  values(): IterableIterator<BufferedBlock> {
    return this.byHash.values()
  }

  /**
   * Adds a block (no-op for a known hash) and evicts the oldest blocks until both limits hold
   * again. The highest block is never evicted, even when it alone exceeds the byte limit.
   * Returns the evicted blocks (which can include the added one when it is the oldest).
   */
  add(
    ref: BlockRef,
    envelope: SignedEnvelope,
    meta: BlockMeta | undefined,
    fetched?: { sizeBytes: number },
  ): { added: BufferedBlock | undefined; evicted: BufferedBlock[] } {
    if (this.byHash.has(ref.hash)) return { added: undefined, evicted: [] }
    const entry: BufferedBlock = {
      ref,
      envelope,
      meta,
      sizeBytes: fetched?.sizeBytes ?? envelope.signedBytes.byteLength,
      seq: this.seq++,
      sent: 'none',
      sentWithParentKnown: false,
      fetched: fetched !== undefined,
    }
    this.byHash.set(ref.hash, entry)
    this.totalBytes += entry.sizeBytes
    if (entry.fetched) this.fetchedBlocks++
    const evicted: BufferedBlock[] = []
    while (
      this.byHash.size > 1 &&
      (this.byHash.size > this.limits.maxBlocks || this.totalBytes > this.limits.maxBytes)
    ) {
      const oldest = this.oldest()!
      this.delete(oldest.ref.hash)
      evicted.push(oldest)
    }
    return { added: this.byHash.has(ref.hash) ? entry : undefined, evicted }
  }

  delete(hash: Hex): BufferedBlock | undefined {
    const entry = this.byHash.get(hash)
    if (entry === undefined) return undefined
    this.byHash.delete(hash)
    this.totalBytes -= entry.sizeBytes
    if (entry.fetched) this.fetchedBlocks--
    return entry
  }

  /** Lowest number, then earliest arrival. */
  oldest(): BufferedBlock | undefined {
    let best: BufferedBlock | undefined
    for (const e of this.byHash.values()) {
      if (
        best === undefined ||
        e.ref.number < best.ref.number ||
        (e.ref.number === best.ref.number && e.seq < best.seq)
      ) {
        best = e
      }
    }
    return best
  }

  /** Highest number, then earliest arrival (first block seen at the top height wins). */
  newest(): BufferedBlock | undefined {
    let best: BufferedBlock | undefined
    for (const e of this.byHash.values()) {
      if (
        best === undefined ||
        e.ref.number > best.ref.number ||
        (e.ref.number === best.ref.number && e.seq < best.seq)
      ) {
        best = e
      }
    }
    return best
  }

  atHeight(number: number): BufferedBlock[] {
    const out: BufferedBlock[] = []
    for (const e of this.byHash.values()) if (e.ref.number === number) out.push(e)
    return out
  }

  /** The block and its buffered ancestors, oldest first (stops at the first missing parent). */
  chainTo(hash: Hex): BufferedBlock[] {
    const chain: BufferedBlock[] = []
    let cur = this.byHash.get(hash)
    while (cur !== undefined && chain.length <= this.byHash.size) {
      chain.push(cur)
      cur = this.byHash.get(cur.ref.parentHash)
    }
    return chain.reverse()
  }

  /** The buffered child of `hash` seen first, if any (gap filling walks up from the EL head). */
  firstChildOf(hash: Hex): BufferedBlock | undefined {
    let best: BufferedBlock | undefined
    for (const e of this.byHash.values()) {
      if (e.ref.parentHash === hash && (best === undefined || e.seq < best.seq)) best = e
    }
    return best
  }

  /** Buffered blocks that descend from `hash` (any depth). */
  descendantsOf(hash: Hex): BufferedBlock[] {
    const out: BufferedBlock[] = []
    const roots = new Set<Hex>([hash])
    // Parents always have lower numbers: one pass in ascending order finds every descendant.
    const sorted = [...this.byHash.values()].sort((a, b) => a.ref.number - b.ref.number)
    for (const e of sorted) {
      if (roots.has(e.ref.parentHash)) {
        out.push(e)
        roots.add(e.ref.hash)
      }
    }
    return out
  }

  /** Removes every block with number <= `number`; returns how many went. */
  pruneAtOrBelow(number: number): number {
    let n = 0
    for (const e of [...this.byHash.values()]) {
      if (e.ref.number <= number) {
        this.delete(e.ref.hash)
        n++
      }
    }
    return n
  }

  /** Forgets what was sent (after an EL restart everything may have to go again). */
  resetSentState(): void {
    for (const e of this.byHash.values()) {
      e.sent = 'none'
      e.sentWithParentKnown = false
    }
  }
}

/** A bounded set that forgets its oldest insertions first. */
export class BoundedHashSet {
  private readonly set = new Set<Hex>()
  readonly maxSize: number

  constructor(maxSize: number) {
    this.maxSize = maxSize
  }

  get size(): number {
    return this.set.size
  }

  has(hash: Hex): boolean {
    return this.set.has(hash)
  }

  add(hash: Hex): void {
    if (this.set.has(hash)) this.set.delete(hash)
    this.set.add(hash)
    if (this.set.size > this.maxSize) {
      const first = this.set.values().next()
      if (first.done !== true) this.set.delete(first.value)
    }
  }

  clear(): void {
    this.set.clear()
  }
}
