/**
 * The gossipsub wire as a foreign peer sees it: a bare libp2p node speaking /meshsub/1.1.0 by
 * hand (length-prefixed protobuf RPCs) exchanges blocks with a gossip host. Checks StrictNoSign
 * both ways: what we publish carries only topic and data; what carries a seqno/author is refused,
 * and so is a message carrying a `from` field alone (go-libp2p-pubsub's RejectUnexpectedAuthInfo;
 * patches/strictNoSignAuthor.ts): not delivered, not relayed to a third node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBlockBuilder } from '../../src/blocks/blockBuilder.ts'
import { IDONTWANT_IDS_PER_RPC } from '../../src/patches/idontwantPerRpc.ts'
import { computeMessageId } from '../../src/wire/msgId.ts'
import { type ForeignPeer, startForeignPeer } from '../utils/foreignPeer.ts'
import {
  connect,
  type MeshNode,
  SEQUENCER_KEY,
  sleep,
  startNode,
  stopAll,
  testBuilder,
  testChain,
  waitFor,
  waitForMesh,
} from '../utils/mesh.ts'

const MESHSUB = '/meshsub/1.1.0'
const chain = testChain()
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('e2e / gossip wire (a hand-written meshsub peer)', () => {
  let node: MeshNode
  let foreign: ForeignPeer
  let topic: string

  beforeAll(async () => {
    node = await startNode({ chain })
    topic = node.host.topics[3] as string
    foreign = await startForeignPeer(node.address, MESHSUB, topic)
    await waitFor('the host to graft us', () =>
      (node.host.meshPeers()[topic] ?? []).includes(foreign.node.peerId.toString()),
    )
  })
  afterAll(async () => {
    await foreign.node.stop()
    await stopAll([node])
  })

  it('announces exactly the four block topics', async () => {
    await waitFor('the subscriptions', () => foreign.inbox.some((r) => r.subscriptions.length > 0))
    const topics = foreign.inbox.flatMap((r) =>
      r.subscriptions.filter((s) => s.subscribe === true).map((s) => s.topic),
    )
    expect(topics.sort()).toEqual([...node.host.topics].sort())
  })

  it('publishes messages with only topic and data (StrictNoSign, no author)', async () => {
    const block = testBuilder(chain, 51).next()
    await node.host.publish(block)
    await waitFor('our block', () => foreign.inbox.some((r) => r.messages.length > 0))
    const msg = foreign.inbox.flatMap((r) => r.messages)[0]
    expect(msg?.topic).toBe(topic)
    expect(hex(msg?.data ?? new Uint8Array())).toBe(hex(block.data))
    expect(msg?.from).toBeUndefined()
    expect(msg?.seqno).toBeUndefined()
    expect(msg?.signature).toBeUndefined()
    expect(msg?.key).toBeUndefined()
  })

  it('accepts an unsigned message from a foreign peer, with op-node message IDs', async () => {
    const block = testBuilder(chain, 52).next()
    foreign.send({ messages: [{ topic, data: block.data }] })
    await waitFor('the block accepted', () => node.received.length === 1)
    expect(node.received[0]?.fromPeer).toBe(foreign.node.peerId.toString())
    expect(hex(node.received[0]?.messageId ?? new Uint8Array())).toBe(
      hex(computeMessageId(topic, block.data)),
    )
  })

  it('refuses a message carrying a seqno and an author, and penalises the sender', async () => {
    const before = node.verdicts.length
    const block = testBuilder(chain, 53).next()
    foreign.send({
      messages: [
        {
          topic,
          data: block.data,
          from: foreign.node.peerId.toMultihash().bytes,
          seqno: new Uint8Array(8).fill(1),
        },
      ],
    })
    await waitFor(
      'the penalty',
      () => (node.host.peerScores()[foreign.node.peerId.toString()] ?? 0) < 0,
    )
    await sleep(200)
    // Dropped before validation: no verdict, no block.
    expect(node.verdicts.length).toBe(before)
    expect(node.received).toHaveLength(1)
  })
})

describe('e2e / gossip wire: StrictNoSign on receipt (a `from` field alone)', () => {
  let node: MeshNode
  let third: MeshNode
  let foreign: ForeignPeer
  let topic: string

  beforeAll(async () => {
    node = await startNode({ chain })
    third = await startNode({ chain })
    topic = node.host.topics[3] as string
    await connect(node, third)
    await waitForMesh([node, third], topic, 1)
    foreign = await startForeignPeer(node.address, MESHSUB, topic)
    await waitFor('the host to graft us', () =>
      (node.host.meshPeers()[topic] ?? []).includes(foreign.node.peerId.toString()),
    )
  })
  afterAll(async () => {
    await foreign.node.stop()
    await stopAll([node, third])
  })

  it('refuses it before validation, penalises the sender and relays nothing', async () => {
    const block = testBuilder(chain, 54).next()
    foreign.send({
      messages: [{ topic, data: block.data, from: foreign.node.peerId.toMultihash().bytes }],
    })
    await waitFor(
      'the penalty',
      () => (node.host.peerScores()[foreign.node.peerId.toString()] ?? 0) < 0,
    )
    await sleep(300)
    expect(node.verdicts).toHaveLength(0)
    expect(node.received).toHaveLength(0)
    expect(third.verdicts).toHaveLength(0)
    expect(third.received).toHaveLength(0)

    // The same block without the field is accepted and relayed: the path itself works.
    foreign.send({ messages: [{ topic, data: block.data }] })
    await waitFor('the block relayed to the third node', () => third.received.length === 1)
    expect(node.received).toHaveLength(1)
    expect(hex(third.received[0]?.envelope.payload.blockHash ?? new Uint8Array())).toBe(
      hex(block.blockHash),
    )
  })
})

describe('e2e / gossip wire: IDONTWANT once per received RPC (patches/idontwantPerRpc.ts)', () => {
  let node: MeshNode
  let sender: ForeignPeer
  let watcher: ForeignPeer
  let topic: string

  beforeAll(async () => {
    node = await startNode({ chain })
    topic = node.host.topics[3] as string
    sender = await startForeignPeer(node.address, MESHSUB, topic)
    // Only a gossipsub v1.2 peer is sent IDONTWANT.
    watcher = await startForeignPeer(node.address, '/meshsub/1.2.0', topic)
    await waitFor('the host to graft the watcher', () =>
      (node.host.meshPeers()[topic] ?? []).includes(watcher.node.peerId.toString()),
    )
  })
  afterAll(async () => {
    await sender.node.stop()
    await watcher.node.stop()
    await stopAll([node])
  })

  it('an RPC of several large blocks gives each mesh peer one IDONTWANT per 10 of their IDs', async () => {
    // Above the 1 KB IDONTWANT threshold, so every block is announced.
    const builder = createBlockBuilder({
      chain,
      privateKey: SEQUENCER_KEY,
      seed: 55,
      targetBytes: 4000,
    })
    const blocks = Array.from({ length: IDONTWANT_IDS_PER_RPC + 2 }, () => builder.next())
    expect(blocks.every((b) => b.data.length >= 1024)).toBe(true)
    sender.send({ messages: blocks.map((b) => ({ topic, data: b.data })) })
    // Later blocks are too far in the future to accept; IDONTWANT goes out before validation.
    await waitFor('a verdict on every block', () => node.verdicts.length === blocks.length)
    const idontwants = watcher.inbox.filter((r) => (r.control?.idontwant.length ?? 0) > 0)
    const ids = idontwants.flatMap((r) => r.control?.idontwant.flatMap((i) => i.messageIDs) ?? [])
    // Without the patch: one RPC per block.
    expect(idontwants).toHaveLength(2)
    expect(ids.map(hex).sort()).toEqual(
      blocks.map((b) => hex(computeMessageId(topic, b.data))).sort(),
    )
    // Not sent back to the peer the blocks came from.
    expect(sender.inbox.some((r) => (r.control?.idontwant.length ?? 0) > 0)).toBe(false)
  })
})
