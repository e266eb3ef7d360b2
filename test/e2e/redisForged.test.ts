/**
 * Subscribers trust Redis for nothing: entries written straight into the stream by someone who
 * can write to Redis (wrong signer, bad block hash, oversized, not Snappy, malformed fields) are
 * refused and counted by reason, never reach the EL and never stop the reader. And a subscriber
 * that fell behind more than the stream holds says so once and lets the EL sync the gap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBlockBuilder, devnetKey, sealBlock } from '../../src/blocks/blockBuilder.ts'
import { startElSim } from '../../src/engine/elSim.ts'
import { encodeStreamEntry, MAX_ENTRY_DATA_BYTES } from '../../src/redis/streamEntry.ts'
import { freshGenesis } from '../unit/metrics/observedNode.ts'
import { SEQUENCER_KEY, testChain, waitFor } from '../utils/mesh.ts'
import {
  freshBlocks,
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
const chain = testChain({ blockTime: 1, genesis: freshGenesis(30) })
const stream = `op-gossip:${chain.chainId}:blocks`

describe.skipIf(skip)('e2e / redis road: forged entries', () => {
  let redis: RedisServer
  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it('refuses and counts every forged entry; the next real block still reaches the EL', async () => {
    const sim = await startElSim({ chain, jwtSecret: REDIS_JWT_SECRET, syncDelayMs: 100 })
    const node = await startRedisNode(
      redisNodeOptions(chain, { url: redis.url, subscribe: true }, sim),
    )
    const raw = await rawRedis(redis.url)
    try {
      const blocks = freshBlocks(chain, 21)
      const real = blocks.next()
      const intruder = createBlockBuilder({ chain, privateKey: devnetKey('intruder'), seed: 21 })
      const wrongSigner = intruder.next({ timestamp: real.timestamp })
      const payload = { ...real.envelope.payload, blockHash: new Uint8Array(32).fill(7) }
      const badHash = sealBlock({
        chainId: chain.chainId,
        privateKey: SEQUENCER_KEY,
        version: real.version,
        payload,
        ...(real.envelope.parentBeaconBlockRoot === undefined
          ? {}
          : { parentBeaconBlockRoot: real.envelope.parentBeaconBlockRoot }),
        keepBlockHash: true,
      })
      const add = (fields: Array<string | Buffer>) => raw.command(['XADD', stream, '*', ...fields])
      await add(encodeStreamEntry(streamEntryOf(wrongSigner)))
      await add(encodeStreamEntry({ ...streamEntryOf(real), data: badHash.data }))
      await add(
        encodeStreamEntry({
          ...streamEntryOf(real),
          data: new Uint8Array(MAX_ENTRY_DATA_BYTES + 1),
        }),
      )
      await add(encodeStreamEntry({ ...streamEntryOf(real), data: new Uint8Array(100).fill(0xff) }))
      await add(['data', Buffer.from(real.data), 'topic', real.topic])
      // A valid block at the same height (another branch) whose number field lies.
      const other = freshBlocks(chain, 22).next()
      await add(encodeStreamEntry({ ...streamEntryOf(other), blockNumber: other.blockNumber + 1n }))
      const rejected = (reason: string) =>
        metricValue(node, 'op_gossip_redis_rejected_total', { reason })
      await waitFor('six refusals', async () => {
        const reasons = [
          'WRONG_SIGNER',
          'BLOCK_HASH_MISMATCH',
          'ENTRY_OVERSIZED',
          'SNAPPY_BAD_HEADER',
          'ENTRY_MALFORMED',
          'ENTRY_FIELDS_MISMATCH',
        ]
        const counts = await Promise.all(reasons.map(rejected))
        return counts.every((c) => c === 1)
      })
      expect(newPayloadHashes(sim)).toEqual([])
      await add(encodeStreamEntry(streamEntryOf(real)))
      await waitFor('the real block at the EL', () => sim.chainState.head.hash === hashHex(real))
      expect(newPayloadHashes(sim)).toEqual([hashHex(real)])
    } finally {
      await raw.close()
      await node.stop()
      await sim.stop()
    }
  })
})
