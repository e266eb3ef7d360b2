/**
 * The libp2p node op-gossip runs (op-gossip.md §5, §7): TCP with one socket write per send,
 * noise, yamux, identify, ping, gossipsub and, on devnets, a Kademlia DHT; the connection gater
 * of peerGate.ts; op-node's ping period and p2p.timeout.* values.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { type GossipsubOpts, gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import type { Libp2pOptions } from 'libp2p'
import { coalescingTcp } from '../patches/coalescingTcp.ts'
import { AGENT_VERSION } from '../version.ts'
import { type GossipHostOptions, MAX_CONNECTIONS_PER_PEERS_HI } from './options.ts'
import { listenMultiaddr } from './peerMultiaddr.ts'

/** The op-gossip DHT protocol: per chain, so devnets of different chains never mix. */
export function dhtProtocol(chainId: number): string {
  return `/op-gossip/${chainId}/kad/1.0.0`
}

export interface Libp2pParts {
  privateKey: PrivateKey
  connectionGater: ConnectionGater
  gossipsub: Partial<GossipsubOpts>
  /** createLibp2p's `metrics` option */
  metrics?: Libp2pOptions['metrics'] | undefined
}

/** createLibp2p's options for the host (not started: the host starts it). */
export function libp2pOptions(opts: GossipHostOptions, parts: Libp2pParts) {
  return {
    privateKey: parts.privateKey,
    start: false,
    ...(parts.metrics === undefined ? {} : { metrics: parts.metrics }),
    nodeInfo: { userAgent: AGENT_VERSION },
    addresses: { listen: [listenMultiaddr(opts.listenIp, opts.listenTcpPort)] },
    transports: [coalescingTcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: parts.connectionGater,
    connectionManager: {
      maxConnections: opts.peers.hi * MAX_CONNECTIONS_PER_PEERS_HI,
      inboundConnectionThreshold: opts.inboundConnectionsPerIpPerSecond,
      // op-node's p2p.timeout.*: dial = go-libp2p's dial timeout; accept = the inbound upgrade
      // (noise + yamux); negotiation = multistream-select on every stream, both directions.
      dialTimeout: opts.timeouts.dialMs,
      inboundUpgradeTimeout: opts.timeouts.acceptMs,
      outboundStreamProtocolNegotiationTimeout: opts.timeouts.negotiationMs,
      inboundStreamProtocolNegotiationTimeout: opts.timeouts.negotiationMs,
    },
    // libp2p's monitor pings every connection and by default drops it when a ping fails. A
    // ping fails spuriously when the DHT pings the same peer at that moment (one outbound ping
    // stream per connection) or when the event loop is busy; op-node never drops a peer for a
    // failed ping either. Dead links are still found by yamux keep-alive and TCP.
    // op-node's p2p.ping turns its pinging off; the ping protocol is still answered (the
    // service below), as go-libp2p's host always answers it.
    connectionMonitor: {
      enabled: opts.ping,
      abortConnectionOnPingFailure: false,
      pingInterval: opts.timing.peerPingIntervalMs,
    },
    services: {
      identify: identify(),
      // The DHT pings its contacts through this service while libp2p's monitor pings too: allow
      // both at once (the ping spec's limit is one outbound stream per peer).
      ping: ping(opts.dht ? { maxOutboundStreams: 2 } : {}),
      pubsub: gossipsub(parts.gossipsub),
      ...(opts.dht
        ? {
            dht: kadDHT({
              protocol: dhtProtocol(opts.chain.chainId),
              // Devnets are LAN/loopback: serve queries and keep private addresses.
              clientMode: false,
              peerInfoMapper: passthroughMapper,
            }),
          }
        : {}),
    },
  }
}
