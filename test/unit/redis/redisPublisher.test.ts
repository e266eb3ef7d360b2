import { describe, expect, it } from 'vitest'
import type { RedisConnection } from '../../../src/redis/redisConnection.ts'
import {
  claimKey,
  createRedisPublisher,
  MAX_PUBLISH_BACKLOG,
  REDIS_CLAIM_TTL_MS,
} from '../../../src/redis/redisPublisher.ts'
import type { StreamEntry } from '../../../src/redis/streamEntry.ts'
import { silentLogger } from '../../../src/util/logger.ts'

const entry = (n: number): StreamEntry => ({
  topic: '/optimism/901/3/blocks',
  data: new Uint8Array([n]),
  blockNumber: BigInt(n),
  blockHash: `0x${'00'.repeat(32)}`,
  messageId: n.toString(16).padStart(40, '0'),
  firstSeenMs: n,
})

/** A connection that is down until `up()`; records each EVAL's claim key. */
function fakeConnection() {
  let ready = false
  let wake: Array<() => void> = []
  const claims: string[] = []
  const connection: RedisConnection = {
    get ready() {
      return ready
    },
    async command(args) {
      if (!ready) throw new Error('closed')
      expect(args.slice(0, 2).map(String)).toEqual(['EVAL', args[1]?.toString()])
      expect(String(args[5])).toBe(String(REDIS_CLAIM_TTL_MS))
      claims.push(String(args[4]))
      return Buffer.from('1-0')
    },
    whenReady: () => (ready ? Promise.resolve() : new Promise((r) => wake.push(r))),
    open() {},
    async close() {},
  }
  return {
    connection,
    claims,
    up() {
      ready = true
      for (const w of wake.splice(0)) w()
      wake = []
    },
  }
}

describe('redis / publisher', () => {
  it('keeps MAX_PUBLISH_BACKLOG blocks while Redis is away, drops the oldest past it, then appends in order', async () => {
    const fake = fakeConnection()
    const publisher = createRedisPublisher(
      { stream: 's', maxLen: 10 },
      { connection: fake.connection, log: silentLogger, metrics: null },
    )
    for (let i = 1; i <= MAX_PUBLISH_BACKLOG; i++) publisher.append(entry(i))
    expect(publisher.backlog()).toBe(MAX_PUBLISH_BACKLOG)
    publisher.append(entry(MAX_PUBLISH_BACKLOG + 1))
    expect(publisher.backlog()).toBe(MAX_PUBLISH_BACKLOG)
    fake.up()
    await publisher.drained()
    expect(publisher.backlog()).toBe(0)
    expect(fake.claims).toEqual(
      Array.from({ length: MAX_PUBLISH_BACKLOG }, (_, i) => claimKey('s', entry(i + 2).messageId)),
    )
    publisher.stop()
  })

  it('retries an append a failover refused (READONLY), drops one Redis refuses for good', async () => {
    const replies: Array<Error | string> = [
      new Error("READONLY You can't write against a read only replica."),
      new Error('READONLY still the old master'),
      '1-0',
      new Error('ERR wrong number of arguments'),
      '2-0',
    ]
    const sent: string[] = []
    const connection: RedisConnection = {
      ready: true,
      async command(args) {
        sent.push(String(args[4]))
        const reply = replies.shift()
        if (reply instanceof Error) throw reply
        return Buffer.from(reply ?? '')
      },
      whenReady: () => Promise.resolve(),
      open() {},
      async close() {},
    }
    const publisher = createRedisPublisher(
      { stream: 's', maxLen: 10 },
      { connection, log: silentLogger, metrics: null },
    )
    publisher.append(entry(1))
    publisher.append(entry(2))
    publisher.append(entry(3))
    await publisher.drained()
    const [one, two, three] = [1, 2, 3].map((n) => claimKey('s', entry(n).messageId))
    // block 1 three times (two refusals during the failover), block 2 once (refused, dropped)
    expect(sent).toEqual([one, one, one, two, three])
    publisher.stop()
  })
})
