/**
 * The gossipsub wire as a foreign peer sees it: a bare libp2p node speaking /meshsub/1.1.0 by
 * hand (length-prefixed protobuf RPCs) exchanges blocks with a gossip host. Checks StrictNoSign
 * both ways: what we publish carries only topic and data; what carries a seqno/author is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeMessageId } from '../../src/wire/msgId.ts'
import { type ForeignPeer, startForeignPeer } from '../utils/foreignPeer.ts'
import {
  type MeshNode,
  sleep,
  startNode,
  stopAll,
  testBuilder,
  testChain,
  waitFor,
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
