/**
 * Options of the Redis road (`--redis.*`): a second way for signed blocks, through one Redis
 * stream, next to gossip. The URL may carry credentials: it is never logged, only its scrubbed
 * form (`scrubRedisUrl`).
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

/** Default stream key: one stream per chain. */
export function defaultRedisStream(chainId: number): string {
  return `op-gossip:${chainId}:blocks`
}

export interface RedisOptions {
  /** `redis://` or `rediss://` URL; credentials allowed, never logged */
  url: string
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
  if (opts.stream.trim() === '') bad('--redis.stream', 'must not be empty')
  if (!Number.isSafeInteger(opts.maxLen) || opts.maxLen < MIN_REDIS_MAXLEN) {
    bad('--redis.maxlen', `must be an integer >= ${MIN_REDIS_MAXLEN}, got ${opts.maxLen}`)
  }
}
