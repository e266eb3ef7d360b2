/**
 * Under a flood, over real TCP: hand-written meshsub peers (test/utils/foreignPeer.ts) send to a
 * gossip host whose validation queue is tiny, so the flood is a handful of messages.
 * - A block dropped without validation is still validated when an honest peer sends it a moment
 *   later: dropped before its ID at a full queue (the sender is not preferred), or evicted from
 *   the queue after its ID was computed (patches/unvalidatedNotSeen.ts).
 * - Re-encoded copies of a block cost a bounded amount per peer: past the peer's burst they are
 *   dropped before their message ID is computed (gossip/inboundRateLimit.ts).
 * - A flood from rotating identities keeps the validation queue full, yet every block from an
 *   clean mesh peer is validated and accepted (fair queuing, gossip/validationQueue.ts).
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { HostValidator } from '../../src/gossip/host.ts'
import { snappyCompress, snappyDecodedLength, snappyUncompress } from '../../src/wire/snappy.ts'
import { type ForeignPeer, startForeignPeer } from '../utils/foreignPeer.ts'
import {
  connect,
  type MeshNode,
  realValidator,
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

/** A validator that holds every validation until `release()` (a slow, flooded node). */
function heldValidator(): { validator: HostValidator; release(): void } {
  const real = realValidator(chain)
  let release!: () => void
  const gate = new Promise<void>((r) => {
    release = r
  })
  return {
    validator: {
      async validate(topic, data, opts) {
        await gate
        return real.validate(topic, data, opts)
      },
    },
    release: () => release(),
  }
}

function varint(n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return out
}

/** The same bytes as Snappy literals of `chunk` bytes each: a different encoding per chunk size. */
function snappyLiterals(data: Uint8Array, chunk: number): Uint8Array {
  const out: number[] = varint(data.length)
  for (let at = 0; at < data.length; at += chunk) {
    const piece = data.subarray(at, Math.min(at + chunk, data.length))
    const n = piece.length - 1
    if (n < 60) out.push(n << 2)
    else out.push(61 << 2, n & 0xff, n >>> 8)
    for (const b of piece) out.push(b)
  }
  return new Uint8Array(out)
}

