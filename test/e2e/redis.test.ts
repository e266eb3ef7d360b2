/**
 * The Redis road with a real redis-server, real libp2p and el-sim over real HTTP + JWT, all on
 * 127.0.0.1: a gossip sequencer feeds a publisher node, a Redis-only subscriber node hands the
 * stream's blocks to its EL; it survives its own restart (exact replay) and a Redis restart.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { BuiltBlock } from '../../src/blocks/blockBuilder.ts'
import { type ElSim, startElSim } from '../../src/engine/elSim.ts'
import type { OpGossipNode } from '../../src/node.ts'
import { freshGenesis } from '../unit/metrics/observedNode.ts'
import { type MeshNode, startNode, stopAll, testChain, waitFor } from '../utils/mesh.ts'
import {
  freshBlocks,
  hashHex,
  meshWith,
  metricValue,
  newPayloadHashes,
  REDIS_JWT_SECRET,
  rawRedis,
  redisNodeOptions,
  startRedisNode,
} from '../utils/redisNodes.ts'
import { type RedisServer, skipWithoutRedis, startRedisServer } from '../utils/redisServer.ts'

const skip = skipWithoutRedis()
// A genesis 30 s ago: the blocks that follow it are fresh enough for gossip.
const chain = testChain({ blockTime: 1, genesis: freshGenesis(30) })
const stream = `op-gossip:${chain.chainId}:blocks`

describe.skipIf(skip)('e2e / redis road', () => {
  let redis: RedisServer
  const cleanups: Array<() => Promise<unknown>> = []
  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    await redis?.stop()
  })
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
    const raw = await rawRedis(redis.url)
    await raw.command(['FLUSHALL'])
    await raw.close()
  })

  async function el(): Promise<ElSim> {
    const sim = await startElSim({ chain, jwtSecret: REDIS_JWT_SECRET, syncDelayMs: 100 })
    cleanups.push(() => sim.stop())
    return sim
  }
  async function sequencer(): Promise<MeshNode> {
    const node = await startNode({ chain })
    cleanups.push(() => stopAll([node]))
    return node
  }
  async function node(opts: Parameters<typeof redisNodeOptions>[1], sim: ElSim | null) {
    const started = await startRedisNode(redisNodeOptions(chain, opts, sim))
    cleanups.push(() => started.stop())
    return started
  }
  const elHead = (sim: ElSim) => sim.chainState.head.hash.toLowerCase()

  it('publish → stream → subscribe → the EL gets each block, with the exact gossip bytes', async () => {
    const seq = await sequencer()
    const publisher = await node({ url: redis.url, publish: true }, null)
    const sim = await el()
    const subscriber = await node({ url: redis.url, subscribe: true }, sim)
    await meshWith(seq, publisher)
    const blocks = freshBlocks(chain, 11)
    const sent: BuiltBlock[] = []
    for (let i = 0; i < 3; i++) {
      const block = blocks.next()
      sent.push(block)
      await seq.host.publish(block)
      await waitFor(`the EL head at block ${i + 1}`, () => elHead(sim) === hashHex(block))
    }
    expect(newPayloadHashes(sim)).toEqual(sent.map(hashHex))
    const raw = await rawRedis(redis.url)
    const entries = await raw.entries(stream)
    await raw.close()
    expect(entries.map((e) => Buffer.from(e.entry.data))).toEqual(
      sent.map((b) => Buffer.from(b.data)),
    )
    expect(entries.map((e) => e.entry.blockNumber)).toEqual(sent.map((b) => b.blockNumber))
    expect(entries.every((e) => e.entry.topic === sent[0]?.topic)).toBe(true)
    expect(await metricValue(publisher, 'op_gossip_redis_published_total')).toBe(3)
    expect(
      await metricValue(subscriber, 'op_gossip_redis_consumed_total', { outcome: 'delivered' }),
    ).toBe(3)
  })

  it('a restarted subscriber replays exactly the blocks its EL lacks, in order, then follows live', async () => {
    const seq = await sequencer()
    const publisher = await node({ url: redis.url, publish: true }, null)
    await meshWith(seq, publisher)
    const sim = await el()
    const first = await node({ url: redis.url, subscribe: true }, sim)
    const blocks = freshBlocks(chain, 12)
    const sent: BuiltBlock[] = []
    const publishOne = async () => {
      const block = blocks.next()
      sent.push(block)
      await seq.host.publish(block)
      return block
    }
    for (let i = 0; i < 2; i++) {
      const block = await publishOne()
      await waitFor('the EL at the block', () => elHead(sim) === hashHex(block))
    }
    await first.stop()
    const before = newPayloadHashes(sim).length
    for (let i = 0; i < 3; i++) await publishOne()
    const raw = await rawRedis(redis.url)
    await waitFor('5 entries', async () => (await raw.entries(stream)).length === 5)
    await raw.close()

    await node({ url: redis.url, subscribe: true }, sim)
    await waitFor(
      'the EL at the newest block',
      () => elHead(sim) === hashHex(sent[4] as BuiltBlock),
    )
    expect(newPayloadHashes(sim).slice(before)).toEqual(sent.slice(2).map(hashHex))
    const live = await publishOne()
    await waitFor('the live block', () => elHead(sim) === hashHex(live))
    expect(newPayloadHashes(sim).slice(before)).toEqual(sent.slice(2).map(hashHex))
  })

  it('Redis killed and restarted mid-stream: nothing lost, gossip goes on, reconnects counted', async () => {
    const seq = await sequencer()
    const publisher = await node({ url: redis.url, publish: true }, null)
    await meshWith(seq, publisher)
    const sim = await el()
    const subscriber = await node({ url: redis.url, subscribe: true }, sim)
    const blocks = freshBlocks(chain, 13)
    const sent: BuiltBlock[] = []
    for (let i = 0; i < 2; i++) {
      const block = blocks.next()
      sent.push(block)
      await seq.host.publish(block)
      await waitFor('the EL at the block', () => elHead(sim) === hashHex(block))
    }
    await redis.kill()
    const gossipBefore = publisher.observability.timeline.last()?.number ?? 0
    for (let i = 0; i < 2; i++) {
      const block = blocks.next()
      sent.push(block)
      await seq.host.publish(block)
    }
    // Gossip keeps working while Redis is down; the publisher holds the blocks meanwhile.
    await waitFor('gossip without Redis', () => publisher.redis?.publisher?.backlog() === 2)
    expect(publisher.observability.timeline.last()?.number).toBe(gossipBefore + 2)
    await redis.start()
    await waitFor(
      'the EL at the newest block',
      () => elHead(sim) === hashHex(sent[3] as BuiltBlock),
      20_000,
    )
    expect(newPayloadHashes(sim)).toEqual(sent.map(hashHex))
    expect(await metricValue(publisher, 'op_gossip_redis_reconnects_total')).toBeGreaterThanOrEqual(
      1,
    )
    expect(
      await metricValue(subscriber, 'op_gossip_redis_reconnects_total'),
    ).toBeGreaterThanOrEqual(1)
  })

  it('two publishers write each block once; gossip-first blocks are deduped on a mixed node', async () => {
    const seq = await sequencer()
    const a = await node({ url: redis.url, publish: true }, null)
    const b = await node({ url: redis.url, publish: true }, null)
    await meshWith(seq, a)
    await meshWith(seq, b)
    const sim = await el()
    // Gossip and Redis on one node: whichever comes second is a duplicate, never a second block.
    const mixed: OpGossipNode = await node({ url: redis.url, subscribe: true }, sim)
    await meshWith(seq, mixed)
    const blocks = freshBlocks(chain, 14)
    const sent: BuiltBlock[] = []
    for (let i = 0; i < 4; i++) {
      const block = blocks.next()
      sent.push(block)
      await seq.host.publish(block)
      await waitFor('the EL at the block', () => elHead(sim) === hashHex(block))
    }
    const raw = await rawRedis(redis.url)
    await waitFor('both publishers done', async () => {
      const skipped =
        (await metricValue(a, 'op_gossip_redis_publish_skipped_total')) +
        (await metricValue(b, 'op_gossip_redis_publish_skipped_total'))
      return skipped === 4
    })
    const entries = await raw.entries(stream)
    await raw.close()
    expect(entries.map((e) => e.entry.blockHash)).toEqual(sent.map(hashHex))
    const published =
      (await metricValue(a, 'op_gossip_redis_published_total')) +
      (await metricValue(b, 'op_gossip_redis_published_total'))
    expect(published).toBe(4)
    await waitFor('every stream copy seen on the mixed node', async () => {
      const dup = await metricValue(mixed, 'op_gossip_redis_consumed_total', {
        outcome: 'duplicate',
      })
      const delivered = await metricValue(mixed, 'op_gossip_redis_consumed_total', {
        outcome: 'delivered',
      })
      return dup + delivered === 4
    })
    expect(newPayloadHashes(sim)).toEqual(sent.map(hashHex))
  })

  it('a node starts while Redis is down, keeps gossiping, and catches up once Redis is up', async () => {
    await redis.kill()
    const seq = await sequencer()
    const sim = await el()
    // Both roles on one node: gossip feeds its EL, and it publishes once Redis is there.
    const both = await node({ url: redis.url, publish: true, subscribe: true }, sim)
    await meshWith(seq, both)
    const blocks = freshBlocks(chain, 15)
    const block = blocks.next()
    await seq.host.publish(block)
    await waitFor('the EL at the gossip block', () => elHead(sim) === hashHex(block))
    expect(both.redis?.publisher?.backlog()).toBe(1)
    await redis.start()
    await waitFor('the backlog appended', () => both.redis?.publisher?.backlog() === 0, 20_000)
    const raw = await rawRedis(redis.url)
    const entries = await raw.entries(stream)
    expect(entries.map((e) => e.entry.blockHash)).toEqual([hashHex(block)])
    await raw.close()
    // The subscriber gets past its own stream copy of the gossip block: read live (a duplicate)
    // when it reconnected before the append, or started after it from the EL's head when it
    // reconnected later. Either way, never a second newPayload.
    await waitFor(
      'the subscriber past the entry',
      () => both.redis?.subscriber?.lastId() === entries[0]?.id,
    )
    const duplicates = await metricValue(both, 'op_gossip_redis_consumed_total', {
      outcome: 'duplicate',
    })
    expect([0, 1]).toContain(duplicates)
    expect(newPayloadHashes(sim)).toEqual([hashHex(block)])
  })

  it("a publishing sequencer appends its own blocks, with gossip's message ID", async () => {
    const peer = await sequencer()
    const own = await node({ url: redis.url, publish: true }, null)
    await meshWith(peer, own)
    const block = freshBlocks(chain, 16).next()
    const published = await own.host.publish(block)
    await waitFor('the gossip peer has it', () => peer.received.length === 1)
    const raw = await rawRedis(redis.url)
    await waitFor('the entry', async () => (await raw.entries(stream)).length === 1)
    const [entry] = await raw.entries(stream)
    await raw.close()
    expect(Buffer.from(entry?.entry.data ?? [])).toEqual(Buffer.from(block.data))
    expect(entry?.entry).toMatchObject({
      topic: published.topic,
      messageId: published.messageId,
      blockNumber: block.blockNumber,
      blockHash: hashHex(block),
    })
  })
})
