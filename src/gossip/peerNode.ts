/**
 * The part of the running libp2p node that peer management uses: connections, dialling, the peer
 * store and routing. A narrow, type-only view (libp2p's node satisfies it as it is), so
 * peerGate.ts and peerManager.ts import no libp2p code and tests can pass stubs.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface PeerNode {
  getConnections(peer?: PeerId): Connection[]
  dial(target: Multiaddr | PeerId): Promise<Connection>
  hangUp(peer: PeerId): Promise<void>
  peerStore: { merge(peer: PeerId, data: { multiaddrs: Multiaddr[] }): Promise<unknown> }
  peerRouting: {
    getClosestPeers(key: Uint8Array, options: { signal: AbortSignal }): AsyncIterable<unknown>
  }
}