describe('e2e / flood', () => {
  const nodes: MeshNode[] = []
  const foreign: ForeignPeer[] = []
  afterEach(async () => {
    await Promise.all(foreign.splice(0).map((f) => f.node.stop()))
    await stopAll(nodes.splice(0))
  })

  async function foreignPeer(node: MeshNode, topic: string): Promise<ForeignPeer> {
    const peer = await startForeignPeer(node.address, MESHSUB, topic)
    foreign.push(peer)
    await waitFor('the host to graft the foreign peer', () =>
      (node.host.meshPeers()[topic] ?? []).includes(peer.node.peerId.toString()),
    )
    return peer
  }

  it('validates an honest copy of a block whose first copy found the queue full', async () => {
    const held = heldValidator()
    const node = await startNode({
      chain,
      validator: held.validator,
      init: { validation: { queueMaxLength: 1, concurrency: 1, timeoutMs: 3000 } },
    })
    nodes.push(node)
    const block = testBuilder(chain, 61).next()
    const topic = block.topic
    const flooder = await foreignPeer(node, topic)
    const honest = await foreignPeer(node, topic)

    // Two junk messages take the one running and the one waiting place; the block finds none.
    const junk = () => ({ topic, data: snappyCompress(randomBytes(2000)) })
    flooder.send({ messages: [junk(), junk()] })
    await waitFor('the queue filled', () => node.host.validationBacklog === 1)
    const receivedBefore = node.host.counters().received
    flooder.send({ messages: [{ topic, data: block.data }] })
    // The flooder is not a preferred peer: at a full queue its block is dropped unread (no ID,
    // no verdict, not marked seen).
    await waitFor('the block dropped at the full queue', () => node.host.counters().queueFull === 1)
    expect(node.verdicts).toEqual([])
    expect(node.host.counters().received).toBe(receivedBefore)

    held.release()
    await waitFor('the junk validated', () => node.verdicts.length === 2)
    honest.send({ messages: [{ topic, data: block.data }] })
    await waitFor('the honest copy accepted', () => node.received.length === 1)
    expect(node.received[0]?.fromPeer).toBe(honest.node.peerId.toString())
    expect(hex(node.received[0]?.envelope.payload.blockHash ?? new Uint8Array())).toBe(
      hex(block.blockHash),
    )
    const verdict = node.verdicts.at(-1)
    expect([verdict?.verdict, verdict?.fromPeer]).toEqual(['accept', honest.node.peerId.toString()])
  })

  it('validates an honest copy of a block whose first copy was evicted unvalidated (not left seen)', async () => {
    // A validator that holds every validation while `holding`.
    const real = realValidator(chain)
    let opened: () => void = () => {}
    let gate: Promise<void> = Promise.resolve()
    const hold = () => {
      gate = new Promise((r) => {
        opened = r
      })
    }
    const validator: HostValidator = {
      async validate(topic, data, opts) {
        await gate
        return real.validate(topic, data, opts)
      },
    }
    const node = await startNode({
      chain,
      validator,
      init: { validation: { queueMaxLength: 1, concurrency: 1, timeoutMs: 3000 } },
    })
    nodes.push(node)
    const builder = testBuilder(chain, 65)
    const [first, second, third] = [builder.next(), builder.next(), builder.next()]
    const topic = first.topic
    const flooder = await foreignPeer(node, topic)
    const honest = await foreignPeer(node, topic)

    // A block of the honest mesh peer accepted: its messages are served first from now on.
    honest.send({ messages: [{ topic, data: first.data }] })
    await waitFor('the first block accepted', () => node.received.length === 1)

    // The flooder's junk runs (held) and its copy of `second` waits in the one place.
    hold()
    flooder.send({ messages: [{ topic, data: snappyCompress(randomBytes(2000)) }] })
    await waitFor('the junk running', () => node.host.counters().received === 2)
    flooder.send({ messages: [{ topic, data: second.data }] })
    await waitFor('the block waiting', () => node.host.validationBacklog === 1)
    // The honest peer's block takes that place: the flooder's copy is evicted unvalidated.
    honest.send({ messages: [{ topic, data: third.data }] })
    await waitFor('the waiting block evicted', () =>
      node.verdicts.some((v) => v.reason === 'VALIDATION_QUEUE_FULL'),
    )
    const evicted = node.verdicts.find((v) => v.reason === 'VALIDATION_QUEUE_FULL')
    expect([evicted?.verdict, evicted?.fromPeer]).toEqual([
      'ignore',
      flooder.node.peerId.toString(),
    ])

    // Its ID was computed, then forgotten (patches/unvalidatedNotSeen.ts): the honest copy is
    // validated, not dropped as a duplicate.
    opened()
    await waitFor('the third block accepted', () => node.received.length === 2)
    honest.send({ messages: [{ topic, data: second.data }] })
    await waitFor('the honest copy of the evicted block accepted', () => node.received.length === 3)
    expect(hex(node.received[2]?.envelope.payload.blockHash ?? new Uint8Array())).toBe(
      hex(second.blockHash),
    )
    expect(node.received[2]?.fromPeer).toBe(honest.node.peerId.toString())
  })

  it("bounds a peer's re-encoded duplicates by its rate limit, before message IDs", async () => {
    const burst = 5
    const node = await startNode({
      chain,
      init: { inboundMessages: { perPeerPerSecond: 1, burst } },
    })
    nodes.push(node)
    const block = testBuilder(chain, 62).next()
    const topic = block.topic
    const flooder = await foreignPeer(node, topic)
    const honest = await foreignPeer(node, topic)
    const payload = snappyUncompress(block.data, snappyDecodedLength(block.data))

    // 40 encodings of one block, each different on the wire.
    const copies = Array.from({ length: 40 }, (_, i) => ({
      topic,
      data: snappyLiterals(payload, 100 + i),
    }))
    expect(new Set(copies.map((c) => hex(c.data))).size).toBe(40)
    flooder.send({ messages: copies })
    await waitFor('the first copy accepted', () => node.received.length === 1)
    await sleep(300)
    // At most the burst (and a token refilled meanwhile) had an ID computed; the rest were
    // dropped unread.
    const received = node.host.counters().received
    expect(received).toBeGreaterThanOrEqual(1)
    expect(received).toBeLessThanOrEqual(burst + 1)
    expect(node.verdicts).toHaveLength(1)

    // Another peer is not held back by the flooder's rate.
    const next = testBuilder(chain, 63).next()
    honest.send({ messages: [{ topic: next.topic, data: next.data }] })
    await waitFor('the honest block accepted', () => node.received.length === 2)
    expect(node.received[1]?.fromPeer).toBe(honest.node.peerId.toString())
  })

  it('delivers every block of a clean mesh peer while rotating identities flood', async () => {
    // Each validation takes a few ms, so the flood outruns the validator and fills the queue.
    const real = realValidator(chain)
    const slow: HostValidator = {
      async validate(topic, data, opts) {
        await sleep(3)
        return real.validate(topic, data, opts)
      },
    }
    const node = await startNode({
      chain,
      validator: slow,
      init: {
        // Flooders are neither graylisted nor rate-limited (and so not banned for flooding): the
        // queue has to hold on its own.
        scoring: 'none',
        inboundMessages: { perPeerPerSecond: 0 },
        validation: { queueMaxLength: 32, concurrency: 1, timeoutMs: 3000 },
      },
    })
    const sequencer = await startNode({ chain })
    nodes.push(node, sequencer)
    await connect(sequencer, node)
    const topic = sequencer.host.topics[3] as string
    await waitForMesh([sequencer, node], topic, 1)
    // A first block accepted: the sequencer is now a mesh peer with a clean history.
    const builder = testBuilder(chain, 64)
    const now = () => ({ timestamp: BigInt(Math.floor(Date.now() / 1000)) })
    await sequencer.host.publish(builder.next(now()))
    await waitFor('the first block accepted', () => node.received.length === 1)

    const flooders = await Promise.all(
      Array.from({ length: 8 }, () => startForeignPeer(node.address, MESHSUB, topic)),
    )
    foreign.push(...flooders)
    const junk = () => ({ topic, data: snappyCompress(randomBytes(512)) })
    let flooding = true
    const flood = (async () => {
      while (flooding) {
        for (const f of flooders) f.send({ messages: Array.from({ length: 30 }, junk) })
        await sleep(20)
      }
    })()

    const sent: string[] = []
    for (let i = 0; i < 15; i++) {
      const block = builder.next(now())
      sent.push(hex(block.blockHash))
      await sequencer.host.publish(block)
      await sleep(200)
    }
    flooding = false
    await flood
    await waitFor('every sequencer block accepted', () =>
      sent.every((h) => node.received.some((b) => hex(b.envelope.payload.blockHash) === h)),
    )
    // The flood did fill the queue: junk was turned away (refused, or dropped unread while the
    // queue was full) while the blocks went through.
    expect(node.host.counters().queueFull).toBeGreaterThan(0)
    const fromSequencer = node.received.filter((b) => b.fromPeer === sequencer.host.peerId)
    expect(fromSequencer).toHaveLength(16)
  })
})
