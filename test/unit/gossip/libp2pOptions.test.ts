import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { libp2pOptions } from '../../../src/gossip/libp2pOptions.ts'
import {
  DEFAULT_ACCEPT_TIMEOUT_MS,
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_NEGOTIATION_TIMEOUT_MS,
  type GossipHostInit,
  resolveGossipHostOptions,
} from '../../../src/gossip/options.ts'
import { generatePeerKey } from '../../../src/gossip/peerIdentity.ts'
import { testChain } from '../../utils/mesh.ts'

const chain = testChain()

function built(init: Partial<GossipHostInit> = {}) {
  const opts = resolveGossipHostOptions({ chain, privateKey: generatePeerKey(), ...init })
  return libp2pOptions(opts, {
    privateKey: privateKeyFromRaw(opts.privateKey),
    connectionGater: {},
    gossipsub: {},
  })
}

describe('gossip / libp2pOptions: op-node p2p.timeout.* and p2p.ping', () => {
  it('by default carries op-node’s 10 s timeouts (libp2p’s own defaults too) and pings', () => {
    const { connectionManager, connectionMonitor } = built()
    expect(connectionManager.dialTimeout).toBe(DEFAULT_DIAL_TIMEOUT_MS)
    expect(connectionManager.inboundUpgradeTimeout).toBe(DEFAULT_ACCEPT_TIMEOUT_MS)
    expect(connectionManager.outboundStreamProtocolNegotiationTimeout).toBe(
      DEFAULT_NEGOTIATION_TIMEOUT_MS,
    )
    expect(connectionManager.inboundStreamProtocolNegotiationTimeout).toBe(
      DEFAULT_NEGOTIATION_TIMEOUT_MS,
    )
    expect(connectionMonitor.enabled).toBe(true)
  })

  it('carries the values given, and turns libp2p’s pinging off (the ping protocol stays)', () => {
    const { connectionManager, connectionMonitor, services } = built({
      timeouts: { dialMs: 1111, acceptMs: 2222, negotiationMs: 3333 },
      ping: false,
    })
    expect(connectionManager.dialTimeout).toBe(1111)
    expect(connectionManager.inboundUpgradeTimeout).toBe(2222)
    expect(connectionManager.outboundStreamProtocolNegotiationTimeout).toBe(3333)
    expect(connectionManager.inboundStreamProtocolNegotiationTimeout).toBe(3333)
    expect(connectionMonitor.enabled).toBe(false)
    expect(services.ping).toBeTypeOf('function')
  })

  it('rejects a timeout below 1 ms and a netRestrict entry that is not a CIDR', () => {
    expect(() => built({ timeouts: { dialMs: 0 } })).toThrow(/timeouts\.dialMs/)
    expect(built({ timeouts: { negotiationMs: 1 } }).connectionManager).toMatchObject({
      inboundStreamProtocolNegotiationTimeout: 1,
    })
    expect(() => built({ netRestrict: ['10.0.0.0/8', 'ten'] })).toThrow(
      /netRestrict: 'ten' is not a CIDR network/,
    )
  })
})
