/**
 * A devnet node's per-IP defences, chosen from its own listen address: production's when every
 * process has an address of its own (a netns devnet), relaxed on loopback, where every process
 * shares one.
 */
import { defaultGossipHostOptions } from '../gossip/options.ts'
import type { NodeOptions } from '../node.ts'

/** Inbound connections per second from one IP on loopback, where every devnet node is 127.0.0.1. */
export const LOOPBACK_INBOUND_CONNECTIONS_PER_IP_PER_SECOND = 10_000

/** The IP colocation penalty (with the queue's per-IP share) and inbound connections per IP. */
export function devnetPerIpOptions(
  listenIp: string,
): Pick<NodeOptions['gossip'], 'ipColocation' | 'inboundConnectionsPerIpPerSecond'> {
  const loopback = listenIp.startsWith('127.') || listenIp === '::1'
  return loopback
    ? {
        ipColocation: false,
        inboundConnectionsPerIpPerSecond: LOOPBACK_INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
      }
    : {
        ipColocation: defaultGossipHostOptions.ipColocation,
        inboundConnectionsPerIpPerSecond: defaultGossipHostOptions.inboundConnectionsPerIpPerSecond,
      }
}
