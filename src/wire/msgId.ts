/**
 * Gossip message IDs exactly as op-node's `BuildMsgIdFn` computes them (op-gossip.md §4.1):
 *   id = sha256(domain || uint64_LE(len(topic)) || topic || D)[0:20]
 * where D is the Snappy-decoded data and domain 01000000 when the data decodes (declared length
 * <= 10 MiB and a clean decode), else D is the raw data and domain 00000000.
 * (The spec text omits the topic and kona follows it; op-node, the majority client, includes it.)
 *
 * gossipsub computes the ID of every duplicate copy (5-6 per block on a devnet mesh) just to
 * find it in its seen cache. `RecentMessageIds` answers those from the raw bytes of recent
 * messages: a byte-for-byte comparison (memcmp, stops at the first differing byte) instead of a
 * decompression and a SHA-256. Exact comparison, not a hash of a prefix: a forged message that
 * shares a valid block's first bytes must never stand in for it. The gossip host keeps its
 * per-message records there (src/gossip/messageRecords.ts).
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
 * keeps alive); adding past either bound drops the oldest.
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

interface RecentId<V> {
  topic: string
  data: Uint8Array
  value: V
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
 * The IDs of recently seen messages (or whatever the caller keeps with each: `V`, the ID bytes by
 * default), found again by their exact raw bytes. Bounded by entry count and retained bytes; the
 * oldest pair goes first. A miss only costs the full computation.
 */
export class RecentMessageIds<V = Uint8Array> extends BoundedCache<RecentId<V>> {
  constructor(opts: { maxEntries?: number; maxRetainedBytes?: number } = {}) {
    super(
      opts.maxEntries ?? RECENT_MESSAGE_IDS_MAX_ENTRIES,
      opts.maxRetainedBytes ?? RECENT_MESSAGE_IDS_MAX_RETAINED_BYTES,
    )
  }

  /** What was kept for byte-identical data on the same topic, newest first. */
  find(topic: string, data: Uint8Array): V | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i] as RecentId<V>
      if (e.topic === topic && bytesEqual(e.data, data)) return e.value
    }
    return undefined
  }

  add(topic: string, data: Uint8Array, value: V): void {
    this.keep({ topic, data, value, retained: data.buffer.byteLength })
  }
}
