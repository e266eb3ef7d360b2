/**
 * The Redis road behind Redis Sentinel, with real servers (Debian's redis-server as master,
 * replica and sentinel): a publisher node and a subscriber node find the master through the
 * sentinel; blocks flow; a failover mid-stream promotes the replica, and the subscriber's EL
 * still gets every block exactly once, in order. The new master holds every entry appended before
 * the failover and after it; an entry the old master took in the failover window itself may be
 * missing there (Redis replicates asynchronously), never out of order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BuiltBlock } from '../../src/blocks/blockBuilder.ts'
import { type ElSim, startElSim } from '../../src/engine/elSim.ts'
import type { OpGossipNode } from '../../src/node.ts'
import { REDIS_SENTINEL_URL_DEFAULT } from '../../src/redis/redisOptions.ts'
import { decodeStreamEntry } from '../../src/redis/streamEntry.ts'
import { rangeEntriesOf } from '../../src/redis/streamReplies.ts'
import { freshGenesis } from '../unit/metrics/observedNode.ts'
import { type MeshNode, startNode, stopAll, testChain, waitFor } from '../utils/mesh.ts'
import {
  freshBlocks,
  hashHex,
  meshWith,
  metricValue,
  newPayloadHashes,
  REDIS_JWT_SECRET,
  redisNodeOptions,
  startRedisNode,
} from '../utils/redisNodes.ts'
import {
  type RedisSentinelSetup,
  SENTINEL_MASTER_NAME,
  startRedisSentinel,
} from '../utils/redisSentinel.ts'
import { skipWithoutRedis } from '../utils/redisServer.ts'

const skip = skipWithoutRedis()
const chain = testChain({ blockTime: 1, genesis: freshGenesis(30) })
const stream = `op-gossip:${chain.chainId}:blocks`
/** Blocks before, during and after the failover */
const BEFORE = 3
const DURING = 6
const AFTER = 3
/** Gap between blocks sent while the failover runs */
const DURING_INTERVAL_MS = 250

describe.skipIf(skip)('e2e / redis road behind Sentinel', () => {
  let setup: RedisSentinelSetup
  let seq: MeshNode
  let sim: ElSim
  const nodes: OpGossipNode[] = []
  beforeAll(async () => {
    setup = await startRedisSentinel()
  }, 30_000)
  afterAll(async () => {
    for (const node of nodes.reverse()) await node.stop()
    await sim?.stop()
    if (seq !== undefined) await stopAll([seq])
    await setup?.stop()
  })

  it('blocks flow through the sentinel and survive a failover mid-stream, none lost', async () => {
    const sentinel = {
      master: SENTINEL_MASTER_NAME,
      nodes: [{ host: '127.0.0.1', port: setup.sentinelPort }],
    }
    const url = REDIS_SENTINEL_URL_DEFAULT
    seq = await startNode({ chain })
    const publisher = await startRedisNode(
      redisNodeOptions(chain, { url, sentinel, publish: true }, null),
    )
    nodes.push(publisher)
    sim = await startElSim({ chain, jwtSecret: REDIS_JWT_SECRET, syncDelayMs: 100 })
    const subscriber = await startRedisNode(
      redisNodeOptions(chain, { url, sentinel, subscribe: true }, sim),
    )
    nodes.push(subscriber)
    await meshWith(seq, publisher)

    const blocks = freshBlocks(chain, 41)
    const sent: BuiltBlock[] = []
    const publishOne = async () => {
      const block = blocks.next()
      sent.push(block)
      await seq.host.publish(block)
      return block
    }
    const elAt = (block: BuiltBlock) =>
      waitFor(`the EL at block ${block.blockNumber}`, () => {
        return sim.chainState.head.hash.toLowerCase() === hashHex(block)
      })

    for (let i = 0; i < BEFORE; i++) await elAt(await publishOne())
    expect(await setup.currentMasterPort()).toBe(setup.masterPort)
    expect(await metricValue(subscriber, 'op_gossip_redis_reconnects_total')).toBe(0)

    // The failover runs while blocks keep coming.
    const failover = setup.failover()
    for (let i = 0; i < DURING; i++) {
      await publishOne()
      await new Promise((r) => setTimeout(r, DURING_INTERVAL_MS))
    }
    await failover
    expect(await setup.currentMasterPort()).toBe(setup.replicaPort)
    for (let i = 0; i < AFTER; i++) await elAt(await publishOne())

    // Every block reached the EL once, in order: nothing lost across the failover.
    expect(newPayloadHashes(sim)).toEqual(sent.map(hashHex))
    // The promoted replica holds the entries appended before the failover and after it, in order.
    const entries = rangeEntriesOf(
      await setup.command(setup.replicaPort, ['XRANGE', stream, '-', '+']),
    )
    const numbers = entries.map((e) => {
      const decoded = decodeStreamEntry(e.fields)
      return decoded.ok ? decoded.entry.blockNumber : -1n
    })
    const sentNumbers = sent.map((b) => b.blockNumber)
    expect(numbers.slice(0, BEFORE)).toEqual(sentNumbers.slice(0, BEFORE))
    expect(numbers.slice(-AFTER)).toEqual(sentNumbers.slice(-AFTER))
    expect(numbers.every((n, i) => i === 0 || n > (numbers[i - 1] as bigint))).toBe(true)
    expect(numbers.every((n) => sentNumbers.includes(n))).toBe(true)
    // Both nodes noticed the new master, once.
    expect(await metricValue(subscriber, 'op_gossip_redis_reconnects_total')).toBe(1)
    expect(await metricValue(publisher, 'op_gossip_redis_reconnects_total')).toBe(1)
    expect(await metricValue(subscriber, 'op_gossip_redis_rejected_total')).toBe(0)
  }, 60_000)
})
