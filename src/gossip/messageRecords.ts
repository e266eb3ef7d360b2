/**
 * One record per gossip message, from the message-ID function to the accepted block: the ID as
 * bytes and hex, the first-seen time, the Snappy-decoded bytes for the validator and the
 * validation timings. gossipsub computes the ID (our msgIdFn, the earliest per-message hook) well
 * before it hands the message over, so the record is created there and found again by the msgId
 * string gossipsub dispatches with: one Map lookup, no second decompression, no hex round trip.
 *
 * Memory: records waiting for dispatch or validation are kept under a count and a byte bound
 * (decoded plus raw bytes of each record still holding its decoded bytes); past either the
 * oldest is dropped and its decoded bytes released, so a queued message whose record was
 * dropped is decoded again by the validator (it keeps its first-seen time: the queued job is the
 * record). A message whose record is gone by dispatch (more than the bound arrived in between)
 * gets a fresh record dated at dispatch. Byte-identical duplicate copies are answered from the
 * recent IDs (src/wire/msgId.ts) without a new record.
 */
import { computeMessageIdWithData, RecentMessageIds } from '../wire/msgId.ts'
import type { ValidationJob } from './validationQueue.ts'

/** Records kept findable for dispatch and the validator (oldest dropped first). */
export const MESSAGE_RECORDS_MAX_ENTRIES = 32
/** Bytes the kept records may hold alive: decoded plus raw data of each holding decoded bytes. */
export const MESSAGE_RECORDS_MAX_RETAINED_BYTES = 32 * 2 ** 20

export interface MessageRecord extends ValidationJob {
  /** 20-byte op-node message ID (shared with gossipsub: read-only) */
  readonly id: Uint8Array
  /** Its hex: gossipsub's msgId string, the verdict event's messageId */
  readonly idHex: string
  readonly topic: string
  readonly data: Uint8Array
  /**
   * The Snappy-decoded data until the validator takes it; null for invalid Snappy, once taken,
   * or once released under the memory bound
   */
  decompressed: Uint8Array | null
  /** Wall clock (the host's `now`) at first sight: the hand-off's firstSeenMs */
  readonly firstSeenMs: number
  /** The same instant on the monotonic clock, for durations and the validation deadline */
  readonly firstSeenMono: number
  /** Set at dispatch: the peer gossipsub got it from */
  fromPeer: string
  /** Set at dispatch: that peer's IP address for the queue's share ('' when not limited) */
  fromGroup: string
  /** Set at dispatch: from a mesh peer with a clean history (served first) */
  preferred: boolean
  /** Set at dispatch: when it entered the validation queue (monotonic clock) */
  enqueuedMono: number
  /** Set at dispatch: verdict deadline on the monotonic clock (ValidationJob) */
  deadlineMs: number
}

export interface MessageRecordsOptions {
  /** @default MESSAGE_RECORDS_MAX_ENTRIES */
  maxEntries?: number
  /** @default MESSAGE_RECORDS_MAX_RETAINED_BYTES */
  maxRetainedBytes?: number
}

export interface MessageRecordsModules {
  /** Wall clock in ms. @default Date.now */
  now?: () => number
  /** Monotonic clock in ms. @default performance.now */
  monotonicNow?: () => number
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Bytes a kept record holds alive; computed before its decoded bytes are released. */
function retainedBy(record: MessageRecord): number {
  return record.decompressed === null ? 0 : record.decompressed.length + record.data.length
}

function createRecord(
  id: Uint8Array,
  idHex: string,
  topic: string,
  data: Uint8Array,
  decompressed: Uint8Array | null,
  firstSeenMs: number,
  firstSeenMono: number,
): MessageRecord {
  // Every field set here, so all records share one shape.
  return {
    id,
    idHex,
    topic,
    data,
    decompressed,
    firstSeenMs,
    firstSeenMono,
    fromPeer: '',
    fromGroup: '',
    preferred: false,
    enqueuedMono: 0,
    deadlineMs: 0,
  }
}

export class MessageRecords {
  /** Byte-identical copies of recent messages, answered with the first copy's record */
  readonly recent = new RecentMessageIds<MessageRecord>()
  /** IDs answered from `recent` (duplicate copies) so far */
  reused = 0
  /** Records waiting for dispatch or validation by msgId string, oldest first */
  private readonly kept = new Map<string, MessageRecord>()
  private bytes = 0
  /** The record of the last ID handed out, for the ID-to-string call that follows it */
  private last: MessageRecord | null = null
  private readonly maxEntries: number
  private readonly maxBytes: number
  private readonly now: () => number
  private readonly monotonicNow: () => number

