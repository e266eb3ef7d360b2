import { describe, expect, it } from 'vitest'
import {
  isTransientRedisError,
  REDIS_COMMAND_TIMEOUT_MS,
  REDIS_RECONNECT_MAX_DELAY_MS,
  REDIS_RECONNECT_MIN_DELAY_MS,
  reconnectDelayMs,
} from '../../../src/redis/redisConnection.ts'
import { REDIS_READ_BLOCK_MS } from '../../../src/redis/redisSubscriber.ts'

describe('redis / connection', () => {
  it('lets a blocking XREAD wait its full time before a command times out', () => {
    expect(REDIS_COMMAND_TIMEOUT_MS).toBeGreaterThan(REDIS_READ_BLOCK_MS)
  })

  it('doubles the reconnect delay from the minimum up to the maximum', () => {
    expect(reconnectDelayMs(0)).toBe(REDIS_RECONNECT_MIN_DELAY_MS)
    expect(reconnectDelayMs(1)).toBe(REDIS_RECONNECT_MIN_DELAY_MS * 2)
    expect(reconnectDelayMs(1000)).toBe(REDIS_RECONNECT_MAX_DELAY_MS)
  })

  it('tells failover errors (retry the same append) from errors of the command itself', () => {
    for (const message of [
      "READONLY You can't write against a read only replica.",
      'LOADING Redis is loading the dataset in memory',
      'MASTERDOWN Link with MASTER is down',
      'UNBLOCKED force unblock from blocking operation',
      'The client is closed',
      'Socket closed unexpectedly',
      'connect ECONNREFUSED 127.0.0.1:6379',
    ]) {
      expect(isTransientRedisError(new Error(message)), message).toBe(true)
    }
    for (const message of [
      'ERR wrong number of arguments',
      'WRONGTYPE Operation against a key holding the wrong kind of value',
      'OOM command not allowed when used memory > maxmemory',
    ]) {
      expect(isTransientRedisError(new Error(message)), message).toBe(false)
    }
  })
})
