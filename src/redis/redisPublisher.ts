/**
 * Appends blocks to the stream, each block once however many publishers there are: one Lua
 * script claims the message ID (SET NX PX) and appends (XADD MAXLEN ~) atomically, so the first
 * writer wins and the others skip. While Redis is away, blocks wait in a bounded backlog (oldest
 * dropped first, counted) and are appended in order once it is back; an append a failover
 * interrupted (READONLY, a killed connection) is retried, never dropped.
 */
import type { Logger } from '../util/logger.ts'
import { isTransientRedisError, type RedisConnection, reconnectDelayMs } from './redisConnection.ts'
import type { RedisMetrics } from './redisMetrics.ts'
import { encodeStreamEntry, type StreamEntry } from './streamEntry.ts'

/** Blocks kept while Redis is unreachable (a few minutes of 1-2 s blocks). */
export const MAX_PUBLISH_BACKLOG = 512

/**
 * How long a message ID stays claimed: longer than a block can take to reach every publisher
 * (gossip refuses blocks older than its 60 s timestamp threshold), short enough to stay small.
 */
export const REDIS_CLAIM_TTL_MS = 5 * 60_000

/** KEYS[1] stream, KEYS[2] claim key; ARGV[1] claim TTL ms, ARGV[2] maxlen, ARGV[3..] fields. */
const CLAIM_AND_APPEND_SCRIPT = `
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
end
return false`

export interface RedisPublisherOptions {
  stream: string
  maxLen: number
  /** @default MAX_PUBLISH_BACKLOG */
  maxBacklog?: number
}

export interface RedisPublisherModules {
  connection: RedisConnection
  log: Logger
  metrics: RedisMetrics | null
}

export interface RedisPublisher {
  /** Queues a block for the stream; never throws, never waits */
  append(entry: StreamEntry): void
  /** Blocks waiting for Redis */
  backlog(): number
  /** Resolves when the backlog is empty (or the publisher stopped); for tests and shutdown */
  drained(): Promise<void>
  stop(): void
}

/** The key that claims a message ID (same prefix as the stream). */
export function claimKey(stream: string, messageId: string): string {
  return `${stream}:claim:${messageId}`
}

export function createRedisPublisher(
  opts: RedisPublisherOptions,
  modules: RedisPublisherModules,
): RedisPublisher {
  const { connection, log, metrics } = modules
  const maxBacklog = opts.maxBacklog ?? MAX_PUBLISH_BACKLOG
  const queue: StreamEntry[] = []
  let flushing = false
  let stopped = false
  let droppedSinceLog = 0
  let transientFailures = 0
  let drainWaiters: Array<() => void> = []

  function wakeDrained(): void {
    const waiters = drainWaiters
    drainWaiters = []
    for (const wake of waiters) wake()
  }

  async function appendOne(entry: StreamEntry): Promise<void> {
    const reply = await connection.command([
      'EVAL',
      CLAIM_AND_APPEND_SCRIPT,
      '2',
      opts.stream,
      claimKey(opts.stream, entry.messageId),
      String(REDIS_CLAIM_TTL_MS),
      String(opts.maxLen),
      ...encodeStreamEntry(entry),
    ])
    if (reply === null || reply === undefined) metrics?.publishSkippedTotal.inc()
    else metrics?.publishedTotal.inc()
  }

  async function flush(): Promise<void> {
    if (flushing) return
    flushing = true
    try {
      while (!stopped && queue.length > 0) {
        if (!connection.ready) await connection.whenReady()
        if (stopped) break
        const entry = queue[0] as StreamEntry
        try {
          await appendOne(entry)
          queue.shift()
          transientFailures = 0
        } catch (err) {
          // The connection dropped mid-call: keep the entry, wait for the reconnect.
          if (!connection.ready) continue
          if (isTransientRedisError(err)) {
            // A failover in progress (demoted master, killed connection): keep the entry and
            // retry; the claim makes a retry of an append that did happen a no-op.
            if (transientFailures === 0) {
              log.warn(
                { number: String(entry.blockNumber), err: String(err) },
                'redis append retried',
              )
            }
            await new Promise((r) => setTimeout(r, reconnectDelayMs(transientFailures++)))
            continue
          }
          // Redis answered with an error (not a lost connection): this entry cannot be written.
          log.warn({ number: String(entry.blockNumber), err: String(err) }, 'redis append failed')
          queue.shift()
        }
      }
    } finally {
      flushing = false
      if (queue.length === 0 || stopped) wakeDrained()
    }
    if (droppedSinceLog > 0) {
      log.warn({ dropped: droppedSinceLog, maxBacklog }, 'redis publish backlog overflowed')
      droppedSinceLog = 0
    }
  }

  return {
    append(entry) {
      if (stopped) return
      queue.push(entry)
      if (queue.length > maxBacklog) {
        queue.shift()
        droppedSinceLog++
        metrics?.publishDroppedTotal.inc()
      }
      void flush()
    },
    backlog: () => queue.length,
    drained() {
      if (queue.length === 0 || stopped) return Promise.resolve()
      return new Promise((resolve) => drainWaiters.push(resolve))
    },
    stop() {
      stopped = true
      wakeDrained()
    },
  }
}
