/**
 * One node-redis connection with the behaviour the Redis road needs: reconnects with a doubling
 * back-off, fails commands at once while disconnected (the publisher keeps its own bounded
 * backlog instead of the client's unbounded offline queue), returns bulk strings as Buffers (the
 * `data` field is binary), and says "lost" and "back" once each per outage.
 */
import { createClient, RESP_TYPES } from 'redis'
import type { Logger } from '../util/logger.ts'
import { scrubRedisUrl } from './redisOptions.ts'

/** First reconnect delay after the connection dropped. */
export const REDIS_RECONNECT_MIN_DELAY_MS = 100
/** Reconnect delays double up to this. */
export const REDIS_RECONNECT_MAX_DELAY_MS = 5_000
/** A connection attempt that takes longer than this fails (and is retried). */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000

/** Delay before reconnect attempt `retries` (0-based): min · 2^retries, capped. */
export function reconnectDelayMs(retries: number): number {
  const delay = REDIS_RECONNECT_MIN_DELAY_MS * 2 ** Math.min(retries, 20)
  return Math.min(delay, REDIS_RECONNECT_MAX_DELAY_MS)
}

export type RedisReply = unknown

export interface RedisConnection {
  /** Sends one command; rejects at once while disconnected */
  command(args: Array<string | Buffer>): Promise<RedisReply>
  readonly ready: boolean
  /** Resolves once the connection is ready (at once when it is), or when closed */
  whenReady(): Promise<void>
  /** Starts connecting (retries in the background; never rejects) */
  open(): void
  close(): Promise<void>
}

export interface RedisConnectionModules {
  log: Logger
  /** Called on every reconnect after the connection was lost */
  onReconnect?: () => void
  /** What this connection is for, in log lines ("publisher", "subscriber") */
  role: string
}

export function createRedisConnection(
  url: string,
  modules: RedisConnectionModules,
): RedisConnection {
  const { log, role } = modules
  const where = scrubRedisUrl(url)
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => reconnectDelayMs(retries),
    },
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })

  let closed = false
  let lost = false
  let waiters: Array<() => void> = []

  client.on('error', (err: unknown) => {
    // One line per outage, not per failed attempt.
    if (lost || closed) return
    lost = true
    log.warn({ redis: where, role, err: String(err) }, 'redis connection lost, reconnecting')
  })
  client.on('ready', () => {
    if (lost) {
      lost = false
      log.info({ redis: where, role }, 'redis connection back')
      modules.onReconnect?.()
    }
    const ready = waiters
    waiters = []
    for (const wake of ready) wake()
  })

  return {
    command: (args) => client.sendCommand(args),
    get ready() {
      return client.isReady
    },
    whenReady() {
      if (client.isReady || closed) return Promise.resolve()
      return new Promise((resolve) => waiters.push(resolve))
    },
    open() {
      client.connect().catch((err: unknown) => {
        if (!closed) log.warn({ redis: where, role, err: String(err) }, 'redis connect failed')
      })
    },
    async close() {
      closed = true
      const ready = waiters
      waiters = []
      for (const wake of ready) wake()
      if (client.isOpen) client.destroy()
    },
  }
}
