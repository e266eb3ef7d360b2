/** Peer and listen multiaddrs: parsing what the user gives, and the IP a connection comes from. */
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { GossipHostError } from './errors.ts'
import type { StaticPeer } from './staticPeers.ts'

/** Host protocols a peer multiaddr may start with. */
const PEER_HOST_PROTOCOLS = ['ip4', 'ip6', 'dns', 'dns4', 'dns6']

/**
 * Parses a peer multiaddr: an ip4/ip6/dns/dns4/dns6 host, a tcp port and a /p2p/<peerId>.
 * @throws GossipHostError GOSSIP_BAD_MULTIADDR
 */
export function parsePeerMultiaddr(address: string): StaticPeer {
  let ma: Multiaddr
  try {
    ma = multiaddr(address)
  } catch (err) {
    throw new GossipHostError('GOSSIP_BAD_MULTIADDR', `not a multiaddr: ${address}`, { cause: err })
  }
  const components = ma.getComponents()
  const host = components[0]
  const port = components[1]
  const last = components.at(-1)
  if (
    components.length !== 3 ||
    host === undefined ||
    !PEER_HOST_PROTOCOLS.includes(host.name) ||
    port?.name !== 'tcp' ||
    last?.name !== 'p2p' ||
    last.value === undefined
  ) {
    throw new GossipHostError(
      'GOSSIP_BAD_MULTIADDR',
      `expected /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>/p2p/<peerId>, got ${address}`,
    )
  }
  try {
    return { peerId: peerIdFromString(last.value).toString(), address }
  } catch (err) {
    throw new GossipHostError('GOSSIP_BAD_MULTIADDR', `bad peer ID in ${address}`, { cause: err })
  }
}

/** The TCP listen multiaddr of an IPv4 or IPv6 address. */
export function listenMultiaddr(ip: string, port: number): string {
  return ip.includes(':') ? `/ip6/${ip}/tcp/${port}` : `/ip4/${ip}/tcp/${port}`
}

/** The IP of a multiaddr (its ip4 / ip6 part; dial addresses are resolved before the gater). */
export function ipOfMultiaddr(address: Multiaddr): string | null {
  for (const c of address.getComponents()) {
    if (c.name === 'ip4' || c.name === 'ip6') return c.value ?? null
  }
  return null
}
