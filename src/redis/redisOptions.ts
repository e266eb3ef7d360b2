/**
 * Options of the Redis road (`--redis.*`): a second way for signed blocks, through one Redis
 * stream, next to gossip, on one server or behind Redis Sentinel. The URL may carry credentials:
 * it is never logged, only its scrubbed form (`scrubRedisUrl`, `describeRedisTarget`).
 */

import { OpGossipError } from '../util/errors.ts'
import { scrubUrl } from '../util/scrubUrl.ts'

/**
 * Stream length kept by publishers (XADD MAXLEN ~, approximate trimming): how far back a
 * restarted subscriber can replay. @default 10_000 entries
 */
export const DEFAULT_REDIS_MAXLEN = 10_000

/** The lowest --redis.maxlen that still leaves room for a replay. */
export const MIN_REDIS_MAXLEN = 1

/** Default stream key: one stream per chain (in a cluster, the whole key is the hash tag). */
export function defaultRedisStream(chainId: number, cluster = false): string {
  const key = `op-gossip:${chainId}:blocks`
  return cluster ? `{${key}}` : key
}

/**
 * The key's Redis Cluster hash tag (what its slot is computed from: the text between the first
 * `{` and the next `}`), or null when it has none. The claim keys start with the stream key, so
 * a stream with a tag puts them in its slot.
 */
export function hashTagOf(key: string): string | null {
  const open = key.indexOf('{')
  if (open < 0) return null
  const close = key.indexOf('}', open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : null
}

/** A Redis Sentinel node (`--redis.sentinel host:port`). */
export interface RedisNodeAddress {
  host: string
  port: number
}

/** The master a set of sentinels watches (`--redis.sentinel`, `--redis.sentinel.master`). */
export interface RedisSentinelTarget {
  /** The master's name in the sentinels' configuration (`sentinel monitor <name> ...`) */
  master: string
  /** Sentinels to ask for the master (the others are discovered from them) */
  nodes: RedisNodeAddress[]
}

/** Port of a sentinel given without one (Redis Sentinel's default). */
export const REDIS_SENTINEL_DEFAULT_PORT = 26379

/**
 * `--redis.url` when only sentinels are given: the URL then carries no host (the sentinels name
 * the master), only what it is given for (user, password, database, rediss://).
 */
export const REDIS_SENTINEL_URL_DEFAULT = 'redis://'

export interface RedisOptions {
  /**
   * `redis://` or `rediss://` URL; credentials allowed, never logged. With `sentinel`, its host
   * and port are not used: its user, password, database and TLS apply to the master and replicas
   */
  url: string
  /** Find the master through these sentinels (and follow its failovers). @default none */
  sentinel?: RedisSentinelTarget
  /**
   * `url` is one node of a Redis Cluster (the others are discovered); the stream key must carry
   * a hash tag so its claim keys share its slot. @default false
   */
  cluster?: boolean
  /** Append every block accepted from gossip and every block this node publishes. @default false */
  publish: boolean
  /** Consume the stream and hand its blocks to the node's consumers. @default false */
  subscribe: boolean
  /** Stream key. @default `op-gossip:<chainId>:blocks` */
  stream: string
  /** Approximate stream length publishers keep (entries). @default DEFAULT_REDIS_MAXLEN */
  maxLen: number
}

const REDIS_PROTOCOLS = new Set(['redis:', 'rediss:'])

/** The URL without user name and password (for logs and errors). */
export const scrubRedisUrl = scrubUrl

/** Where the road's Redis is, for logs: never a credential. */
export function describeRedisTarget(
  opts: Pick<RedisOptions, 'url' | 'sentinel' | 'cluster'>,
): string {
  if (opts.cluster === true) return `cluster via ${scrubRedisUrl(opts.url)}`
  if (opts.sentinel === undefined) return scrubRedisUrl(opts.url)
  const nodes = opts.sentinel.nodes.map((n) => `${formatHost(n.host)}:${n.port}`).join(',')
  return `sentinel ${opts.sentinel.master} via ${nodes}`
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

/**
 * Checks the options work together.
 * @throws OpGossipError REDIS_CONFIG_INVALID (configuration, with the flag)
 */
export function checkRedisOptions(opts: RedisOptions): void {
  const bad = (flag: string, message: string): never => {
    throw new OpGossipError('REDIS_CONFIG_INVALID', message, { kind: 'configuration', flag })
  }
  let protocol = ''
  try {
    protocol = new URL(opts.url).protocol
  } catch {
    // reported below
  }
  if (!REDIS_PROTOCOLS.has(protocol)) {
    bad('--redis.url', `must be a redis:// or rediss:// URL, got ${scrubRedisUrl(opts.url)}`)
  }
  if (!opts.publish && !opts.subscribe) {
    bad('--redis.url', 'needs --redis.publish and/or --redis.subscribe')
  }
  if (opts.sentinel !== undefined) {
    if (opts.sentinel.master.trim() === '') bad('--redis.sentinel.master', 'must not be empty')
    if (opts.sentinel.nodes.length === 0) bad('--redis.sentinel', 'needs at least one host:port')
  }
  if (opts.stream.trim() === '') bad('--redis.stream', 'must not be empty')
  if (opts.cluster === true) {
    if (opts.sentinel !== undefined)
      bad('--redis.cluster', 'and --redis.sentinel exclude each other')
    if (hashTagOf(opts.stream) === null) {
      bad(
        '--redis.stream',
        `needs a hash tag in a cluster (e.g. {${opts.stream}}) so the claim keys share its slot`,
      )
    }
  }
  if (!Number.isSafeInteger(opts.maxLen) || opts.maxLen < MIN_REDIS_MAXLEN) {
    bad('--redis.maxlen', `must be an integer >= ${MIN_REDIS_MAXLEN}, got ${opts.maxLen}`)
  }
}
