/**
 * The Redis road in a Redis Cluster, with real servers (three masters from Debian's
 * redis-server): a publisher node and a subscriber node are given a node that does not own the
 * stream's slot; the cluster client finds the owner, the hash-tagged stream and claim keys share
 * its slot (the claim-and-append script runs), and the subscriber's EL gets every block.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BuiltBlock } from '../../src/blocks/blockBuilder.ts'
import { type ElSim, startElSim } from '../../src/engine/elSim.ts'
import type { OpGossipNode } from '../../src/node.ts'
import { defaultRedisStream } from '../../src/redis/redisOptions.ts'
import { claimKey } from '../../src/redis/redisPublisher.ts'
import { decodeStreamEntry } from '../../src/redis/streamEntry.ts'
import { rangeEntriesOf } from '../../src/redis/streamReplies.ts'
import { freshGenesis } from '../unit/metrics/observedNode.ts'
import { type MeshNode, startNode, stopAll, testChain, waitFor } from '../utils/mesh.ts'
import { type RedisClusterSetup, startRedisCluster } from '../utils/redisCluster.ts'
import {
  freshBlocks,
  hashHex,
  meshWith,
  metricValue,
  newPayloadHashes,
  REDIS_JWT_SECRET,
  redisNodeOptions,
  startRedisNode,
  streamEntryOf,
} from '../utils/redisNodes.ts'
import { skipWithoutRedis } from '../utils/redisServer.ts'

const skip = skipWithoutRedis()
const chain = testChain({ blockTime: 1, genesis: freshGenesis(30) })
const stream = defaultRedisStream(chain.chainId, true)
const BLOCKS = 4

describe.skipIf(skip)('e2e / redis road in a Redis Cluster', () => {
  let setup: RedisClusterSetup
  let seq: MeshNode
  let sim: ElSim
  const nodes: OpGossipNode[] = []
  beforeAll(async () => {
    setup = await startRedisCluster()
  }, 30_000)
  afterAll(async () => {
    for (const node of nodes.reverse()) await node.stop()
    await sim?.stop()
    if (seq !== undefined) await stopAll([seq])
    await setup?.stop()
  })

  it('publish → stream → subscribe through a node that does not own the slot', async () => {
    expect(stream).toBe(`{op-gossip:${chain.chainId}:blocks}`)
    const owner = await setup.ownerOf(stream)
    const seed = setup.ports.find((p) => p !== owner) as number
    const url = `redis://127.0.0.1:${seed}`
    seq = await startNode({ chain })
    const publisher = await startRedisNode(
      redisNodeOptions(chain, { url, cluster: true, stream, publish: true }, null),
    )
    nodes.push(publisher)
    sim = await startElSim({ chain, jwtSecret: REDIS_JWT_SECRET, syncDelayMs: 100 })
    const subscriber = await startRedisNode(
      redisNodeOptions(chain, { url, cluster: true, stream, subscribe: true }, sim),
    )
    nodes.push(subscriber)
    await meshWith(seq, publisher)

    const blocks = freshBlocks(chain, 43)
    const sent: BuiltBlock[] = []
    for (let i = 0; i < BLOCKS; i++) {
      const block = blocks.next()
      sent.push(block)
      await seq.host.publish(block)
      await waitFor(`the EL at block ${block.blockNumber}`, () => {
        return sim.chainState.head.hash.toLowerCase() === hashHex(block)
      })
    }
    expect(newPayloadHashes(sim)).toEqual(sent.map(hashHex))
    // The entries and their claims live on the slot's owner.
    const entries = rangeEntriesOf(await setup.command(owner, ['XRANGE', stream, '-', '+']))
    expect(
      entries.map((e) => {
        const decoded = decodeStreamEntry(e.fields)
        return decoded.ok ? decoded.entry.blockNumber : -1n
      }),
    ).toEqual(sent.map((b) => b.blockNumber))
    const claim = claimKey(stream, streamEntryOf(sent[0] as BuiltBlock).messageId)
    expect(await setup.command(owner, ['EXISTS', claim])).toBe(1)
    expect(await metricValue(publisher, 'op_gossip_redis_published_total')).toBe(BLOCKS)
    expect(
      await metricValue(subscriber, 'op_gossip_redis_consumed_total', { outcome: 'delivered' }),
    ).toBe(BLOCKS)
  }, 60_000)
})
