/**
 * The host's reading of gossipsub's per-peer outbound queues, over real libp2p on 127.0.0.1:
 * a peer that reads shows an empty queue once the sends drain; a hand-written meshsub peer
 * that stops reading its inbound stream (no yamux window updates) makes bytes pile up on the
 * host's stream to it.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { RPC } from '@libp2p/gossipsub/message'
import { identify } from '@libp2p/identify'
import type { Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { encode as lpEncode } from 'it-length-prefixed'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGossipHost, type OutboundBacklog } from '../../src/gossip/host.ts'
import {
  connect,
  type MeshNode,
  realValidator,
  startNode,
  stopAll,
  testBuilder,
  testChain,
  testHostInit,
  waitFor,
  waitForMesh,
} from '../utils/mesh.ts'

const MESHSUB = '/meshsub/1.1.0'
const chain = testChain()
/** Past yamux's initial 256 KB stream window, so the host's write buffer must take the rest */
const BLOCK_BYTES = 100_000
const BLOCKS = 5
/** Blocks to the stalled peer: about twice what its window takes */
const STALLED_BLOCKS = 8

/** A block of about BLOCK_BYTES stamped now (the builder's default steps a block time ahead). */
function bigBlock(builder: ReturnType<typeof testBuilder>) {
  return builder.next({
    targetBytes: BLOCK_BYTES,
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
  })
}

function backlogOf(node: MeshNode): OutboundBacklog {
  const reading = node.host.outboundBacklog()
  if (reading.backlog === null) throw new Error(`no outbound backlog: ${reading.reason}`)
  return reading.backlog
}

/** A meshsub peer that subscribes to `topic` and never reads what the host sends it. */
async function startStalledPeer(hostAddress: string, topic: string): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  })
  // Paused: yamux sends no window update, so the host can write 256 KB and no more.
  await node.handle(MESHSUB, (stream: Stream) => stream.pause())
  const toHost = await node.dialProtocol(multiaddr(hostAddress), MESHSUB)
  toHost.send(
    lpEncode.single(RPC.encode({ subscriptions: [{ subscribe: true, topic }], messages: [] })),
  )
  return node
}

describe('e2e / outbound backlog', () => {
  it('is not readable while the host is not running, with a reason', async () => {
    const host = createGossipHost(testHostInit(chain), { validator: realValidator(chain) })
    const notRunning = { backlog: null, reason: 'the gossip host is not running' }
    expect(host.outboundBacklog()).toEqual(notRunning)
    await host.start()
    expect(host.outboundBacklog()).toEqual({
      backlog: { peers: 0, messages: 0, bytes: 0, maxPeerBytes: 0 },
      reason: null,
    })
    await host.stop()
    expect(host.outboundBacklog()).toEqual(notRunning)
  })

  describe('between two hosts that read', () => {
    let a: MeshNode
    let b: MeshNode
    beforeAll(async () => {
      a = await startNode({ chain })
      b = await startNode({ chain })
      await connect(a, b)
      await waitForMesh([a, b], a.host.topics[3] as string, 1)
    })
    afterAll(() => stopAll([a, b]))

    it('counts the peer and drains to nothing after a publish', async () => {
      const builder = testBuilder(chain, 61)
      for (let i = 0; i < BLOCKS; i++) await a.host.publish(bigBlock(builder))
      await waitFor('every block at b', () => b.received.length === BLOCKS)
      await waitFor('the queue drained', () => backlogOf(a).bytes === 0)
      expect(backlogOf(a)).toEqual({ peers: 1, messages: 0, bytes: 0, maxPeerBytes: 0 })
    })
  })

  describe('to a peer that stops reading', () => {
    let host: MeshNode
    let stalled: Libp2p
    beforeAll(async () => {
      host = await startNode({ chain })
      const topic = host.host.topics[3] as string
      stalled = await startStalledPeer(host.address, topic)
      await waitFor('the host to graft the stalled peer', () =>
        (host.host.meshPeers()[topic] ?? []).includes(stalled.peerId.toString()),
      )
    })
    afterAll(async () => {
      await stalled.stop()
      await stopAll([host])
    })

    it('grows with every block sent and stays', async () => {
      const builder = testBuilder(chain, 62)
      const before = backlogOf(host)
      expect(before.peers).toBe(1)
      const seen: number[] = []
      for (let i = 0; i < STALLED_BLOCKS; i++) {
        await host.host.publish(bigBlock(builder))
        seen.push(backlogOf(host).bytes)
      }
      // The first ~256 KB leave on the window; every block after that waits whole.
      const last = seen[seen.length - 1] as number
      expect(last).toBeGreaterThan(2 * BLOCK_BYTES)
      expect(seen.slice(2)).toEqual([...seen.slice(2)].sort((x, y) => x - y))
      const after = backlogOf(host)
      expect(after.bytes).toBe(last)
      // One peer holds it all: the largest peer queue is the total
      expect(after.maxPeerBytes).toBe(after.bytes)
      expect(after.messages).toBeGreaterThanOrEqual(2)
      // Nothing drains while the peer does not read
      await new Promise((r) => setTimeout(r, 500))
      expect(backlogOf(host).bytes).toBeGreaterThanOrEqual(last)
    })
  })
})
