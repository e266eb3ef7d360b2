/**
 * The `--redis.*` flags of `op-gossip run` as data (commander-free) and their translation into
 * RedisOptions. Without `--redis.url` the Redis road is off and nothing else changes.
 */
import type { ChainConfig } from '../chains/types.ts'
import { OpGossipError } from '../util/errors.ts'
import {
  checkRedisOptions,
  DEFAULT_REDIS_MAXLEN,
  defaultRedisStream,
  type RedisOptions,
} from './redisOptions.ts'

export const REDIS_FLAG_SPECS: readonly {
  flags: string
  description: string
  defaultValue?: string
  bool?: boolean
}[] = [
  {
    flags: '--redis.url <url>',
    description:
      'redis:// or rediss:// URL of the Redis that carries signed blocks next to gossip (credentials allowed, never logged); see docs/redis.md',
  },
  {
    flags: '--redis.publish [bool]',
    description: 'append every block accepted from gossip and every own block to the stream',
    defaultValue: 'false',
    bool: true,
  },
  {
    flags: '--redis.subscribe [bool]',
    description: 'consume the stream: its blocks are validated like gossip blocks and go to the EL',
    defaultValue: 'false',
    bool: true,
  },
  {
    flags: '--redis.stream <key>',
    description: `stream key (default: ${defaultRedisStream(0).replace('0', '<chainId>')})`,
  },
  {
    flags: '--redis.maxlen <entries>',
    description:
      'stream length publishers keep (approximate trimming); how far back a replay reaches',
    defaultValue: String(DEFAULT_REDIS_MAXLEN),
  },
]

/** Commander's keys for the flags above. */
export interface RedisFlagValues {
  'redis.url'?: string
  'redis.publish'?: string | boolean
  'redis.subscribe'?: string | boolean
  'redis.stream'?: string
  'redis.maxlen'?: string
}

function bad(flag: string, message: string): never {
  throw new OpGossipError('REDIS_CONFIG_INVALID', message, { kind: 'configuration', flag })
}

function parseBool(flag: string, value: string | boolean | undefined): boolean {
  if (value === undefined || typeof value === 'boolean') return value ?? false
  const text = value.trim().toLowerCase()
  if (text === 'true' || text === '1') return true
  if (text === 'false' || text === '0') return false
  return bad(flag, `must be true or false, got ${JSON.stringify(value)}`)
}

/**
 * The Redis options, or null when `--redis.url` is not given (then `--redis.publish` /
 * `--redis.subscribe` alone are a mistake).
 * @throws OpGossipError REDIS_CONFIG_INVALID naming the flag
 */
export function parseRedisFlags(flags: RedisFlagValues, chain: ChainConfig): RedisOptions | null {
  const publish = parseBool('--redis.publish', flags['redis.publish'])
  const subscribe = parseBool('--redis.subscribe', flags['redis.subscribe'])
  const url = flags['redis.url']
  if (url === undefined || url.trim() === '') {
    if (publish || subscribe) bad('--redis.url', 'is needed by --redis.publish / --redis.subscribe')
    return null
  }
  const maxLenText = (flags['redis.maxlen'] ?? String(DEFAULT_REDIS_MAXLEN)).trim()
  const maxLen = /^\d+$/.test(maxLenText) ? Number(maxLenText) : Number.NaN
  const opts: RedisOptions = {
    url: url.trim(),
    publish,
    subscribe,
    stream: flags['redis.stream'] ?? defaultRedisStream(chain.chainId),
    maxLen,
  }
  checkRedisOptions(opts)
  return opts
}
