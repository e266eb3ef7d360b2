import { describe, expect, it } from 'vitest'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { parseRedisFlags, parseSentinelNodes } from '../../../src/redis/redisFlags.ts'
import {
  DEFAULT_REDIS_MAXLEN,
  describeRedisTarget,
  hashTagOf,
  MIN_REDIS_MAXLEN,
  REDIS_SENTINEL_DEFAULT_PORT,
  REDIS_SENTINEL_URL_DEFAULT,
  scrubRedisUrl,
} from '../../../src/redis/redisOptions.ts'
import { OpGossipError } from '../../../src/util/errors.ts'

const chain = createDevnetChain()

function failure(fn: () => unknown): OpGossipError {
  try {
    fn()
  } catch (err) {
    if (err instanceof OpGossipError) return err
    throw err
  }
  throw new Error('no error')
}

describe('redis / flags', () => {
  it('is off without --redis.url', () => {
    expect(parseRedisFlags({}, chain)).toBeNull()
  })

  it('defaults the stream to op-gossip:<chainId>:blocks and maxlen to 10,000', () => {
    expect(
      parseRedisFlags({ 'redis.url': 'redis://127.0.0.1:6379', 'redis.subscribe': true }, chain),
    ).toEqual({
      url: 'redis://127.0.0.1:6379',
      publish: false,
      subscribe: true,
      stream: `op-gossip:${chain.chainId}:blocks`,
      maxLen: DEFAULT_REDIS_MAXLEN,
    })
    expect(DEFAULT_REDIS_MAXLEN).toBe(10_000)
  })

  it('takes rediss://, both roles, a stream and a maxlen down to MIN_REDIS_MAXLEN', () => {
    const opts = parseRedisFlags(
      {
        'redis.url': 'rediss://user:secret@redis.example:6380/0',
        'redis.publish': 'true',
        'redis.subscribe': 'true',
        'redis.stream': 'blocks',
        'redis.maxlen': String(MIN_REDIS_MAXLEN),
      },
      chain,
    )
    expect(opts).toMatchObject({ publish: true, subscribe: true, stream: 'blocks', maxLen: 1 })
  })

  it.each([
    [
      {
        'redis.url': 'redis://h',
        'redis.publish': true,
        'redis.maxlen': String(MIN_REDIS_MAXLEN - 1),
      },
      '--redis.maxlen',
    ],
    [{ 'redis.url': 'redis://h', 'redis.publish': true, 'redis.maxlen': '1e3' }, '--redis.maxlen'],
    [{ 'redis.url': 'http://h', 'redis.publish': true }, '--redis.url'],
    [{ 'redis.url': 'redis://h' }, '--redis.url'],
    [{ 'redis.publish': true }, '--redis.url'],
    [{ 'redis.url': 'redis://h', 'redis.publish': 'yes' }, '--redis.publish'],
    [{ 'redis.url': 'redis://h', 'redis.subscribe': true, 'redis.stream': ' ' }, '--redis.stream'],
  ])('refuses %j as a configuration error of %s', (flags, flag) => {
    const err = failure(() => parseRedisFlags(flags, chain))
    expect(err.kind).toBe('configuration')
    expect(err.flag).toBe(flag)
  })

  it('never shows the credentials of a bad URL', () => {
    const err = failure(() =>
      parseRedisFlags({ 'redis.url': 'http://user:hunter2@h', 'redis.publish': true }, chain),
    )
    expect(err.message).not.toContain('hunter2')
    expect(scrubRedisUrl('rediss://user:hunter2@h:1/0')).toBe('rediss://h:1/0')
  })

  it('finds the master through sentinels: host:port list, default port, IPv6 in brackets', () => {
    const opts = parseRedisFlags(
      {
        'redis.sentinel': '127.0.0.1:26380, sentinel-b ,[::1]:65535',
        'redis.sentinel.master': 'mymaster',
        'redis.subscribe': true,
      },
      chain,
    )
    expect(opts).toMatchObject({
      url: REDIS_SENTINEL_URL_DEFAULT,
      sentinel: {
        master: 'mymaster',
        nodes: [
          { host: '127.0.0.1', port: 26380 },
          { host: 'sentinel-b', port: REDIS_SENTINEL_DEFAULT_PORT },
          { host: '::1', port: 65_535 },
        ],
      },
    })
    expect(REDIS_SENTINEL_DEFAULT_PORT).toBe(26379)
  })

  it('with sentinels, --redis.url gives the credentials, never shown in the description', () => {
    const opts = parseRedisFlags(
      {
        'redis.url': 'rediss://app:hunter2@mymaster/2',
        'redis.sentinel': '10.0.0.1:26379',
        'redis.sentinel.master': 'mymaster',
        'redis.publish': true,
      },
      chain,
    )
    expect(opts?.url).toBe('rediss://app:hunter2@mymaster/2')
    const where = describeRedisTarget(opts as NonNullable<typeof opts>)
    expect(where).toBe('sentinel mymaster via 10.0.0.1:26379')
    expect(describeRedisTarget({ url: 'redis://u:hunter2@h:1' })).toBe('redis://h:1')
  })

  it.each([
    [{ 'redis.sentinel': '127.0.0.1:26379', 'redis.publish': true }, '--redis.sentinel.master'],
    [
      { 'redis.sentinel.master': 'm', 'redis.url': 'redis://h', 'redis.publish': true },
      '--redis.sentinel',
    ],
    [
      { 'redis.sentinel': 'h:65536', 'redis.sentinel.master': 'm', 'redis.publish': true },
      '--redis.sentinel',
    ],
    [
      { 'redis.sentinel': 'h:0', 'redis.sentinel.master': 'm', 'redis.publish': true },
      '--redis.sentinel',
    ],
    [
      { 'redis.sentinel': 'a:1,,b:2', 'redis.sentinel.master': 'm', 'redis.publish': true },
      '--redis.sentinel',
    ],
    [
      { 'redis.sentinel': 'a:b:c', 'redis.sentinel.master': 'm', 'redis.publish': true },
      '--redis.sentinel',
    ],
    [{ 'redis.sentinel': 'a:1', 'redis.sentinel.master': 'm' }, '--redis.url'],
  ])('refuses the sentinel flags %j as a configuration error of %s', (flags, flag) => {
    const err = failure(() => parseRedisFlags(flags, chain))
    expect(err.kind).toBe('configuration')
    expect(err.flag).toBe(flag)
  })

  it('reads sentinel addresses up to the highest port', () => {
    expect(parseSentinelNodes('h:65535')).toEqual([{ host: 'h', port: 65_535 }])
    expect(() => parseSentinelNodes('h:65536')).toThrow(OpGossipError)
  })

  it('in a cluster, defaults the stream to a hash-tagged key that its claim keys share', () => {
    const opts = parseRedisFlags(
      {
        'redis.url': 'redis://u:hunter2@10.0.0.1:7000',
        'redis.cluster': 'true',
        'redis.publish': true,
      },
      chain,
    )
    expect(opts).toMatchObject({ cluster: true, stream: `{op-gossip:${chain.chainId}:blocks}` })
    expect(describeRedisTarget(opts as NonNullable<typeof opts>)).toBe(
      'cluster via redis://10.0.0.1:7000',
    )
    expect(hashTagOf(`${opts?.stream}:claim:00ff`)).toBe(hashTagOf(opts?.stream ?? ''))
    const tagged = parseRedisFlags(
      {
        'redis.url': 'redis://h',
        'redis.cluster': true,
        'redis.stream': 'a:{x}:b',
        'redis.subscribe': true,
      },
      chain,
    )
    expect(tagged?.stream).toBe('a:{x}:b')
  })

  it('reads a hash tag as Redis does: the first {…} with something in it', () => {
    expect(hashTagOf('{a}:b')).toBe('a')
    expect(hashTagOf('x{a}{b}')).toBe('a')
    expect(hashTagOf('x{}y')).toBeNull()
    expect(hashTagOf('x{a')).toBeNull()
    expect(hashTagOf('plain')).toBeNull()
  })

  it.each([
    [
      {
        'redis.url': 'redis://h',
        'redis.cluster': true,
        'redis.stream': 'plain',
        'redis.publish': true,
      },
      '--redis.stream',
    ],
    [
      {
        'redis.url': 'redis://h',
        'redis.cluster': true,
        'redis.stream': 'x{}y',
        'redis.publish': true,
      },
      '--redis.stream',
    ],
    [
      {
        'redis.cluster': true,
        'redis.sentinel': 'h:1',
        'redis.sentinel.master': 'm',
        'redis.publish': true,
      },
      '--redis.cluster',
    ],
    [{ 'redis.cluster': true }, '--redis.url'],
    [
      { 'redis.url': 'redis://h', 'redis.cluster': 'maybe', 'redis.publish': true },
      '--redis.cluster',
    ],
  ])('refuses the cluster flags %j as a configuration error of %s', (flags, flag) => {
    const err = failure(() => parseRedisFlags(flags, chain))
    expect(err.kind).toBe('configuration')
    expect(err.flag).toBe(flag)
  })
})
