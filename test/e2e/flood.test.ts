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
 * - A fresh identity flooding random-signature blocks (IGNOREd, never penalised) gets only the
 *   unproven budget validated and is banned after one more unproven burst of drops, while a
 *   proven peer's blocks all arrive (gossip/inboundRateLimit.ts).
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { signatureTemplate, withRandomSignature } from '../../src/devnet/attackMessages.ts'
import type { HostValidator } from '../../src/gossip/host.ts'
import {
  DEFAULT_UNPROVEN_MESSAGE_BURST,
  DEFAULT_UNPROVEN_MESSAGES_PER_SECOND,
  FLOOD_DROPS_FACTOR,
} from '../../src/gossip/inboundRateLimit.ts'
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

  it('bans each fresh identity flooding random-signature blocks after its unproven budget; honest blocks all arrive', async () => {
    // Default limits and the real validator: the attacker's blocks are only refused at the
    // signature, after a decompression, a hash and a signature recovery each.
    const node = await startNode({ chain })
    const sequencer = await startNode({ chain })
    nodes.push(node, sequencer)
    await connect(sequencer, node)
    const topic = sequencer.host.topics[3] as string
    await waitForMesh([sequencer, node], topic, 1)
    const builder = testBuilder(chain, 66)
    const now = () => ({ timestamp: BigInt(Math.floor(Date.now() / 1000)) })
    // The sequencer's first block is first-seen and accepted: the sequencer is proven.
    await sequencer.host.publish(builder.next(now()))
    await waitFor('the first block accepted', () => node.received.length === 1)

    /** Each peer's messages the gate dropped, and that count and the time when it was banned */
    const drops = new Map<string, number>()
    const atBan = new Map<string, { drops: number; ms: number }>()
    node.host.events.on('inbound:rate-limited', ({ peerId }) =>
      drops.set(peerId, (drops.get(peerId) ?? 0) + 1),
    )
    node.host.events.on('peer:ban', (b) =>
      atBan.set(b.peerId, { drops: drops.get(b.peerId) ?? 0, ms: performance.now() }),
    )
    const template = signatureTemplate(testBuilder(chain, 67).next(now()))
    const IDENTITIES = 3
    const MESSAGES_PER_IDENTITY = 200 // as `bench attack` rotates
    const BATCH = 25
    const flooders: { id: string; startedMs: number }[] = []
    let flooding = true
    const flood = (async () => {
      for (let i = 0; i < IDENTITIES && flooding; i++) {
        const f = await startForeignPeer(node.address, MESHSUB, topic)
        foreign.push(f)
        const id = f.node.peerId.toString()
        flooders.push({ id, startedMs: performance.now() })
        for (let sent = 0; sent < MESSAGES_PER_IDENTITY && !atBan.has(id); sent += BATCH) {
          const messages = Array.from({ length: BATCH }, () => ({
            topic,
            data: withRandomSignature(template),
          }))
          try {
            f.send({ messages })
          } catch {
            break // the host closed the connection: banned
          }
          await sleep(10)
        }
        await waitFor('the flooder banned', () => atBan.has(id))
      }
    })()

    const sent: string[] = []
    for (let i = 0; i < 10; i++) {
      const block = builder.next(now())
      sent.push(hex(block.blockHash))
      await sequencer.host.publish(block)
      await sleep(200)
    }
    await flood.finally(() => {
      flooding = false
    })
    await waitFor('every sequencer block accepted', () =>
      sent.every((h) => node.received.some((b) => hex(b.envelope.payload.blockHash) === h)),
    )
    expect(flooders).toHaveLength(IDENTITIES)
    const unprovenFlood = FLOOD_DROPS_FACTOR * DEFAULT_UNPROVEN_MESSAGE_BURST
    for (const f of flooders) {
      const ban = atBan.get(f.id)
      // Banned at exactly one unproven burst of drops.
      expect(ban?.drops).toBe(unprovenFlood)
      // Validated: the unproven burst, plus what its bucket refilled until the ban (and the
      // RPCs already read when the connection closed: one token more).
      const validated = node.verdicts.filter((v) => v.fromPeer === f.id)
      const refilled =
        Math.ceil((((ban?.ms ?? 0) - f.startedMs) / 1000) * DEFAULT_UNPROVEN_MESSAGES_PER_SECOND) +
        1
      expect(validated.length).toBeGreaterThanOrEqual(DEFAULT_UNPROVEN_MESSAGE_BURST)
      expect(validated.length).toBeLessThanOrEqual(DEFAULT_UNPROVEN_MESSAGE_BURST + refilled)
      expect(validated.every((v) => v.verdict !== 'accept')).toBe(true)
      expect(node.host.bans().some((b) => b.peerId === f.id)).toBe(true)
    }
    // The sequencer, proven, lost nothing and was never limited or banned.
    const fromSequencer = node.received.filter((b) => b.fromPeer === sequencer.host.peerId)
    expect(fromSequencer).toHaveLength(11)
    expect(atBan.has(sequencer.host.peerId)).toBe(false)
    expect(drops.has(sequencer.host.peerId)).toBe(false)
  })

  it('gives a peer that was first with a valid block the full budget, a fresh one the unproven budget', async () => {
    const node = await startNode({ chain })
    nodes.push(node)
    const block = testBuilder(chain, 68).next({
      timestamp: BigInt(Math.floor(Date.now() / 1000)),
    })
    const topic = block.topic
    const relay = await foreignPeer(node, topic)
    const fresh = await foreignPeer(node, topic)
    const relayId = relay.node.peerId.toString()
    const freshId = fresh.node.peerId.toString()
    const payload = snappyUncompress(block.data, snappyDecodedLength(block.data))
    const COPIES = 100 // above the unproven burst, below the proven one
    const copies = () =>
      Array.from({ length: COPIES }, (_, i) => ({ topic, data: snappyLiterals(payload, 100 + i) }))

    // The relay is first with the block: accepted, so it is proven.
    relay.send({ messages: [{ topic, data: block.data }] })
    await waitFor('the block accepted', () => node.received.length === 1)
    expect(node.received[0]?.fromPeer).toBe(relayId)

    // Its re-encoded copies (duplicates) all get an ID: the proven burst holds them.
    const before = node.host.counters()
    relay.send({ messages: copies() })
    await waitFor(
      'every copy of the proven relay read',
      () => node.host.counters().received === before.received + COPIES,
    )
    expect(node.host.counters().rateLimited).toBe(before.rateLimited)

    // The same copies from a fresh identity: the unproven burst, then one burst of drops, a ban.
    const startedMs = performance.now()
    fresh.send({ messages: copies() })
    await waitFor('the fresh flooder banned', () => node.bans.some((b) => b.peerId === freshId))
    const read = node.host.counters().received - before.received - COPIES
    const refilled = Math.ceil(
      ((performance.now() - startedMs) / 1000) * DEFAULT_UNPROVEN_MESSAGES_PER_SECOND,
    )
    expect(read).toBeGreaterThanOrEqual(DEFAULT_UNPROVEN_MESSAGE_BURST)
    expect(read).toBeLessThanOrEqual(DEFAULT_UNPROVEN_MESSAGE_BURST + refilled)
    expect(node.bans.some((b) => b.peerId === relayId)).toBe(false)
  })
})
