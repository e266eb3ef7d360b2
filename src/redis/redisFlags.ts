/**
 * The `--redis.*` flags of `op-gossip run` as data (commander-free) and their translation into
 * RedisOptions. Without `--redis.url` or `--redis.sentinel` the Redis road is off and nothing
 * else changes.
 */
import type { ChainConfig } from '../chains/types.ts'
import { OpGossipError } from '../util/errors.ts'
import {
  checkRedisOptions,
  DEFAULT_REDIS_MAXLEN,
  defaultRedisStream,
  REDIS_SENTINEL_DEFAULT_PORT,
  REDIS_SENTINEL_URL_DEFAULT,
  type RedisNodeAddress,
  type RedisOptions,
} from './redisOptions.ts'

const MAX_PORT = 65_535

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
    flags: '--redis.sentinel <host:port,...>',
    description: `Redis Sentinel nodes to ask for the master (port defaults to ${REDIS_SENTINEL_DEFAULT_PORT}); follows failovers. With it, --redis.url is optional and gives only user, password, database and rediss://`,
  },
  {
    flags: '--redis.sentinel.master <name>',
    description: 'the master name the sentinels monitor (needed with --redis.sentinel)',
  },
  {
    flags: '--redis.cluster [bool]',
    description:
      '--redis.url is one node of a Redis Cluster (the others are discovered); the stream key needs a hash tag (default {op-gossip:<chainId>:blocks})',
    defaultValue: 'false',
    bool: true,
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
  'redis.sentinel'?: string
  'redis.sentinel.master'?: string
  'redis.cluster'?: string | boolean
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
 * `host:port[,host:port...]` (IPv6 in brackets; port optional, REDIS_SENTINEL_DEFAULT_PORT).
 * @throws OpGossipError REDIS_CONFIG_INVALID on `--redis.sentinel`
 */
export function parseSentinelNodes(text: string): RedisNodeAddress[] {
  const items = text.split(',').map((s) => s.trim())
  if (items.some((s) => s === ''))
    bad('--redis.sentinel', `empty address in ${JSON.stringify(text)}`)
  return items.map((item) => {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+))(?::(\d+))?$/.exec(item)
    const host = match?.[1] ?? match?.[2]
    const port = match?.[3] === undefined ? REDIS_SENTINEL_DEFAULT_PORT : Number(match[3])
    if (host === undefined || port < 1 || port > MAX_PORT) {
      bad('--redis.sentinel', `must be host:port[,host:port...], got ${JSON.stringify(item)}`)
    }
    return { host, port }
  })
}

/**
 * The Redis options, or null when neither `--redis.url` nor `--redis.sentinel` is given (then
 * `--redis.publish` / `--redis.subscribe` alone are a mistake).
 * @throws OpGossipError REDIS_CONFIG_INVALID naming the flag
 */
export function parseRedisFlags(flags: RedisFlagValues, chain: ChainConfig): RedisOptions | null {
  const publish = parseBool('--redis.publish', flags['redis.publish'])
  const subscribe = parseBool('--redis.subscribe', flags['redis.subscribe'])
  const cluster = parseBool('--redis.cluster', flags['redis.cluster'])
  const sentinelText = flags['redis.sentinel']?.trim() ?? ''
  const master = flags['redis.sentinel.master']?.trim() ?? ''
  if (sentinelText === '' && master !== '') {
    bad('--redis.sentinel', 'is needed by --redis.sentinel.master')
  }
  if (sentinelText !== '' && master === '') {
    bad('--redis.sentinel.master', 'is needed by --redis.sentinel (the monitored master name)')
  }
  const given = flags['redis.url']?.trim() ?? ''
  const url = given === '' && sentinelText !== '' ? REDIS_SENTINEL_URL_DEFAULT : given
  if (url === '') {
    if (cluster) bad('--redis.url', 'is needed by --redis.cluster (one node of the cluster)')
    if (publish || subscribe) bad('--redis.url', 'is needed by --redis.publish / --redis.subscribe')
    return null
  }
  const maxLenText = (flags['redis.maxlen'] ?? String(DEFAULT_REDIS_MAXLEN)).trim()
  const maxLen = /^\d+$/.test(maxLenText) ? Number(maxLenText) : Number.NaN
  const opts: RedisOptions = {
    url,
    ...(sentinelText === ''
      ? {}
      : { sentinel: { master, nodes: parseSentinelNodes(sentinelText) } }),
    ...(cluster ? { cluster } : {}),
    publish,
    subscribe,
    stream: flags['redis.stream'] ?? defaultRedisStream(chain.chainId, cluster),
    maxLen,
  }
  checkRedisOptions(opts)
  return opts
}
