/**
 * Peer management of real gossip hosts: DHT discovery from one bootstrap peer, static peers that
 * come back, watermark trimming, the ping period, and the req-resp protocols op-gossip
 * deliberately does not serve.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { describe, expect, it } from 'vitest'
import { libp2pOptions } from '../../src/gossip/libp2pOptions.ts'
import { PEER_PING_INTERVAL_MS, resolveGossipHostOptions } from '../../src/gossip/options.ts'
import { generatePeerKey } from '../../src/gossip/peerIdentity.ts'
import {
  connect,
  type MeshNode,
  startNode,
  startNodes,
  stopAll,
  testBuilder,
  testChain,
  waitFor,
} from '../utils/mesh.ts'

const chain = testChain()
/** libp2p's connection monitor pings every 10 s by default; op-node (and we) every 3 min. */
const LIBP2P_DEFAULT_PING_INTERVAL_MS = 10_000
/** A ping period short enough that a host given it pings a new peer within a second. */
const QUICK_PING_INTERVAL_MS = 200
/** Options of a bare libp2p node that only dials out (TCP, noise, yamux). */
const dialOnly = () => ({
  addresses: { listen: [] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
})
const portOf = (address: string) => Number(address.split('/tcp/')[1]?.split('/')[0])

/** A dial-only libp2p node that records every ping stream opened to it. */
async function pingCounter(): Promise<{ node: Libp2p; pings: number[] }> {
  const node = await createLibp2p(dialOnly())
  const pings: number[] = []
  await node.handle('/ipfs/ping/1.0.0', (stream) => {
    pings.push(Date.now())
    stream.abort(new Error('counted'))
  })
  return { node, pings }
}

describe('e2e / gossip peers', () => {
  it('a node that knows one bootstrap peer finds the others through the DHT and meshes with >= Dlo', async () => {
    // Six nodes joined through the bootstrap node (so its DHT routing table holds them); they
    // need no more peers (lo 1), so only the newcomer walks the DHT (keeps the test light).
    const settled = { dht: true, peers: { lo: 1, hi: 30 } }
    const bootstrap = await startNode({ chain, init: settled })
    const others = await startNodes(6, { chain, init: settled })
    for (const n of others) await connect(n, bootstrap)
    const newcomer = await startNode({ chain, init: { dht: true, bootnodes: [bootstrap.address] } })
    const all = [bootstrap, ...others, newcomer]
    try {
      const topic = bootstrap.host.topics[3] as string
      const Dlo = newcomer.host.options.router.Dlo
      await waitFor(
        `the newcomer meshed with >= ${Dlo} peers`,
        () => (newcomer.host.meshPeers()[topic]?.length ?? 0) >= Dlo,
        45_000,
      )
      const peers = newcomer.host.peers().map((p) => p.peerId)
      // Found through the DHT: the peers it was never told about.
      for (const n of others) expect(peers).toContain(n.host.peerId)
      // And its mesh carries its blocks to everyone.
      await newcomer.host.publish(testBuilder(chain, 31).next())
      await waitFor('the block everywhere', () =>
        all.every((n) => n === newcomer || n.received.length === 1),
      )
    } finally {
      await stopAll(all)
    }
  })

  it('redials a static peer (given by DNS name) that restarts, and protects it', async () => {
    const key = generatePeerKey()
    let server = await startNode({ chain, init: { privateKey: key } })
    const port = portOf(server.address)
    const staticAddress = `/dns4/localhost/tcp/${port}/p2p/${server.host.peerId}`
    const client = await startNode({ chain, init: { staticPeers: [staticAddress] } })
    try {
      await waitFor('the static peer connected', () =>
        client.host.peers().some((p) => p.peerId === server.host.peerId && p.isStatic),
      )
      await server.host.stop()
      await waitFor('the drop noticed', () => client.host.peers().length === 0)
      // Same key, same port: the client must come back on its own (the server dials nobody).
      server = await startNode({ chain, init: { privateKey: key, listenTcpPort: port } })
      await waitFor('the static peer redialled', () =>
        client.host.peers().some((p) => p.peerId === server.host.peerId),
      )
      const peer = client.host.peers().find((p) => p.peerId === server.host.peerId)
      expect(peer?.direction).toBe('outbound')
      expect(peer?.isStatic).toBe(true)
      // Exempt from bans: the monitor never bans a static peer whatever its score.
      expect(client.host.bans()).toHaveLength(0)
    } finally {
      await stopAll([client, server])
    }
  })

  it('trims connections above peers.hi down to peers.lo, sparing static peers', async () => {
    const friend = await startNode({ chain })
    const hub = await startNode({
      chain,
      init: { peers: { lo: 2, hi: 3, graceMs: 0 }, staticPeers: [friend.address] },
    })
    const crowd = await startNodes(4, { chain })
    const dropped: string[] = []
    hub.host.events.on('peer:disconnect', (e) => dropped.push(e.peerId))
    try {
      await waitFor('the static friend connected', () => hub.host.peers().length === 1)
      for (const n of crowd) await connect(n, hub)
      // 5 peers > hi 3: down to lo 2 (the friend and one more), then the last one arrives.
      await waitFor('trimmed to at most hi', () => hub.host.peers().length <= 3)
      expect(dropped.length).toBeGreaterThanOrEqual(2)
      expect(dropped).not.toContain(friend.host.peerId)
      const peers = hub.host.peers()
      expect(peers.map((p) => p.peerId)).toContain(friend.host.peerId)
      expect(peers.length).toBeGreaterThanOrEqual(2)
    } finally {
      await stopAll([friend, hub, ...crowd])
    }
  })

  it('pings a peer every 3 minutes like op-node, not every 10 s like a default libp2p node', async () => {
    // The period the host gives libp2p's connection monitor: op-node's, not libp2p's default.
    const defaults = resolveGossipHostOptions({ chain, privateKey: generatePeerKey() })
    expect(PEER_PING_INTERVAL_MS).toBe(3 * 60_000)
    expect(PEER_PING_INTERVAL_MS).toBeGreaterThan(LIBP2P_DEFAULT_PING_INTERVAL_MS)
    expect(defaults.timing.peerPingIntervalMs).toBe(PEER_PING_INTERVAL_MS)
    const built = libp2pOptions(defaults, {
      privateKey: privateKeyFromRaw(defaults.privateKey),
      connectionGater: {},
      gossipsub: {},
    })
    expect(built.connectionMonitor.pingInterval).toBe(PEER_PING_INTERVAL_MS)
    // And the option really drives libp2p's monitor: a host given a short period pings a new
    // peer within a second, while a host with the default period has not.
    const quick = await startNode({
      chain,
      init: { timing: { peerPingIntervalMs: QUICK_PING_INTERVAL_MS } },
    })
    const node: MeshNode = await startNode({ chain })
    const quickPeer = await pingCounter()
    const peer = await pingCounter()
    try {
      await quickPeer.node.dial(multiaddr(quick.address))
      await peer.node.dial(multiaddr(node.address))
      await waitFor('a ping from the short-period host', () => quickPeer.pings.length > 0, 1000)
      await waitFor('the peer listed by the default host', () =>
        node.host.peers().some((p) => p.peerId === peer.node.peerId.toString()),
      )
      expect(peer.pings).toEqual([])
    } finally {
      await Promise.all([quickPeer.node.stop(), peer.node.stop()])
      await stopAll([quick, node])
    }
  })

  it('--p2p.ping=false: the host never pings its peers, yet answers their pings', async () => {
    const silent = await startNode({
      chain,
      init: { ping: false, timing: { peerPingIntervalMs: QUICK_PING_INTERVAL_MS } },
    })
    const counter = await pingCounter()
    const client = await createLibp2p({ ...dialOnly(), services: { ping: ping() } })
    try {
      await counter.node.dial(multiaddr(silent.address))
      await waitFor('the counter listed as a peer', () =>
        silent.host.peers().some((p) => p.peerId === counter.node.peerId.toString()),
      )
      // Five ping periods: a pinging host would have pinged by now (see the test above).
      await new Promise((resolve) => setTimeout(resolve, 5 * QUICK_PING_INTERVAL_MS))
      expect(counter.pings).toEqual([])
      expect(await client.services.ping.ping(multiaddr(silent.address))).toBeGreaterThanOrEqual(0)
    } finally {
      await Promise.all([counter.node.stop(), client.stop()])
      await stopAll([silent])
    }
  })

  it('--p2p.netrestrict: a host restricted to other networks refuses 127.0.0.1 both ways', async () => {
    const restricted = await startNode({ chain, init: { netRestrict: ['10.0.0.0/8'] } })
    const open = await startNode({ chain, init: { netRestrict: ['10.0.0.0/8', '127.0.0.0/8'] } })
    const client = await createLibp2p(dialOnly())
    try {
      await expect(client.dial(multiaddr(restricted.address))).rejects.toThrow()
      await expect(restricted.host.dial(open.address)).rejects.toThrow()
      expect(restricted.host.peers()).toEqual([])
      // Inside the allowed networks, the same dial works.
      await client.dial(multiaddr(open.address))
      await waitFor('the client listed by the open host', () =>
        open.host.peers().some((p) => p.peerId === client.peerId.toString()),
      )
    } finally {
      await client.stop()
      await stopAll([restricted, open])
    }
  })

  it('does not serve the req-resp protocols (either spelling): the stream fails cleanly', async () => {
    const node: MeshNode = await startNode({ chain })
    const client = await createLibp2p({ ...dialOnly(), services: { ping: ping() } })
    try {
      const target = multiaddr(node.address)
      for (const protocol of [
        `/opstack/req/payload_by_number/${chain.chainId}/0`,
        `/opstack/req/payload_by_number/${chain.chainId}/0/`,
      ]) {
        await expect(client.dialProtocol(target, protocol)).rejects.toMatchObject({
          name: 'UnsupportedProtocolError',
        })
      }
      // The connection and the node are fine afterwards.
      expect(await client.services.ping.ping(target)).toBeGreaterThanOrEqual(0)
      await waitFor('the client listed as a peer', () =>
        node.host.peers().some((p) => p.peerId === client.peerId.toString()),
      )
    } finally {
      await client.stop()
      await stopAll([node])
    }
  })
})
