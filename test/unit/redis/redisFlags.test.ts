import { describe, expect, it } from 'vitest'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { parseRedisFlags } from '../../../src/redis/redisFlags.ts'
import {
  DEFAULT_REDIS_MAXLEN,
  MIN_REDIS_MAXLEN,
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
})
