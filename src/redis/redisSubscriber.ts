/**
 * Reads the stream with a blocking XREAD (no polling) on its own connection and hands every entry
 * to the gossip validator; accepted blocks go to the node's block consumers (the Engine API
 * driver among them), exactly like gossip blocks. Redis is trusted for nothing: a forged, broken
 * or oversized entry is refused and counted, and never stops the reader.
 *
 * Start: `findReplayStart` from the EL head (replay exactly what the EL lacks, then live).
 * Reconnect: reading resumes after the last entry read; a restarted empty server hands out later
 * IDs, so nothing it still holds is missed.
 */
import type { AcceptedBlock } from '../gossip/types.ts'
import type { ValidationResult } from '../gossip/validator.ts'
import type { Logger } from '../util/logger.ts'
import { computeMessageIdWithData } from '../wire/msgId.ts'
import type { RedisConnection } from './redisConnection.ts'
import { reconnectDelayMs } from './redisConnection.ts'
import type { RedisMetrics } from './redisMetrics.ts'
import { findReplayStart } from './replayStart.ts'
import { type DecodedEntry, decodeStreamEntry, type EntryRejectReasonCode } from './streamEntry.ts'
import { type RawStreamEntry, readEntriesOf } from './streamReplies.ts'

/** Entries per XREAD (a replay reads in pages of this size). */
export const REDIS_READ_BATCH_ENTRIES = 100

/** How long one XREAD blocks waiting for a new entry before it is re-issued. */
export const REDIS_READ_BLOCK_MS = 10_000

/**
 * A replay hands the EL at most this many blocks beyond its head at a time: the Engine driver's
 * buffer (256 blocks) would otherwise overflow and turn a replay into an EL sync.
 */
export const REPLAY_MAX_AHEAD_OF_EL_BLOCKS = 64n

/** How often the EL head is re-read while a replay waits for it. */
export const REPLAY_WAIT_POLL_MS = 10

/** A replay waits this long at most for the EL; then it goes on (the EL syncs what it drops). */
export const REPLAY_MAX_WAIT_MS = 10_000

/** Who delivered a block from the stream, in AcceptedBlock.fromPeer. */
export const REDIS_PEER = 'redis'

const MS_PER_SECOND = 1000

export interface RedisSubscriberOptions {
  stream: string
  /** Gossip's timestamp threshold: older entries go to the EL but are marked replayed */
  timestampThresholdSeconds: number
}

export interface RedisSubscriberModules {
  connection: RedisConnection
  /**
   * The gossip validator (same rules and seen cache), without the timestamp-too-old bound;
   * `decompressed` is `data` Snappy-decoded when that worked (as gossip's message-ID step gives)
   */
  validate(topic: string, data: Uint8Array, decompressed: Uint8Array | null): ValidationResult
  /** An accepted block, for the node's consumers */
  deliver(block: AcceptedBlock, replayed: boolean): void
  /** The EL's head number, null when there is no EL or it is not known */
  elHead(): bigint | null
  log: Logger
  metrics: RedisMetrics | null
  /** @default Date.now */
  now?: () => number
}

export interface RedisSubscriber {
  start(): void
  stop(): Promise<void>
  /** The ID of the last entry read, null before the first */
  lastId(): string | null
}

export type RedisRejectReason = EntryRejectReasonCode | NonNullable<ValidationResult['reason']>

