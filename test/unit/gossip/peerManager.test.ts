import { EventEmitter } from 'node:events'
import { peerIdFromString } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { GossipHostError } from '../../../src/gossip/errors.ts'
import type { GossipHostEvents } from '../../../src/gossip/hostApi.ts'
import { defaultGossipHostOptions } from '../../../src/gossip/options.ts'
import { createPeerGate } from '../../../src/gossip/peerGate.ts'
import {
  createPeerManager,
  MAX_PROTECTED_PEERS,
  type PeerScoring,
} from '../../../src/gossip/peerManager.ts'
import type { PeerNode } from '../../../src/gossip/peerNode.ts'
import { silentLogger } from '../../../src/util/logger.ts'
import { newPeerId, stubConnection, stubNode } from './peerStubs.ts'

const TOPICS = ['/optimism/901/0/blocks', '/optimism/901/1/blocks']
const SELF = newPeerId()

function setup(node: PeerNode | null, router: PeerScoring | null = null) {
  const events = new EventEmitter<GossipHostEvents>()
  const gate = createPeerGate({ log: silentLogger, events, node: () => node })
  const manager = createPeerManager(
    {
      ...defaultGossipHostOptions,
      selfPeerId: SELF,
      topics: TOPICS,
      staticPeers: [],
      bootnodes: [],
    },
    {
      log: silentLogger,
      events,
      gate,
      node: () => node,
      router: () => router,
      running() {
        if (node === null || router === null)
          throw new GossipHostError('GOSSIP_NOT_STARTED', 'not running')
        return { node, router }
      },
    },
  )
  return { manager, events, gate }
}

describe('gossip / peerManager', () => {
  it('summarises each connected peer: oldest direction, addresses, score, identify, mesh', () => {
    const a = newPeerId()
    const node = stubNode([
      stubConnection(a, '/ip4/10.0.0.2/tcp/2', { direction: 'inbound', openedMs: 20 }),
      stubConnection(a, '/ip4/10.0.0.1/tcp/1', { direction: 'outbound', openedMs: 10, rtt: 4 }),
    ])
    const router: PeerScoring = {
      getScore: (id) => (id === a ? 2.5 : 0),
      getMeshPeers: (topic) => (topic === TOPICS[1] ? [a] : []),
    }
    const { manager } = setup(node, router)
    manager.onIdentify(a, 'op-node/v1', ['/meshsub/1.2.0'])
    expect(manager.peers()).toEqual([
      {
        peerId: a,
        direction: 'outbound',
        addresses: ['/ip4/10.0.0.1/tcp/1', '/ip4/10.0.0.2/tcp/2'],
        score: 2.5,
        isStatic: false,
        agentVersion: 'op-node/v1',
        protocols: ['/meshsub/1.2.0'],
        latencyMs: 4,
        meshTopics: [TOPICS[1]],
      },
    ])
    expect(manager.peerScores()).toEqual({ [a]: 2.5 })
    expect(manager.meshPeers()).toEqual({ [TOPICS[0] as string]: [], [TOPICS[1] as string]: [a] })
    // identify results go with the peer.
    manager.onPeerDisconnect(a)
    expect(manager.peers()[0]?.agentVersion).toBeNull()
  })

  it('announces connects with their direction and disconnects', () => {
    const a = newPeerId()
    const node = stubNode([stubConnection(a, '/ip4/10.0.0.1/tcp/1', { direction: 'outbound' })])
    const { manager, events } = setup(node)
    const seen: string[] = []
    events.on('peer:connect', (e) => seen.push(`connect ${e.direction}`))
    events.on('peer:disconnect', () => seen.push('disconnect'))
    manager.onPeerConnect(peerIdFromString(a))
    manager.onPeerDisconnect(a)
    expect(seen).toEqual(['connect outbound', 'disconnect'])
  })

  it('adds peers to the peer store for the dialler, skipping itself', async () => {
    const node = stubNode()
    const { manager } = setup(node, { getScore: () => 0, getMeshPeers: () => [] })
    const other = newPeerId()
    const added = await manager.addPeers([
      `/ip4/10.0.0.1/tcp/9222/p2p/${other}`,
      `/ip4/10.0.0.2/tcp/9222/p2p/${SELF}`,
    ])
    expect(added).toBe(1)
    expect(node.peerStore.merge).toHaveBeenCalledTimes(1)
    const [peer, data] = node.peerStore.merge.mock.calls[0] as unknown as [
      { toString(): string },
      { multiaddrs: { toString(): string }[] },
    ]
    expect(peer.toString()).toBe(other)
    expect(data.multiaddrs.map(String)).toEqual(['/ip4/10.0.0.1/tcp/9222'])
  })

  it('protects peers up to MAX_PROTECTED_PEERS, the oldest protection dropped past it', () => {
    const { manager } = setup(null)
    const ids = Array.from({ length: 3 }, newPeerId)
    for (const id of ids) manager.protectPeer(id)
    expect(manager.protectedPeers()).toEqual(ids)
    expect(manager.unprotectPeer(ids[0] as string)).toBe(true)
    expect(manager.unprotectPeer(ids[0] as string)).toBe(false)
    expect(() => manager.protectPeer('not a peer id')).toThrow()
    expect(MAX_PROTECTED_PEERS).toBe(1000)
  })

  it('bans by peer ID for the configured duration; refuses what needs a running node', async () => {
    const { manager, gate } = setup(null)
    const id = newPeerId()
    const before = Date.now()
    const entry = manager.ban(id)
    expect(entry.untilMs).toBeGreaterThanOrEqual(before + defaultGossipHostOptions.ban.durationMs)
    expect(gate.isBanned(id)).toBe(true)
    expect(() => manager.peers()).toThrow(GossipHostError)
    await expect(manager.dial(`/ip4/10.0.0.1/tcp/1/p2p/${id}`)).rejects.toMatchObject({
      code: 'GOSSIP_NOT_STARTED',
    })
    expect(manager.peerScores()).toEqual({})
  })
})
