/**
 * Replay of old blocks: a subscriber whose EL is far behind replays blocks older than the gossip
 * timestamp threshold (accepted for the EL, counted as replayed), more blocks than the Engine
 * driver buffers at once (back-pressure keeps every one of them), and a subscriber behind by more
 * than the stream holds says so once.
 */
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BuiltBlock, createBlockBuilder } from '../../src/blocks/blockBuilder.ts'
import { startElSim } from '../../src/engine/elSim.ts'
import { DEFAULT_TIMESTAMP_THRESHOLD_SECONDS } from '../../src/gossip/validator.ts'
import { createNode } from '../../src/node.ts'
import { REPLAY_MAX_AHEAD_OF_EL_BLOCKS } from '../../src/redis/redisSubscriber.ts'
import { encodeStreamEntry } from '../../src/redis/streamEntry.ts'
import { createLogger } from '../../src/util/logger.ts'
import { freshGenesis } from '../unit/metrics/observedNode.ts'
import { SEQUENCER_KEY, testChain, waitFor } from '../utils/mesh.ts'
import {
  hashHex,
  metricValue,
  newPayloadHashes,
  REDIS_JWT_SECRET,
  rawRedis,
  redisNodeOptions,
  startRedisNode,
  streamEntryOf,
} from '../utils/redisNodes.ts'
import { type RedisServer, skipWithoutRedis, startRedisServer } from '../utils/redisServer.ts'

const skip = skipWithoutRedis()
/** More than the Engine driver's 256-block buffer, and several back-pressure windows. */
const REPLAYED_BLOCKS = 300
const genesis = freshGenesis(REPLAYED_BLOCKS + DEFAULT_TIMESTAMP_THRESHOLD_SECONDS * 2)
const chain = testChain({ blockTime: 1, genesis })
const stream = `op-gossip:${chain.chainId}:blocks`

function oldBlocks(count: number): BuiltBlock[] {
  const builder = createBlockBuilder({ chain, privateKey: SEQUENCER_KEY, seed: 31, txCount: 1 })
  return Array.from({ length: count }, (_, i) =>
    builder.next({ timestamp: BigInt(genesis.l2Time + i + 1) }),
  )
}

describe.skipIf(skip)('e2e / redis road: replay', () => {
  let redis: RedisServer
  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it('replays blocks older than the gossip threshold, more than the driver buffers, all in order', async () => {
    expect(BigInt(REPLAYED_BLOCKS)).toBeGreaterThan(REPLAY_MAX_AHEAD_OF_EL_BLOCKS * 4n)
    const blocks = oldBlocks(REPLAYED_BLOCKS)
    const raw = await rawRedis(redis.url)
    for (const b of blocks) {
      const fields = encodeStreamEntry(streamEntryOf(b))
      await raw.command(['XADD', stream, '*', ...fields])
    }
    await raw.close()
    const sim = await startElSim({ chain, jwtSecret: REDIS_JWT_SECRET, syncDelayMs: 100 })
    const node = await startRedisNode(
      redisNodeOptions(chain, { url: redis.url, subscribe: true }, sim),
    )
    try {
      const tip = hashHex(blocks.at(-1) as BuiltBlock)
      await waitFor(
        'the EL at the tip',
        () => sim.chainState.head.hash.toLowerCase() === tip,
        60_000,
      )
      expect(newPayloadHashes(sim)).toEqual(blocks.map(hashHex))
      // Every one of them is older than the threshold: accepted for the EL as replayed.
      expect(
        await metricValue(node, 'op_gossip_redis_consumed_total', { outcome: 'replayed' }),
      ).toBe(REPLAYED_BLOCKS)
      expect(await metricValue(node, 'op_gossip_redis_rejected_total')).toBe(0)
    } finally {
      await node.stop()
      await sim.stop()
    }
  })

  it('behind by more than the stream holds: says so once, starts at the newest entry', async () => {
    const raw = await rawRedis(redis.url)
    await raw.command(['DEL', stream])
    // The stream lost blocks 1-9 (trimmed): it no longer reaches back to the EL at genesis.
    const blocks = oldBlocks(20).slice(9)
    for (const b of blocks) {
      const fields = encodeStreamEntry(streamEntryOf(b))
      await raw.command(['XADD', stream, '*', ...fields])
    }
    await raw.close()
    const sim = await startElSim({ chain, jwtSecret: REDIS_JWT_SECRET, syncDelayMs: 100 })
    const lines = new PassThrough()
    const logged: string[] = []
    lines.on('data', (chunk: Buffer) => logged.push(...chunk.toString('utf8').split('\n')))
    const node = createNode(redisNodeOptions(chain, { url: redis.url, subscribe: true }, sim), {
      logger: createLogger({ format: 'json', level: 'info', destination: lines }),
    })
    await node.start()
    try {
      const newest = hashHex(blocks.at(-1) as BuiltBlock)
      await waitFor('the newest block at the EL', () =>
        newPayloadHashes(sim).some((h) => h === newest),
      )
      expect(newPayloadHashes(sim)).toEqual([newest])
      const behind = logged.filter((l) => l.includes('redis stream does not reach back'))
      expect(behind).toHaveLength(1)
      expect(JSON.parse(behind[0] as string)).toMatchObject({ elHead: '0', oldestInStream: '10' })
    } finally {
      await node.stop()
      await sim.stop()
    }
  })
})