  constructor(opts: MessageRecordsOptions = {}, modules: MessageRecordsModules = {}) {
    this.maxEntries = opts.maxEntries ?? MESSAGE_RECORDS_MAX_ENTRIES
    this.maxBytes = opts.maxRetainedBytes ?? MESSAGE_RECORDS_MAX_RETAINED_BYTES
    this.now = modules.now ?? Date.now
    this.monotonicNow = modules.monotonicNow ?? (() => performance.now())
  }

  /** Records currently kept */
  get size(): number {
    return this.kept.size
  }

  /** Bytes the kept records hold alive */
  get retainedBytes(): number {
    return this.bytes
  }

  /**
   * gossipsub's msgIdFn: the message's op-node ID. A copy byte-identical to a recent message
   * gets that message's ID at once; anything else is computed and its record kept (the first
   * record of an ID stays: a later copy in another encoding is a duplicate).
   */
  messageId(topic: string, data: Uint8Array): Uint8Array {
    const known = this.recent.find(topic, data)
    if (known !== undefined) {
      this.reused++
      this.last = known
      return known.id
    }
    const record = this.compute(topic, data)
    if (this.kept.has(record.idHex)) record.decompressed = null
    else this.keep(record)
    this.last = record
    return record.id
  }

  /** gossipsub's msgIdToStrFn: the hex of an ID, without encoding it again for the last one. */
  idToString(id: Uint8Array): string {
    const last = this.last
    return last !== null && last.id === id ? last.idHex : toHex(id)
  }

  /**
   * The record `messageId` kept for exactly this data object, or a fresh one dated now (its
   * record was dropped under the bounds, or the copy reused a recent ID).
   */
  forDispatch(idHex: string, topic: string, data: Uint8Array): MessageRecord {
    const record = this.kept.get(idHex)
    if (record !== undefined && record.data === data) return record
    const id = new Uint8Array(Buffer.from(idHex, 'hex'))
    return createRecord(id, idHex, topic, data, null, this.now(), this.monotonicNow())
  }

  /** The record kept for `idHex` (waiting for dispatch or validation), if any */
  waiting(idHex: string): MessageRecord | undefined {
    return this.kept.get(idHex)
  }

  /** The decoded bytes for the validator, once (null when there are none); stops keeping it. */
  takeDecompressed(record: MessageRecord): Uint8Array | null {
    const decompressed = record.decompressed
    this.release(record)
    return decompressed
  }

  /** Stops keeping the record and releases its decoded bytes. */
  release(record: MessageRecord): void {
    if (this.kept.get(record.idHex) === record) {
      this.kept.delete(record.idHex)
      this.bytes -= retainedBy(record)
    }
    record.decompressed = null
  }

  /**
   * Our own message (publishing): its record, remembered among the recent IDs so gossipsub's
   * own message-ID call finds it, and its decoded bytes for the local validation (null when
   * the data is not valid Snappy or a recent message had the same bytes). Never kept.
   */
  own(topic: string, data: Uint8Array): { record: MessageRecord; decompressed: Uint8Array | null } {
    const known = this.recent.find(topic, data)
    if (known !== undefined) return { record: known, decompressed: null }
    const record = this.compute(topic, data)
    const decompressed = record.decompressed
    record.decompressed = null
    return { record, decompressed }
  }

  /** The ID, decoded bytes and first-seen time of new data, remembered among the recent IDs. */
  private compute(topic: string, data: Uint8Array): MessageRecord {
    // First seen before the decoding and hashing, which take a while for large blocks.
    const firstSeenMs = this.now()
    const firstSeenMono = this.monotonicNow()
    const { id, decompressed } = computeMessageIdWithData(topic, data)
    const idHex = toHex(id)
    const record = createRecord(id, idHex, topic, data, decompressed, firstSeenMs, firstSeenMono)
    this.recent.add(topic, data, record)
    return record
  }

  /** Keeps the record, dropping the oldest past either bound; too large to keep, it keeps no bytes. */
  private keep(record: MessageRecord): void {
    if (this.maxEntries <= 0) {
      record.decompressed = null
      return
    }
    if (retainedBy(record) > this.maxBytes) record.decompressed = null
    const retained = retainedBy(record)
    while (this.kept.size >= this.maxEntries || this.bytes + retained > this.maxBytes) {
      const oldest = this.kept.values().next()
      if (oldest.done === true) break
      this.release(oldest.value)
    }
    this.kept.set(record.idHex, record)
    this.bytes += retained
  }
}
