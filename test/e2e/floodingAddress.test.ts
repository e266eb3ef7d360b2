/**
 * Over real TCP: fresh identities from one address flood random-signature blocks. With per-IP
 * defences on, the address is refused once FLOOD_BANS_TO_REFUSE_ADDRESS of them were banned for
 * flooding: the next identity's connection is dropped before its handshake. When a proven peer
 * (first with an accepted block) is connected from the same address, as behind a shared NAT, the
 * address stays open and each flooder is banned on its own (gossip/floodingAddresses.ts).
 * Every node here is 127.0.0.1, so "one address" is the loopback address.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { signatureTemplate, withRandomSignature } from '../../src/devnet/attackMessages.ts'
import { FLOOD_BANS_TO_REFUSE_ADDRESS } from '../../src/gossip/floodingAddresses.ts'
import { type ForeignPeer, startForeignPeer } from '../utils/foreignPeer.ts'
import {
  connect,
  type MeshNode,
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
const BATCH = 25
const now = () => ({ timestamp: BigInt(Math.floor(Date.now() / 1000)) })

describe('e2e / flooding address', () => {
  const nodes: MeshNode[] = []
  const foreign: ForeignPeer[] = []
  afterEach(async () => {
    await Promise.all(foreign.splice(0).map((f) => f.node.stop()))
    await stopAll(nodes.splice(0))
  })

  /** Per-IP defences on, as on a real network; the rest as the other flood tests. */
  const startGuardedNode = () =>
    startNode({ chain, init: { ipColocation: true, inboundConnectionsPerIpPerSecond: 1000 } })

  /** Connects a fresh identity, or returns null when the host refuses the connection. */
  async function tryFreshIdentity(node: MeshNode, topic: string): Promise<ForeignPeer | null> {
    try {
      const peer = await startForeignPeer(node.address, MESHSUB, topic)
      foreign.push(peer)
      return peer
    } catch {
      return null
    }
  }

  /** Floods random-signature blocks from `peer` until the host bans it. */
  async function floodUntilBanned(node: MeshNode, peer: ForeignPeer, topic: string) {
    const id = peer.node.peerId.toString()
    const template = signatureTemplate(testBuilder(chain, 90).next(now()))
    const banned = () => node.bans.some((b) => b.peerId === id)
    for (let sent = 0; sent < 400 && !banned(); sent += BATCH) {
      const messages = Array.from({ length: BATCH }, () => ({
        topic,
        data: withRandomSignature(template),
      }))
      try {
        peer.send({ messages })
      } catch {
        break
      }
      await sleep(10)
    }
    await waitFor('the flooder banned', banned)
  }

  it('refuses the address after its identities were banned for flooding', async () => {
    const node = await startGuardedNode()
    nodes.push(node)
    const topic = node.host.topics[3] as string
    for (let i = 0; i < FLOOD_BANS_TO_REFUSE_ADDRESS; i++) {
      const peer = await tryFreshIdentity(node, topic)
      expect(peer, `identity ${i + 1} connects`).not.toBeNull()
      await floodUntilBanned(node, peer as ForeignPeer, topic)
    }
    // Refused at accept: the next identity never gets a connection.
    expect(await tryFreshIdentity(node, topic)).toBeNull()
    expect(node.connects).toHaveLength(FLOOD_BANS_TO_REFUSE_ADDRESS)
  })

  it('keeps the address open while a proven peer is connected from it', async () => {
    const node = await startGuardedNode()
    const sequencer = await startGuardedNode()
    nodes.push(node, sequencer)
    await connect(sequencer, node)
    const topic = sequencer.host.topics[3] as string
    await waitForMesh([sequencer, node], topic, 1)
    // First with an accepted block: the sequencer is proven.
    await sequencer.host.publish(testBuilder(chain, 91).next(now()))
    await waitFor('the block accepted', () => node.received.length === 1)

    for (let i = 0; i <= FLOOD_BANS_TO_REFUSE_ADDRESS; i++) {
      const peer = await tryFreshIdentity(node, topic)
      expect(peer, `identity ${i + 1} connects`).not.toBeNull()
      await floodUntilBanned(node, peer as ForeignPeer, topic)
    }
    expect(await tryFreshIdentity(node, topic)).not.toBeNull()
    // The sequencer was never touched: not banned, still in the mesh.
    expect(node.bans.some((b) => b.peerId === sequencer.host.peerId)).toBe(false)
    expect(node.host.meshPeers()[topic]).toContain(sequencer.host.peerId)
  })
})
