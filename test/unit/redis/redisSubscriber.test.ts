import { describe, expect, it } from 'vitest'
import type { AcceptedBlock } from '../../../src/gossip/types.ts'
import type { ValidationResult } from '../../../src/gossip/validator.ts'
import type { RedisConnection } from '../../../src/redis/redisConnection.ts'
import {
  createRedisSubscriber,
  REPLAY_MAX_AHEAD_OF_EL_BLOCKS,
} from '../../../src/redis/redisSubscriber.ts'
import { encodeStreamEntry } from '../../../src/redis/streamEntry.ts'
import { silentLogger } from '../../../src/util/logger.ts'
import { computeMessageId } from '../../../src/wire/msgId.ts'
import { waitFor } from '../../utils/mesh.ts'

const hashOf = (n: number) => new Uint8Array(32).fill(n % 256)
const hexOf = (n: number) => `0x${Buffer.from(hashOf(n)).toString('hex')}`

/** A stream of `count` entries (blocks 1..count) read in one XREAD; then reads block forever. */
function fakeConnection(count: number): RedisConnection {
  let served = false
  const entries = Array.from({ length: count }, (_, i) => [
    Buffer.from(`${i + 1}-0`),
    encodeStreamEntry({
      topic: 't',
      data: new Uint8Array([i + 1]),
      blockNumber: BigInt(i + 1),
      blockHash: hexOf(i + 1),
      messageId: Buffer.from(computeMessageId('t', new Uint8Array([i + 1]))).toString('hex'),
      firstSeenMs: 0,
    }).map((f) => Buffer.from(f)),
  ])
  let release: (() => void) | null = null
  return {
    ready: true,
    async command(args) {
      if (String(args[0]) === 'XREVRANGE') return []
      if (served) await new Promise<void>((r) => (release = r))
      served = true
      return [['s', entries]]
    },
    whenReady: async () => {},
    open() {},
    async close() {
      release?.()
    },
  }
}

/** Accepts every entry as the block its single data byte names. */
function validate(_topic: string, data: Uint8Array): ValidationResult {
  const n = data[0] as number
  return {
    verdict: 'accept',
    reason: null,
    envelope: { payload: { blockNumber: BigInt(n), blockHash: hashOf(n), timestamp: 0n } },
  } as unknown as ValidationResult
}

describe('redis / subscriber', () => {
  it('hands the EL blocks up to REPLAY_MAX_AHEAD_OF_EL_BLOCKS past its head, the next once it moves', async () => {
    const limit = Number(REPLAY_MAX_AHEAD_OF_EL_BLOCKS)
    let elHead = 0n
    const delivered: AcceptedBlock[] = []
    const subscriber = createRedisSubscriber(
      { stream: 's', timestampThresholdSeconds: 60 },
      {
        connection: fakeConnection(limit + 1),
        validate,
        deliver: (block) => void delivered.push(block),
        elHead: () => elHead,
        log: silentLogger,
        metrics: null,
      },
    )
    subscriber.start()
    try {
      await waitFor('the blocks within the window', () => delivered.length === limit)
      await new Promise((r) => setTimeout(r, 50))
      expect(delivered).toHaveLength(limit)
      elHead = 1n
      await waitFor('the block past the window', () => delivered.length === limit + 1)
      expect(delivered.map((b) => b.envelope.payload.blockNumber)).toEqual(
        Array.from({ length: limit + 1 }, (_, i) => BigInt(i + 1)),
      )
      expect(delivered[0]?.fromPeer).toBe('redis')
    } finally {
      await subscriber.stop()
    }
  })
})
