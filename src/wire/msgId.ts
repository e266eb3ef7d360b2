/**
 * Gossip message IDs exactly as op-node's `BuildMsgIdFn` computes them (op-gossip.md §4.1):
 *   id = sha256(domain || uint64_LE(len(topic)) || topic || D)[0:20]
 * where D is the Snappy-decoded data and domain 01000000 when the data decodes (declared length
 * <= 10 MiB and a clean decode), else D is the raw data and domain 00000000.
 * (The spec text omits the topic and kona follows it; op-node, the majority client, includes it.)
 *
 * gossipsub computes the ID before it runs the topic validator, which needs the same decoded
 * bytes. To avoid decompressing twice, `MessageIdCache.compute` (the msgIdFn) remembers the
 * result for the exact data object, and the validator `take`s it. The cache is bounded by
 * entry count and by decoded bytes; a miss only costs a second decompression.
 *
 * gossipsub also computes the ID of every duplicate copy (5-6 per block on a devnet mesh) just to
 * find it in its seen cache. `RecentMessageIds` answers those from the raw bytes of recent
 * messages: a byte-for-byte comparison (memcmp, stops at the first differing byte) instead of a
 * decompression and a SHA-256. Exact comparison, not a hash of a prefix: a forged message that
 * shares a valid block's first bytes must never stand in for it.
 */
import { createHash } from 'node:crypto'
import { MAX_GOSSIP_SIZE_BYTES, snappyDecodedLength, snappyUncompress } from './snappy.ts'

export const MESSAGE_ID_LENGTH_BYTES = 20
const DOMAIN_VALID_SNAPPY = Uint8Array.of(1, 0, 0, 0)
const DOMAIN_INVALID_SNAPPY = Uint8Array.of(0, 0, 0, 0)

export interface MessageIdResult {
  /** 20-byte message ID */
  id: Uint8Array
  /** Snappy-decoded data, or null when the data is not a valid (<= 10 MiB) Snappy block */
  decompressed: Uint8Array | null
}

/** A kept result: always a valid Snappy block, so the decoded bytes are present. */
export interface CachedMessageId {
  id: Uint8Array
  decompressed: Uint8Array
}

/** Snappy-decodes `data` under op-node's msgId rule, or returns null where op-node hashes raw. */
function tryDecompress(data: Uint8Array): Uint8Array | null {
  try {
    const length = snappyDecodedLength(data)
    if (length > MAX_GOSSIP_SIZE_BYTES) return null
    return snappyUncompress(data, length)
  } catch {
    return null
  }
}

function hashMessageId(topic: string, body: Uint8Array, validSnappy: boolean): Uint8Array {
  const topicBytes = Buffer.from(topic, 'utf8')
  const topicLength = Buffer.alloc(8)
  topicLength.writeBigUInt64LE(BigInt(topicBytes.length))
  const digest = createHash('sha256')
    .update(validSnappy ? DOMAIN_VALID_SNAPPY : DOMAIN_INVALID_SNAPPY)
    .update(topicLength)
    .update(topicBytes)
    .update(body)
    .digest()
  return new Uint8Array(digest.subarray(0, MESSAGE_ID_LENGTH_BYTES))
}

/** The ID and the decoded bytes (so the caller need not decompress again). Pure. */
export function computeMessageIdWithData(topic: string, data: Uint8Array): MessageIdResult {
  const decompressed = tryDecompress(data)
  const id = hashMessageId(topic, decompressed ?? data, decompressed !== null)
  return { id, decompressed }
}

/** op-node's message ID of `data` on `topic` (20 bytes). Pure. */
export function computeMessageId(topic: string, data: Uint8Array): Uint8Array {
  return computeMessageIdWithData(topic, data).id
}

export interface MessageIdCacheOptions {
  /**
   * Results kept for `take` (oldest dropped first).
   * @default 32
   */
  maxEntries?: number
  /**
   * Bytes kept alive by the cache (decoded plus raw data of each entry); a result larger than
   * this is returned but not kept.
   * @default 32 MiB
   */
  maxRetainedBytes?: number
}

export const MESSAGE_ID_CACHE_MAX_ENTRIES = 32
export const MESSAGE_ID_CACHE_MAX_RETAINED_BYTES = 32 * 2 ** 20
/**
 * Recent (raw data → ID) pairs kept to answer duplicate copies (the copies of a block arrive
 * within seconds of the first).
 */
export const RECENT_MESSAGE_IDS_MAX_ENTRIES = 16
/**
 * Memory the recent pairs may keep alive, counted by the whole buffer each data view lives in
 * (a view into a larger read buffer keeps all of it).
 */
export const RECENT_MESSAGE_IDS_MAX_RETAINED_BYTES = 16 * 2 ** 20

