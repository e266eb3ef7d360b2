import { EventEmitter } from 'node:events'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import type { BanSnapshot, BanStore } from '../../../src/gossip/banStore.ts'
import type { GossipHostEvents } from '../../../src/gossip/hostApi.ts'
import { createPeerGate } from '../../../src/gossip/peerGate.ts'
import type { BanEntry } from '../../../src/gossip/types.ts'
import { silentLogger } from '../../../src/util/logger.ts'
import { newPeerId, stubConnection, stubNode } from './peerStubs.ts'

const FUTURE = Date.now() + 3_600_000

function memoryStore(saved: BanSnapshot): BanStore & { saves: number; flushes: number } {
  const store = {
    path: 'memory',
    saves: 0,
    flushes: 0,
    load: () => saved,
    scheduleSave: () => {
      store.saves++
    },
    flush: () => {
      store.flushes++
    },
  }
  return store
}

describe('gossip / peerGate', () => {
  it('a ban is announced, hangs up on the peer and is refused at the gater', () => {
    const events = new EventEmitter<GossipHostEvents>()
    const announced: BanEntry[] = []
    events.on('peer:ban', (b) => announced.push(b))
    const node = stubNode()
    const gate = createPeerGate({ log: silentLogger, events, node: () => node })
    const id = newPeerId()
    const peer = peerIdFromString(id)
    expect(gate.connectionGater.denyDialPeer?.(peer)).toBe(false)
    const entry = gate.ban(id, FUTURE, -120)
    expect(entry).toEqual({ peerId: id, untilMs: FUTURE, score: -120 })
    expect(announced).toEqual([entry])
    expect(node.hangUp).toHaveBeenCalledWith(peer)
    expect(gate.connectionGater.denyDialPeer?.(peer)).toBe(true)
    expect(gate.connectionGater.denyInboundEncryptedConnection?.(peer, {} as never)).toBe(true)
    expect(gate.connectionGater.denyOutboundEncryptedConnection?.(peer, {} as never)).toBe(true)
    expect(gate.unban(id)).toBe(true)
    expect(gate.isBanned(id)).toBe(false)
  })

  it('an address block closes open connections from it and refuses it both ways', () => {
    const blocked = stubConnection(newPeerId(), '/ip4/10.0.0.9/tcp/4001')
    const other = stubConnection(newPeerId(), '/ip4/10.0.0.8/tcp/4001')
    const node = stubNode([blocked, other])
    const gate = createPeerGate({ log: silentLogger, events: new EventEmitter(), node: () => node })
    gate.blockAddr('10.0.0.9', FUTURE)
    expect(blocked.close).toHaveBeenCalled()
    expect(other.close).not.toHaveBeenCalled()
    const from = { remoteAddr: multiaddr('/ip4/10.0.0.9/tcp/1') } as never
    expect(gate.connectionGater.denyInboundConnection?.(from)).toBe(true)
    expect(gate.connectionGater.denyOutboundConnection?.(peerIdFromString(newPeerId()), from)).toBe(
      true,
    )
    expect(gate.connectionGater.denyDialMultiaddr?.(multiaddr('/ip4/10.0.0.8/tcp/1'))).toBe(false)
    gate.blockSubnet('10.0.0.0/24', FUTURE)
    expect(gate.connectionGater.denyDialMultiaddr?.(multiaddr('/ip4/10.0.0.8/tcp/1'))).toBe(true)
    expect(gate.unblockSubnet('10.0.0.0/24')).toBe(true)
    expect(gate.unblockAddr('10.0.0.9')).toBe(true)
    expect(gate.connectionGater.denyInboundConnection?.(from)).toBe(false)
  })

  it('restores saved bans and blocks without saving them again, then saves each change', () => {
    const id = newPeerId()
    const store = memoryStore({
      peers: [{ peerId: id, untilMs: FUTURE, score: -200 }],
      addrs: [{ address: '10.0.0.1', untilMs: FUTURE }],
      subnets: [{ address: '10.1.0.0/16', untilMs: FUTURE }],
    })
    const gate = createPeerGate({ log: silentLogger, events: new EventEmitter(), node: () => null })
    gate.persistTo(store)
    expect(gate.isBanned(id)).toBe(true)
    expect(gate.blockedAddrs().map((b) => b.address)).toEqual(['10.0.0.1'])
    expect(gate.blockedSubnets().map((b) => b.address)).toEqual(['10.1.0.0/16'])
    expect(store.saves).toBe(0)
    gate.ban(newPeerId(), FUTURE, null) // no node: nothing to hang up
    expect(store.saves).toBe(1)
    gate.flush()
    expect(store.flushes).toBe(1)
  })

  it('keeps bans in memory only until a store is given', () => {
    const gate = createPeerGate({ log: silentLogger, events: new EventEmitter(), node: () => null })
    expect(() => gate.flush()).not.toThrow()
    gate.ban(newPeerId(), FUTURE, null)
    expect(gate.bans()).toHaveLength(1)
  })

  it('--p2p.netrestrict: only addresses inside the networks are dialled or accepted', () => {
    const gate = createPeerGate(
      { log: silentLogger, events: new EventEmitter(), node: () => null },
      { netRestrict: ['10.0.0.0/8', '2001:db8::/32'] },
    )
    const g = gate.connectionGater
    const conn = (addr: string) => ({ remoteAddr: multiaddr(addr) }) as never
    const peer = peerIdFromString(newPeerId())
    for (const inside of ['/ip4/10.1.2.3/tcp/9222', '/ip6/2001:db8::7/tcp/9222']) {
      expect(g.denyDialMultiaddr?.(multiaddr(inside))).toBe(false)
      expect(g.denyInboundConnection?.(conn(inside))).toBe(false)
      expect(g.denyOutboundConnection?.(peer, conn(inside))).toBe(false)
    }
    for (const outside of ['/ip4/11.0.0.1/tcp/9222', '/ip6/2001:db9::7/tcp/9222']) {
      expect(g.denyDialMultiaddr?.(multiaddr(outside))).toBe(true)
      expect(g.denyInboundConnection?.(conn(outside))).toBe(true)
      expect(g.denyOutboundConnection?.(peer, conn(outside))).toBe(true)
    }
    // An address with no IP (unresolved DNS) cannot be shown to be inside: refused.
    expect(g.denyDialMultiaddr?.(multiaddr('/dns4/example.com/tcp/9222'))).toBe(true)
    // Blocks still apply inside the allowed networks.
    gate.blockSubnet('10.1.0.0/16', FUTURE)
    expect(g.denyInboundConnection?.(conn('/ip4/10.1.2.3/tcp/9222'))).toBe(true)
    expect(g.denyInboundConnection?.(conn('/ip4/10.2.0.1/tcp/9222'))).toBe(false)
  })

  it('without --p2p.netrestrict every address is allowed, DNS ones included', () => {
    const gate = createPeerGate({ log: silentLogger, events: new EventEmitter(), node: () => null })
    const g = gate.connectionGater
    expect(g.denyDialMultiaddr?.(multiaddr('/ip4/11.0.0.1/tcp/9222'))).toBe(false)
    expect(g.denyDialMultiaddr?.(multiaddr('/dns4/example.com/tcp/9222'))).toBe(false)
  })
})
