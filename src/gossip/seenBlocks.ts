/**
 * Per-height record of the block hashes already validated (op-gossip.md §6.2 steps 23-25),
 * the way op-node's `blockHeightLRU` / `seenBlocks` work:
 * - an LRU of MAX_SEEN_HEIGHTS heights (a lookup refreshes the height, like golang-lru's Get);
 * - per height, the distinct hashes recorded so far;
 * - a height that already holds more than MAX_BLOCKS_PER_HEIGHT hashes rejects every further
 *   block, a re-sent known hash included (the count test comes before the duplicate test);
 * - so up to MAX_BLOCKS_PER_HEIGHT + 1 distinct blocks per height are accepted.
 */

/** Heights remembered (op-node: `lru.New(1000)`). */
export const MAX_SEEN_HEIGHTS = 1000

/** A height that already holds more than this many distinct hashes rejects new blocks. */
export const MAX_BLOCKS_PER_HEIGHT = 5

/** Outcome of `checkAndRecord`. */
export type SeenOutcome =
  /** first sighting: the hash was recorded */
  | 'recorded'
  /** this hash was already recorded at this height (IGNORE) */
  | 'duplicate'
  /** more than MAX_BLOCKS_PER_HEIGHT hashes already recorded at this height (REJECT) */
  | 'too-many'

export interface SeenBlocksOptions {
  /** Heights kept before the least recently used one is evicted. @default MAX_SEEN_HEIGHTS */
  maxHeights?: number
  /** Per-height limit on distinct hashes (see module doc). @default MAX_BLOCKS_PER_HEIGHT */
  maxBlocksPerHeight?: number
}

export interface SeenBlocks {
  /** Checks `hash` at `height` and records it when it is new (steps 23-25, in op-node's order). */
  checkAndRecord(height: bigint, hash: Uint8Array): SeenOutcome
  /** Distinct hashes recorded at `height` (0 when the height is unknown); does not touch recency. */
  countAt(height: bigint): number
  /** Whether `height` is currently remembered; does not touch recency. */
  hasHeight(height: bigint): boolean
  /** Heights currently remembered. */
  readonly size: number
  /** Forgets everything (benchmarks use it to start each iteration fresh). */
  clear(): void
}

/** Hash → compact map key (hex of 32 bytes; short per-height lists make this cheap enough). */
function hashKey(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex')
}

export function createSeenBlocks(opts: SeenBlocksOptions = {}): SeenBlocks {
  const maxHeights = opts.maxHeights ?? MAX_SEEN_HEIGHTS
  const maxPerHeight = opts.maxBlocksPerHeight ?? MAX_BLOCKS_PER_HEIGHT
  if (!Number.isSafeInteger(maxHeights) || maxHeights < 1) {
    throw new RangeError(`maxHeights must be a positive integer, got ${maxHeights}`)
  }
  // Map iteration order is insertion order: delete + set moves a height to the most recent end,
  // so the first key is always the least recently used.
  const heights = new Map<bigint, string[]>()

  function touch(height: bigint): string[] {
    let hashes = heights.get(height)
    if (hashes !== undefined) {
      heights.delete(height)
      heights.set(height, hashes)
      return hashes
    }
    hashes = []
    heights.set(height, hashes)
    if (heights.size > maxHeights) {
      const oldest = heights.keys().next().value as bigint
      heights.delete(oldest)
    }
    return hashes
  }

  return {
    checkAndRecord(height, hash) {
      const hashes = touch(height)
      const key = hashKey(hash)
      if (hashes.length > maxPerHeight) return 'too-many'
      if (hashes.includes(key)) return 'duplicate'
      hashes.push(key)
      return 'recorded'
    },
    countAt(height) {
      return heights.get(height)?.length ?? 0
    },
    hasHeight(height) {
      return heights.has(height)
    },
    get size() {
      return heights.size
    },
    clear() {
      heights.clear()
    },
  }
}
