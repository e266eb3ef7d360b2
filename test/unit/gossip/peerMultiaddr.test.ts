import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { GossipHostError } from '../../../src/gossip/errors.ts'
import { peerIdFromPrivateKeyBytes } from '../../../src/gossip/host.ts'
import { generatePeerKey } from '../../../src/gossip/peerIdentity.ts'
import {
  ipOfMultiaddr,
  listenMultiaddr,
  parsePeerMultiaddr,
} from '../../../src/gossip/peerMultiaddr.ts'

const peerId = peerIdFromPrivateKeyBytes(generatePeerKey())

function codeOf(address: string): string | undefined {
  try {
    parsePeerMultiaddr(address)
  } catch (err) {
    return err instanceof GossipHostError ? `${err.code}/${err.kind}` : String(err)
  }
  return undefined
}

describe('gossip / peerMultiaddr', () => {
  it('parses host, tcp port and peer ID (ip4, ip6, dns names)', () => {
    for (const host of ['/ip4/10.0.0.1', '/ip6/::1', '/dns/node', '/dns4/node', '/dns6/node']) {
      const address = `${host}/tcp/9222/p2p/${peerId}`
      expect(parsePeerMultiaddr(address)).toEqual({ peerId, address })
    }
  })

  it('refuses anything else as a configuration error', () => {
    for (const address of [
      'not a multiaddr',
      `/ip4/10.0.0.1/udp/9222/p2p/${peerId}`,
      '/ip4/10.0.0.1/tcp/9222',
      `/ip4/10.0.0.1/tcp/9222/ws/p2p/${peerId}`,
      `/unix/tmp/p2p/${peerId}`,
    ]) {
      expect(codeOf(address), address).toBe('GOSSIP_BAD_MULTIADDR/configuration')
    }
  })

  it('writes listen addresses for IPv4 and IPv6', () => {
    expect(listenMultiaddr('0.0.0.0', 9222)).toBe('/ip4/0.0.0.0/tcp/9222')
    expect(listenMultiaddr('::', 0)).toBe('/ip6/::/tcp/0')
  })

  it('finds the IP of a connection address, none for a DNS name', () => {
    expect(ipOfMultiaddr(multiaddr('/ip4/127.0.0.1/tcp/1'))).toBe('127.0.0.1')
    expect(ipOfMultiaddr(multiaddr('/ip6/::1/tcp/1'))).toBe('::1')
    expect(ipOfMultiaddr(multiaddr('/dns4/node/tcp/1'))).toBeNull()
  })
})
