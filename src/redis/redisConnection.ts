/**
 * One node-redis connection with the behaviour the Redis road needs: reconnects with a doubling
 * back-off, fails commands at once while disconnected (the publisher keeps its own bounded
 * backlog instead of the client's unbounded offline queue), returns bulk strings as Buffers (the
 * `data` field is binary), and says "lost" and "back" once each per outage.
 *
 * Behind Redis Sentinel it is a node-redis sentinel client with one master connection of its
 * own (each role has its connection, so the subscriber's blocking XREAD holds no one else's):
 * it asks the sentinels for the master, and after a failover re-sends a command that met a
 * killed connection or a demoted master (READONLY) to the new master.
 *
 * In a Redis Cluster it is a node-redis cluster client: every command goes to the node that owns
 * the stream's slot (the road's keys all carry the stream's hash tag), following MOVED / ASK.
 */
import { createClient, createCluster, createSentinel, RESP_TYPES } from 'redis'
import type { Logger } from '../util/logger.ts'
import { describeRedisTarget, type RedisOptions } from './redisOptions.ts'

/** First reconnect delay after the connection dropped. */
export const REDIS_RECONNECT_MIN_DELAY_MS = 100
/** Reconnect delays double up to this. */
export const REDIS_RECONNECT_MAX_DELAY_MS = 5_000
/** A connection attempt that takes longer than this fails (and is retried). */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000

/**
 * A command gives up after this long. Longer than a blocking XREAD waits
 * (REDIS_READ_BLOCK_MS), which node-redis's default (5 s) would cut short behind Sentinel.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 30_000

/** Times a command is re-sent to a newly discovered master during one failover. */
export const REDIS_SENTINEL_MAX_REDISCOVERS = 16

/**
 * Errors a failover or restart causes, after which the same command succeeds later: the
 * publisher keeps its entry and retries instead of dropping it.
 */
export function isTransientRedisError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err)
  return (
    /^(READONLY|LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|UNBLOCKED)\b/.test(message) ||
    /closed|disconnect|socket|timeout|ECONNRE|EPIPE/i.test(message)
  )
}

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

/** What both client kinds offer this module. */
interface RoadClient {
  sendCommand(args: Array<string | Buffer>): Promise<unknown>
  readonly isReady: boolean
  readonly isOpen: boolean
  on(event: string, listener: (...args: unknown[]) => void): unknown
  connect(): Promise<unknown>
  destroy(): unknown
}

const SOCKET = {
  connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
  reconnectStrategy: (retries: number) => reconnectDelayMs(retries),
}

/** User, password, database and TLS of the URL, for the master and replicas behind sentinels. */
function dataNodeOptions(url: string) {
  const u = new URL(url)
  const database = /^\/(\d+)$/.exec(u.pathname)?.[1]
  return {
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
    ...(database === undefined ? {} : { database: Number(database) }),
    disableOfflineQueue: true,
    socket: { ...SOCKET, ...(u.protocol === 'rediss:' ? { tls: true as const } : {}) },
  }
}

/** Where a connection goes; `stream` routes a cluster's commands (every key shares its slot). */
export type RedisTarget = Pick<RedisOptions, 'url' | 'sentinel' | 'cluster'> & { stream?: string }

function createClusterClient(target: RedisTarget): RoadClient {
  const routeKey = target.stream
  if (routeKey === undefined) throw new TypeError('a cluster connection needs the stream key')
  const { database: _ignored, ...defaults } = dataNodeOptions(target.url)
  const cluster = createCluster({
    rootNodes: [{ url: target.url }],
    defaults,
    commandOptions: { timeout: REDIS_COMMAND_TIMEOUT_MS },
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })
  return {
    sendCommand: (args) => cluster.sendCommand(routeKey, false, args),
    get isReady() {
      return cluster.isReady
    },
    get isOpen() {
      return cluster.isOpen
    },
    // A cluster says 'connect' once its slots are known: that is when it takes commands.
    on: (event, listener) => cluster.on(event === 'ready' ? 'connect' : event, listener),
    connect: () => cluster.connect(),
    destroy: () => cluster.destroy(),
  }
}

function createRoadClient(target: RedisTarget): RoadClient {
  const buffers = { [RESP_TYPES.BLOB_STRING]: Buffer }
  if (target.cluster === true) return createClusterClient(target)
  if (target.sentinel === undefined) {
    const client = createClient({ url: target.url, disableOfflineQueue: true, socket: SOCKET })
    return client.withTypeMapping(buffers) as unknown as RoadClient
  }
  const sentinel = createSentinel({
    name: target.sentinel.master,
    sentinelRootNodes: target.sentinel.nodes,
    nodeClientOptions: dataNodeOptions(target.url),
    sentinelClientOptions: { socket: SOCKET },
    masterPoolSize: 1,
    maxCommandRediscovers: REDIS_SENTINEL_MAX_REDISCOVERS,
    commandOptions: { timeout: REDIS_COMMAND_TIMEOUT_MS },
  }).withTypeMapping(buffers)
  return {
    sendCommand: (args) => sentinel.sendCommand(false, args),
    get isReady() {
      return sentinel.isReady
    },
    get isOpen() {
      return sentinel.isOpen
    },
    on: (event, listener) => sentinel.on(event, listener),
    connect: () => sentinel.connect(),
    destroy: () => sentinel.destroy(),
  }
}

export function createRedisConnection(
  target: RedisTarget,
  modules: RedisConnectionModules,
): RedisConnection {
  const { log, role } = modules
  const where = describeRedisTarget(target)
  const client = createRoadClient(target)

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
  // Behind Sentinel: one line per failover (the commands in flight are re-sent to the new master).
  // The first master is the one found at start, not a change.
  let master: string | null = null
  client.on('topology-change', (event: unknown) => {
    const change = event as { type?: string; node?: { host: string; port: number } }
    if (change.type !== 'MASTER_CHANGE' || change.node === undefined) return
    const now = `${change.node.host}:${change.node.port}`
    const before = master
    master = now
    if (before === null || before === now) return
    log.info({ redis: where, role, master: now }, 'redis master changed')
    modules.onReconnect?.()
  })

  let attempts = 0
  const connect = (): void => {
    if (closed) return
    client.connect().catch((err: unknown) => {
      if (closed) return
      if (attempts === 0) log.warn({ redis: where, role, err: String(err) }, 'redis connect failed')
      // A plain client retries by itself; sentinel and cluster clients give up at once.
      if ((target.sentinel !== undefined || target.cluster === true) && !client.isOpen) {
        setTimeout(connect, reconnectDelayMs(attempts++)).unref()
      }
    })
  }

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
      connect()
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
