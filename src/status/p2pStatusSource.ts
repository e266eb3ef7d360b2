/**
 * The gossip host (and discovery, when it runs) as a P2pStatusSource for the status RPC, the
 * metrics and the status line.
 * - `opp2p_blockPeer` becomes a host ban lasting MANUAL_BLOCK_DURATION_MS (op-node's gater block
 *   is permanent until unblocked; our BanList needs an end time), and so do `opp2p_blockAddr` and
 *   `opp2p_blockSubnet` (AddressBlockList);
 * - a peer is `protected` when static or protected through `opp2p_protectPeer`;
 * - peers' ENRs and the discovery table (every record, as op-node lists it) come from discv5
 *   when it runs.
 */
import type { Discovery } from '../discovery/discovery.ts'
import type { GossipHost } from '../gossip/host.ts'
import { AGENT_VERSION } from '../version.ts'
import type { P2pPeerInfo, P2pStatusSource } from './statusSources.ts'

/** A manual block lasts until unblocked; 100 years stands in for "forever". */
export const MANUAL_BLOCK_DURATION_MS = 100 * 365 * 24 * 3_600_000

/** The host members the adapter reads. */
export type P2pHostView = Pick<
  GossipHost,
  | 'peerId'
  | 'listenAddresses'
  | 'peers'
  | 'peerScores'
  | 'bans'
  | 'ban'
  | 'unban'
  | 'dial'
  | 'routerSettings'
  | 'blockedAddrs'
  | 'blockAddr'
  | 'unblockAddr'
  | 'blockedSubnets'
  | 'blockSubnet'
  | 'unblockSubnet'
  | 'protectPeer'
  | 'unprotectPeer'
  | 'protectedPeers'
  | 'disconnect'
>

export type DiscoveryView = Pick<Discovery, 'enr' | 'tableSize' | 'knownPeers' | 'tableEnrs'>

export interface P2pStatusSourceModules {
  /** The running discv5 discovery, read on each call (it starts after the host); absent: off */
  discovery?: (() => DiscoveryView | null) | null
  /** Called after a manual unblock that lifted a ban (metrics: hostMetrics.noteManualUnban) */
  onManualUnban?: ((peerId: string) => void) | null
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted')
}

export function createP2pStatusSource(
  host: P2pHostView,
  modules: P2pStatusSourceModules = {},
): P2pStatusSource {
  const discoveryOf = modules.discovery ?? (() => null)

  function enrByPeer(): Map<string, string> {
    const out = new Map<string, string>()
    const discovery = discoveryOf()
    if (discovery === null) return out
    try {
      for (const p of discovery.knownPeers()) out.set(p.peerId, p.enr)
    } catch {
      // discovery not started: no ENRs
    }
    return out
  }

  /** Lifts a ban or manual block; true when there was one (the metrics count it). */
  function unblockPeer(peerId: string): boolean {
    const lifted = host.unban(peerId)
    if (lifted) modules.onManualUnban?.(peerId)
    return lifted
  }

  return {
    self() {
      let protocols: string[] = []
      let addresses: string[] = []
      try {
        protocols = host.routerSettings().protocols
        addresses = host.listenAddresses()
      } catch {
        // not started yet: nothing to list
      }
      let enr: string | null = null
      try {
        enr = discoveryOf()?.enr() ?? null
      } catch {
        enr = null
      }
      return { peerId: host.peerId, addresses, protocols, agentVersion: AGENT_VERSION, enr }
    },

    async peers() {
      let summaries: Awaited<ReturnType<P2pHostView['peers']>>
      try {
        summaries = await host.peers()
      } catch {
        return [] // not started (or stopping)
      }
      const enrs = enrByPeer()
      const protectedIds = new Set(host.protectedPeers())
      return summaries.map(
        (p): P2pPeerInfo => ({
          peerId: p.peerId,
          direction: p.direction,
          addresses: p.addresses,
          score: p.score,
          isProtected: p.isStatic || protectedIds.has(p.peerId),
          agentVersion: p.agentVersion,
          meshTopics: p.meshTopics,
          enr: enrs.get(p.peerId) ?? null,
        }),
      )
    },

    peerCount() {
      return Object.keys(host.peerScores()).length
    },

    knownPeerCount() {
      const ids = new Set(Object.keys(host.peerScores()))
      for (const id of enrByPeer().keys()) ids.add(id)
      return ids.size
    },

    bans: () => host.bans(),

    discoveryTableSize() {
      try {
        return discoveryOf()?.tableSize() ?? 0
      } catch {
        return 0
      }
    },

    blockPeer(peerId) {
      host.ban(peerId, MANUAL_BLOCK_DURATION_MS)
    },

    unblockPeer,

    blockedAddrs: () => host.blockedAddrs().map((b) => b.address),
    blockAddr(ip) {
      host.blockAddr(ip, MANUAL_BLOCK_DURATION_MS)
    },
    unblockAddr: (ip) => host.unblockAddr(ip),
    blockedSubnets: () => host.blockedSubnets().map((b) => b.address),
    blockSubnet(cidr) {
      host.blockSubnet(cidr, MANUAL_BLOCK_DURATION_MS)
    },
    unblockSubnet: (cidr) => host.unblockSubnet(cidr),
    protectPeer(peerId) {
      host.protectPeer(peerId)
    },
    unprotectPeer(peerId) {
      host.unprotectPeer(peerId)
    },

    discoveryTable() {
      const discovery = discoveryOf()
      if (discovery === null) return null
      try {
        return discovery.tableEnrs()
      } catch {
        return [] // not started yet
      }
    },

    async connectPeer(address, signal) {
      if (signal.aborted) throw abortError(signal)
      let onAbort: (() => void) | null = null
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(abortError(signal))
        signal.addEventListener('abort', onAbort, { once: true })
      })
      try {
        await Promise.race([host.dial(address), aborted])
      } finally {
        if (onAbort !== null) signal.removeEventListener('abort', onAbort)
      }
    },

    /** op-node's disconnectPeer also lifts a block on the peer (`rpc_server.go` DisconnectPeer). */
    async disconnectPeer(peerId) {
      unblockPeer(peerId)
      await host.disconnect(peerId)
    },
  }
}