export function createRedisSubscriber(
  opts: RedisSubscriberOptions,
  modules: RedisSubscriberModules,
): RedisSubscriber {
  const { connection, log, metrics } = modules
  const now = modules.now ?? Date.now
  let running = false
  let loop: Promise<void> | null = null
  let lastId: string | null = null

  function reject(id: string, reason: RedisRejectReason): void {
    metrics?.rejectedTotal.inc({ reason })
    log.debug({ entry: id, reason }, 'redis entry rejected')
  }

  function handle(raw: RawStreamEntry, decoded: DecodedEntry): void {
    if (!decoded.ok) {
      reject(raw.id, decoded.reason)
      return
    }
    const entry = decoded.entry
    const receivedMs = now()
    // The real message ID (the entry's is a hint) and the decoded bytes, decoded once.
    const { id, decompressed } = computeMessageIdWithData(entry.topic, entry.data)
    const result = modules.validate(entry.topic, entry.data, decompressed)
    if (result.verdict !== 'accept') {
      // Gossip delivered it first: the already-seen rule dedupes it.
      if (result.reason === 'DUPLICATE_BLOCK') {
        metrics?.consumedTotal.inc({ outcome: 'duplicate' })
        return
      }
      reject(raw.id, result.reason)
      return
    }
    const payload = result.envelope.payload
    const hash = `0x${Buffer.from(payload.blockHash).toString('hex')}`
    const idHex = Buffer.from(id).toString('hex')
    if (
      payload.blockNumber !== entry.blockNumber ||
      hash !== entry.blockHash ||
      idHex !== entry.messageId
    ) {
      reject(raw.id, 'ENTRY_FIELDS_MISMATCH')
      return
    }
    const oldestFreshSeconds =
      Math.floor(receivedMs / MS_PER_SECOND) - opts.timestampThresholdSeconds
    const replayed = payload.timestamp < BigInt(oldestFreshSeconds)
    metrics?.consumedTotal.inc({ outcome: replayed ? 'replayed' : 'delivered' })
    metrics?.lagMs.set(Math.max(0, receivedMs - entry.firstSeenMs))
    modules.deliver(
      {
        envelope: result.envelope,
        topic: entry.topic,
        messageId: id,
        fromPeer: REDIS_PEER,
        firstSeenMs: receivedMs,
        validatedMs: now(),
      },
      replayed,
    )
  }

  /** Replay back-pressure: waits while `blockNumber` is far ahead of the EL head. */
  async function waitForEl(blockNumber: bigint): Promise<void> {
    const deadline = now() + REPLAY_MAX_WAIT_MS
    for (;;) {
      const head = modules.elHead()
      if (head === null || blockNumber - head <= REPLAY_MAX_AHEAD_OF_EL_BLOCKS) return
      if (!running || now() > deadline) return
      await new Promise((r) => setTimeout(r, REPLAY_WAIT_POLL_MS))
    }
  }

  async function startingId(): Promise<string> {
    const elHead = modules.elHead()
    const start = await findReplayStart(connection, opts.stream, elHead)
    if (start.kind === 'behind') {
      log.warn(
        { elHead: String(start.elHead), oldestInStream: String(start.oldestNumber) },
        'redis stream does not reach back to the EL head: the EL syncs the gap',
      )
    } else if (start.kind === 'replay') {
      log.info({ elHead: String(elHead), after: start.afterId }, 'redis replay from the EL head')
    }
    return start.afterId
  }

  async function run(): Promise<void> {
    let failures = 0
    while (running) {
      try {
        if (!connection.ready) await connection.whenReady()
        if (!running) break
        const from = lastId ?? (await startingId())
        lastId = from
        const entries = readEntriesOf(
          await connection.command([
            'XREAD',
            'COUNT',
            String(REDIS_READ_BATCH_ENTRIES),
            'BLOCK',
            String(REDIS_READ_BLOCK_MS),
            'STREAMS',
            opts.stream,
            from,
          ]),
        )
        failures = 0
        for (let i = 0; i < entries.length && running; i++) {
          const raw = entries[i] as RawStreamEntry
          metrics?.lagEntries.set(entries.length - 1 - i)
          lastId = raw.id
          try {
            const decoded = decodeStreamEntry(raw.fields)
            if (decoded.ok) await waitForEl(decoded.entry.blockNumber)
            handle(raw, decoded)
          } catch (err) {
            // A consumer threw: the entry is lost to it, the reader goes on.
            log.warn({ entry: raw.id, err: String(err) }, 'redis entry handling failed')
          }
        }
        if (entries.length === 0) metrics?.lagEntries.set(0)
      } catch (err) {
        if (!running) break
        // Lost connection: wait for the reconnect. Any other error: back off and retry.
        if (connection.ready) {
          log.warn({ err: String(err) }, 'redis read failed')
          await new Promise((r) => setTimeout(r, reconnectDelayMs(failures++)))
        }
      }
    }
  }

  return {
    start() {
      if (running) return
      running = true
      loop = run()
    },
    async stop() {
      running = false
      await connection.close()
      await loop
      loop = null
    },
    lastId: () => lastId,
  }
}
