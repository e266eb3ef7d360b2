/** Stub libp2p connections and nodes for the peer-management unit tests (no sockets). */
import type { Connection } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { vi } from 'vitest'
import { peerIdFromPrivateKeyBytes } from '../../../src/gossip/host.ts'
import { generatePeerKey } from '../../../src/gossip/peerIdentity.ts'
import type { PeerNode } from '../../../src/gossip/peerNode.ts'

export const newPeerId = (): string => peerIdFromPrivateKeyBytes(generatePeerKey())

export function stubConnection(
  peerId: string,
  address: string,
  more: { direction?: 'inbound' | 'outbound'; openedMs?: number; rtt?: number } = {},
): Connection {
  return {
    remotePeer: peerIdFromString(peerId),
    remoteAddr: multiaddr(address),
    direction: more.direction ?? 'inbound',
    timeline: { open: more.openedMs ?? 0 },
    rtt: more.rtt,
    close: vi.fn(async () => {}),
    abort: vi.fn(),
  } as unknown as Connection
}

export function stubNode(connections: Connection[] = []) {
  const node = {
    getConnections: vi.fn((peer?: { toString(): string }) =>
      peer === undefined
        ? connections
        : connections.filter((c) => c.remotePeer.toString() === peer.toString()),
    ),
    dial: vi.fn(async () => connections[0] as Connection),
    hangUp: vi.fn(async () => {}),
    peerStore: { merge: vi.fn(async () => ({})) },
    peerRouting: {
      getClosestPeers: vi.fn(async function* () {}),
    },
  } satisfies PeerNode
  return node
}
