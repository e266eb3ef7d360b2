/**
 * A mesh of 10 real gossip hosts (each its own libp2p over TCP on 127.0.0.1) in a ring where
 * every node dials its next two neighbours: degree 4, up to 3 hops between nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBlockBuilder } from '../../src/blocks/blockBuilder.ts'
import { GossipHostError } from '../../src/gossip/errors.ts'
import type { HostValidator } from '../../src/gossip/host.ts'
import { computeMessageId } from '../../src/wire/msgId.ts'
import {
  connect,
  connectRing,
  type MeshNode,
  realValidator,
  SEQUENCER_KEY,
  sleep,
  startNode,
  startNodes,
  stopAll,
  testBuilder,
  testChain,
  verdictsFor,
  waitFor,
  waitForMesh,
} from '../utils/mesh.ts'

const NODE_COUNT = 10
const chain = testChain()
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('e2e / gossip mesh', () => {
  let nodes: MeshNode[] = []
  let topic: string

  beforeAll(async () => {
    nodes = await startNodes(NODE_COUNT, { chain })
    await connectRing(nodes, 2)
    topic = nodes[0]?.host.topics[3] as string
    await waitForMesh(nodes, topic, 4)
  })
  afterAll(async () => {
    await stopAll(nodes)
  })

  it('a block published at one node reaches every other node exactly once', async () => {
    const block = testBuilder(chain, 11).next()
    const publisher = nodes[0] as MeshNode
    const published = await publisher.host.publish(block)
    const others = nodes.slice(1)
    expect(published.topic).toBe(topic)
    expect(published.messageId).toBe(hex(computeMessageId(topic, block.data)))
    expect(published.recipients.length).toBeGreaterThanOrEqual(4)

    await waitFor('every node to accept the block', () =>
      others.every((n) => n.received.length === 1),
    )
    await sleep(600) // duplicates, if any, would arrive within a heartbeat or two
    for (const node of others) {
      expect(node.received).toHaveLength(1)
      const got = node.received[0]
      expect(hex(got?.envelope.payload.blockHash ?? new Uint8Array())).toBe(hex(block.blockHash))
      expect(got?.topic).toBe(topic)
      expect(hex(got?.messageId ?? new Uint8Array())).toBe(published.messageId)
      expect(got?.firstSeenMs).toBeLessThanOrEqual(got?.validatedMs ?? 0)
      // The sender is one of this node's peers (a neighbour in the ring), never the node itself.
      expect(node.host.peers().map((p) => p.peerId)).toContain(got?.fromPeer)
      // gossipsub de-duplicated every further copy: one verdict per node.
      expect(verdictsFor(node, published.messageId).map((v) => v.verdict)).toEqual(['accept'])
      const counters = node.host.counters()
      expect(counters.received - counters.duplicates).toBe(1)
    }
    // The publisher does not get its own block back.
    expect(publisher.received).toHaveLength(0)
    expect(verdictsFor(publisher, published.messageId)).toHaveLength(0)
  })

  it('blocks from a sequencer anywhere in the mesh keep every node in sync', async () => {
    const builder = testBuilder(chain, 12)
    const before = nodes.map((n) => n.received.length)
    const senders = [3, 7, 5]
    for (const i of senders) await nodes[i]?.host.publish(builder.next())
    await waitFor('three more blocks everywhere but at each sender', () =>
      nodes.every(
        (n, i) => n.received.length - (before[i] as number) === (senders.includes(i) ? 2 : 3),
      ),
    )
  })

  it('refuses to publish a block its own validator rejects, or the same block twice', async () => {
    const builder = testBuilder(chain, 13)
    const old = builder.next({ timestamp: BigInt(Math.floor(Date.now() / 1000) - 600) })
    const node = nodes[1] as MeshNode
    await expect(node.host.publish(old)).rejects.toMatchObject({
      name: 'GossipHostError',
      code: 'GOSSIP_PUBLISH_INVALID',
    })
    const fresh = builder.next({ timestamp: BigInt(Math.floor(Date.now() / 1000)) })
    await node.host.publish(fresh)
    const again = node.host.publish(fresh)
    await expect(again).rejects.toBeInstanceOf(GossipHostError)
    // The validator already recorded it: op-node's DUPLICATE_BLOCK (ignore) comes first.
    await expect(again).rejects.toThrow(/ignore DUPLICATE_BLOCK/)
  })

  // Last: the 7th block at one height costs the publisher score with its neighbours.
  it('holds the per-height rules across the mesh: 6 distinct blocks per height, the 7th rejected', async () => {
    const parent = {
      hash: new Uint8Array(32).fill(7),
      number: 5000n,
      timestamp: BigInt(Math.floor(Date.now() / 1000)),
    }
    const variants = Array.from({ length: 7 }, (_, seed) =>
      createBlockBuilder({
        chain,
        privateKey: SEQUENCER_KEY,
        parent,
        seed: 100 + seed,
        txCount: 1,
      }).next(),
    )
    expect(new Set(variants.map((b) => hex(b.blockHash))).size).toBe(7)
    expect(new Set(variants.map((b) => b.blockNumber))).toEqual(new Set([5001n]))

    const publisher = nodes[0] as MeshNode
    const atHeight = (n: MeshNode) =>
      n.received.filter((b) => b.envelope.payload.blockNumber === 5001n)
    for (const block of variants.slice(0, 6)) await publisher.host.publish(block)
    await waitFor('six blocks at the height on every other node', () =>
      nodes.slice(1).every((n) => atHeight(n).length === 6),
    )
    // The publisher's own validator applies the rule to its own 7th block...
    await expect(publisher.host.publish(variants[6] as (typeof variants)[0])).rejects.toThrow(
      /reject TOO_MANY_BLOCKS_AT_HEIGHT/,
    )
    // ...and pushed out anyway, every receiving node rejects it and nobody relays it further.
    const seventh = await publisher.host.publishUnvalidatedForTesting(
      topic,
      variants[6]?.data as Uint8Array,
    )
    const neighbours = [1, 2, 8, 9]
    await waitFor('the neighbours to reject the 7th block', () =>
      neighbours.every((i) => verdictsFor(nodes[i] as MeshNode, seventh.messageId).length === 1),
    )
    await sleep(500)
    for (const [i, n] of nodes.entries()) {
      const verdicts = verdictsFor(n, seventh.messageId)
      if (neighbours.includes(i)) {
        expect(verdicts.map((v) => [v.verdict, v.reason])).toEqual([
          ['reject', 'TOO_MANY_BLOCKS_AT_HEIGHT'],
        ])
      } else {
        expect(verdicts).toHaveLength(0)
      }
      if (i !== 0) expect(atHeight(n)).toHaveLength(6)
    }
  })
})

describe('e2e / gossip mesh: message size', () => {
  it('publishes and relays a ~5 MB block (beyond the 4 MiB length-prefix default) over two hops', async () => {
    const line = await startNodes(3, { chain })
    try {
      await connect(line[0] as MeshNode, line[1] as MeshNode)
      await connect(line[1] as MeshNode, line[2] as MeshNode)
      const topic = line[0]?.host.topics[3] as string
      await waitForMesh(line.slice(0, 2), topic, 1)
      await waitFor(
        'the middle node meshed with both ends',
        () => line[1]?.host.meshPeers()[topic]?.length === 2,
      )
      // Random transactions compress to ~77%: 6 MiB decoded is ~4.8 MB on the wire.
      const block = testBuilder(chain, 14).next({ targetBytes: 6 * 2 ** 20 })
      expect(block.data.length).toBeGreaterThan(4 * 2 ** 20)
      const published = await line[0]?.host.publish(block)
      expect(published?.recipients).toEqual([line[1]?.host.peerId])
      await waitFor('the block at the far end', () => line[2]?.received.length === 1, 20_000)
      expect(line[2]?.received[0]?.fromPeer).toBe(line[1]?.host.peerId)
      expect(hex(line[2]?.received[0]?.envelope.payload.blockHash ?? new Uint8Array())).toBe(
        hex(block.blockHash),
      )
    } finally {
      await stopAll(line)
    }
  })
})

describe('e2e / gossip mesh: validation limits', () => {
  it("a full validation queue drops a new peer's messages unread; a validation past its deadline gives IGNORE", async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const real = realValidator(chain)
    let hang = false
    const slow: HostValidator = {
      async validate(topic, data, opts) {
        if (hang) return new Promise(() => {})
        await gate
        return real.validate(topic, data, opts)
      },
    }
    const sender = await startNode({ chain })
    const receiver = await startNode({
      chain,
      validator: slow,
      init: { validation: { queueMaxLength: 2, concurrency: 1, timeoutMs: 3000 } },
    })
    try {
      await connect(sender, receiver)
      const topic = sender.host.topics[3] as string
      await waitForMesh([sender, receiver], topic, 1)
      const builder = testBuilder(chain, 15)
      // 1 running + 2 waiting fit; the 4th and 5th find the queue full. The sender has had no
      // block accepted yet (not a preferred peer), so they are dropped before their ID is
      // computed: no verdict, not marked seen (messagePipeline.ts shedsFrom).
      const now = () => ({ timestamp: BigInt(Math.floor(Date.now() / 1000)) })
      for (let i = 0; i < 5; i++) await sender.host.publish(builder.next(now()))
      await waitFor('two messages dropped at the full queue', () => {
        return receiver.host.counters().queueFull === 2
      })
      expect(receiver.verdicts).toEqual([])
      expect(receiver.host.validationBacklog).toBe(2)
      release()
      await waitFor('the three queued blocks accepted', () => receiver.received.length === 3)

      // A validator that never answers: IGNORE at the deadline (3 s after first seen).
      hang = true
      await sender.host.publish(builder.next(now()))
      await waitFor('the timeout verdict', () => receiver.verdicts.length === 4, 8000)
      const timedOut = receiver.verdicts[3]
      expect([timedOut?.verdict, timedOut?.reason]).toEqual(['ignore', 'VALIDATION_TIMEOUT'])
      // libuv timers run on a millisecond clock: allow them to fire up to a few ms early.
      expect(timedOut?.totalMs).toBeGreaterThanOrEqual(2990)
      expect(timedOut?.totalMs).toBeLessThan(4500)
      const counters = receiver.host.counters()
      expect(counters).toMatchObject({ accepted: 3, rejected: 0, ignored: 1, queueFull: 2 })
      expect(counters.received).toBeGreaterThanOrEqual(4)
    } finally {
      await stopAll([sender, receiver])
    }
  })
})