/**
 * Entries kept oldest-first under a count and a byte bound (each entry says how many bytes it
 * keeps alive); adding past either bound drops the oldest. Both caches below are one of these.
 */
abstract class BoundedCache<E extends { retained: number }> {
  protected readonly entries: E[] = []
  private bytes = 0
  private readonly maxEntries: number
  private readonly maxBytes: number

  constructor(maxEntries: number, maxRetainedBytes: number) {
    this.maxEntries = maxEntries
    this.maxBytes = maxRetainedBytes
  }

  /** Number of entries currently kept. */
  get size(): number {
    return this.entries.length
  }

  /** Bytes currently kept alive by the entries. */
  get retainedBytes(): number {
    return this.bytes
  }

  /** Keeps `entry` unless it alone exceeds the byte bound. */
  protected keep(entry: E): void {
    if (entry.retained > this.maxBytes || this.maxEntries <= 0) return
    while (this.entries.length >= this.maxEntries || this.bytes + entry.retained > this.maxBytes) {
      this.removeAt(0)
    }
    this.entries.push(entry)
    this.bytes += entry.retained
  }

  protected removeAt(index: number): void {
    const [removed] = this.entries.splice(index, 1)
    if (removed !== undefined) this.bytes -= removed.retained
  }
}

interface RecentId {
  topic: string
  data: Uint8Array
  id: Uint8Array
  retained: number
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.length).equals(
      Buffer.from(b.buffer, b.byteOffset, b.length),
    )
  )
}

/**
 * The IDs of recently seen messages, found again by their exact raw bytes. Bounded by entry
 * count and retained bytes; the oldest pair goes first. A miss only costs the full computation.
 */
export class RecentMessageIds extends BoundedCache<RecentId> {
  constructor(opts: { maxEntries?: number; maxRetainedBytes?: number } = {}) {
    super(
      opts.maxEntries ?? RECENT_MESSAGE_IDS_MAX_ENTRIES,
      opts.maxRetainedBytes ?? RECENT_MESSAGE_IDS_MAX_RETAINED_BYTES,
    )
  }

  /** The ID computed earlier for byte-identical data on the same topic, newest first. */
  find(topic: string, data: Uint8Array): Uint8Array | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i] as RecentId
      if (e.topic === topic && bytesEqual(e.data, data)) return e.id
    }
    return undefined
  }

  add(topic: string, data: Uint8Array, id: Uint8Array): void {
    this.keep({ topic, data, id, retained: data.buffer.byteLength })
  }
}

interface CacheEntry {
  topic: string
  data: Uint8Array
  id: Uint8Array
  decompressed: Uint8Array
  /** decoded plus raw bytes */
  retained: number
}

/**
 * msgIdFn with a hand-off to the validator: `compute` returns the ID and remembers the decoded
 * bytes for that exact `data` object (identity, not content); `take(topic, data)` removes and
 * returns them. Only valid-Snappy results are kept (an invalid message is rejected anyway and
 * its error is cheap to reproduce). Entries are dropped oldest-first beyond the count or bytes.
 * Entries whose message never reaches the validator (a duplicate in another Snappy encoding,
 * whose raw bytes the recent IDs do not know) simply age out.
 */
export class MessageIdCache extends BoundedCache<CacheEntry> {
  /** Answers duplicate copies without decompressing them. */
  readonly recent = new RecentMessageIds()
  /** IDs answered by `recent` (duplicate copies) so far. */
  reused = 0

  constructor(opts: MessageIdCacheOptions = {}) {
    super(
      opts.maxEntries ?? MESSAGE_ID_CACHE_MAX_ENTRIES,
      opts.maxRetainedBytes ?? MESSAGE_ID_CACHE_MAX_RETAINED_BYTES,
    )
  }

  /**
   * The message ID (as computeMessageId). A copy byte-identical to a recent message gets that
   * message's ID at once; anything else is computed and its result kept for `take`.
   */
  compute(topic: string, data: Uint8Array): Uint8Array {
    const known = this.recent.find(topic, data)
    if (known !== undefined) {
      this.reused++
      return known
    }
    const { id, decompressed } = computeMessageIdWithData(topic, data)
    this.recent.add(topic, data, id)
    if (decompressed === null) return id
    this.keep({
      topic,
      data,
      id,
      decompressed,
      retained: decompressed.length + data.length,
    })
    return id
  }

  /** The valid-Snappy result `compute` kept for this exact data object and topic, removed. */
  take(topic: string, data: Uint8Array): CachedMessageId | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i] as CacheEntry
      if (e.data === data && e.topic === topic) {
        this.removeAt(i)
        return { id: e.id, decompressed: e.decompressed }
      }
    }
    return undefined
  }
}
