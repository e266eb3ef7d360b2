/**
 * The `opp2p_*` methods tools call on op-node, with op-node's result shapes (./p2pJson.ts):
 * - an IP is Go's `net.IP` text (`192.0.2.1`, `2001:db8::1`); a subnet is Go's `*net.IPNet`, which
 *   has no text form in JSON: `{"IP":"10.0.0.0","Mask":"/wAAAA=="}` (the mask as base64 bytes);
 * - a discovery table is `[]*enode.Node`: each record's `enr:` text.
 * Differences: `opp2p_peers(false)` lists the connected peers too (no persistent peer store);
 * block lists hold score bans as well as manual blocks; subnet params may also be CIDR text
 * (`"10.0.0.0/8"`) and are stored by their network address; `opp2p_blockAddr` and
 * `opp2p_blockSubnet` also close the address's open connections (op-node's gater leaves them).
 */

import { canonicalIp, formatCidr, parseCidr } from '../gossip/ipNet.ts'
import type { BanEntry } from '../gossip/types.ts'
import type { P2pPeerInfo, P2pStatusSource } from '../status/statusSources.ts'
import { allBlocksTopics } from '../wire/topics.ts'
import {
  expectParams,
  invalidParams,
  JsonRpcError,
  JsonRpcErrorCode,
  type RpcMethods,
} from './jsonRpc.ts'
import {
  Connectedness,
  Direction,
  type IpNetJson,
  ipNetFromJson,
  type PeerDumpJson,
  type PeerInfoJson,
  type PeerStatsJson,
  peerInfoJson,
  subnetsJson,
} from './p2pJson.ts'
import { isPeerIdString } from './peerIds.ts'

/** op-node bounds `opp2p_connectPeer` by 30 s. */
export const CONNECT_PEER_TIMEOUT_MS = 30_000
/** Longest multiaddr accepted by `opp2p_connectPeer`. */
export const MAX_MULTIADDR_LENGTH_CHARS = 1024

/** op-node's errors when a part is missing (op-node/p2p/rpc_server.go). */
export const P2P_API_ERRORS = {
  noConnectionGater: 'no connection gater',
  noConnectionManager: 'no connection manager',
  discoveryDisabled: 'discovery disabled',
} as const

export interface P2pApiOptions {
  chainId: number
  /** @default CONNECT_PEER_TIMEOUT_MS (ms) */
  connectTimeoutMs?: number
}

function checkPeerIdParam(value: unknown): string {
  if (!isPeerIdString(value)) throw invalidParams('invalid argument 0: not a valid peer ID')
  return value
}

function bannedIds(bans: BanEntry[]): string[] {
  return bans.map((b) => b.peerId)
}

/** A short quote of a bad param for an error message. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 64 ? `${text.slice(0, 61)}...` : text
}

function checkIpParam(value: unknown): string {
  const ip = typeof value === 'string' ? canonicalIp(value) : null
  if (ip === null) {
    throw invalidParams(
      `invalid argument 0: not an IP address (like "192.0.2.1" or "2001:db8::1"): ${quoted(value)}`,
    )
  }
  return ip
}

function checkSubnetParam(value: unknown): string {
  const net = typeof value === 'string' ? parseCidr(value) : ipNetFromJson(value)
  if (net === null) {
    throw invalidParams(
      `invalid argument 0: not a subnet (like "10.0.0.0/8" or {"IP":"10.0.0.0","Mask":"/wAAAA=="}): ${quoted(value)}`,
    )
  }
  return formatCidr(net)
}

function missing(message: string): JsonRpcError {
  return new JsonRpcError(JsonRpcErrorCode.SERVER_ERROR, message)
}

export function createP2pApi(source: P2pStatusSource, opts: P2pApiOptions): RpcMethods {
  const blockTopicList = allBlocksTopics(opts.chainId)
  const blockTopics = new Set(blockTopicList)
  const connectTimeoutMs = opts.connectTimeoutMs ?? CONNECT_PEER_TIMEOUT_MS

  function topicCount(peers: P2pPeerInfo[], topic: string): number {
    let n = 0
    for (const p of peers) if ((p.topics ?? p.meshTopics).includes(topic)) n++
    return n
  }

  return {
    opp2p_self(params) {
      expectParams(params, 0, 0)
      const self = source.self()
      const selfAsPeer: P2pPeerInfo = {
        peerId: self.peerId,
        direction: 'outbound',
        addresses: self.addresses,
        score: 0,
        isProtected: false,
        agentVersion: self.agentVersion,
        protocolVersion: self.protocolVersion ?? '',
        protocols: self.protocols,
        meshTopics: blockTopicList,
        enr: self.enr ?? null,
        chainId: opts.chainId,
      }
      // op-node: no connection to itself (NotConnected, Unknown direction), latency 0, gossipBlocks true.
      return {
        ...peerInfoJson(selfAsPeer, blockTopics),
        connectedness: Connectedness.NotConnected,
        direction: Direction.Unknown,
        gossipBlocks: true,
      } satisfies PeerInfoJson
    },

    async opp2p_peers(params): Promise<PeerDumpJson> {
      expectParams(params, 1, 1)
      if (typeof params[0] !== 'boolean')
        throw invalidParams('invalid argument 0: connected must be a boolean')
      const peers = await source.peers()
      const out: Record<string, PeerInfoJson> = {}
      for (const p of peers) out[p.peerId] = peerInfoJson(p, blockTopics)
      return {
        totalConnected: peers.length,
        peers: out,
        bannedPeers: bannedIds(source.bans()),
        bannedIPS: source.blockedAddrs?.() ?? [],
        bannedSubnets: subnetsJson(source.blockedSubnets?.() ?? []),
      }
    },

    async opp2p_peerStats(params): Promise<PeerStatsJson> {
      expectParams(params, 0, 0)
      const peers = await source.peers()
      const [v1, v2, v3, v4] = blockTopicList.map((t) => topicCount(peers, t))
      return {
        connected: peers.length,
        table: source.discoveryTableSize?.() ?? 0,
        blocksTopic: v1 ?? 0,
        blocksTopicV2: v2 ?? 0,
        blocksTopicV3: v3 ?? 0,
        blocksTopicV4: v4 ?? 0,
        banned: source.bans().length,
        known: Math.max(source.knownPeerCount?.() ?? peers.length, peers.length),
      }
    },

    async opp2p_blockPeer(params) {
      expectParams(params, 1, 1)
      const peerId = checkPeerIdParam(params[0])
      if (peerId === source.self().peerId)
        throw invalidParams('invalid argument 0: cannot block this node itself')
      await source.blockPeer(peerId)
      return null
    },

    async opp2p_unblockPeer(params) {
      expectParams(params, 1, 1)
      const peerId = checkPeerIdParam(params[0])
      await source.unblockPeer(peerId)
      return null
    },

    opp2p_listBlockedPeers(params): string[] {
      expectParams(params, 0, 0)
      return bannedIds(source.bans())
    },

    async opp2p_blockAddr(params) {
      expectParams(params, 1, 1)
      const ip = checkIpParam(params[0])
      if (source.blockAddr === undefined) throw missing(P2P_API_ERRORS.noConnectionGater)
      await source.blockAddr(ip)
      return null
    },

    async opp2p_unblockAddr(params) {
      expectParams(params, 1, 1)
      const ip = checkIpParam(params[0])
      if (source.unblockAddr === undefined) throw missing(P2P_API_ERRORS.noConnectionGater)
      await source.unblockAddr(ip)
      return null
    },

    opp2p_listBlockedAddrs(params): string[] {
      expectParams(params, 0, 0)
      if (source.blockedAddrs === undefined) throw missing(P2P_API_ERRORS.noConnectionGater)
      return source.blockedAddrs()
    },

    async opp2p_blockSubnet(params) {
      expectParams(params, 1, 1)
      const cidr = checkSubnetParam(params[0])
      if (source.blockSubnet === undefined) throw missing(P2P_API_ERRORS.noConnectionGater)
      await source.blockSubnet(cidr)
      return null
    },

    async opp2p_unblockSubnet(params) {
      expectParams(params, 1, 1)
      const cidr = checkSubnetParam(params[0])
      if (source.unblockSubnet === undefined) throw missing(P2P_API_ERRORS.noConnectionGater)
      await source.unblockSubnet(cidr)
      return null
    },

    opp2p_listBlockedSubnets(params): IpNetJson[] {
      expectParams(params, 0, 0)
      if (source.blockedSubnets === undefined) throw missing(P2P_API_ERRORS.noConnectionGater)
      return subnetsJson(source.blockedSubnets())
    },

    async opp2p_protectPeer(params) {
      expectParams(params, 1, 1)
      const peerId = checkPeerIdParam(params[0])
      if (source.protectPeer === undefined) throw missing(P2P_API_ERRORS.noConnectionManager)
      await source.protectPeer(peerId)
      return null
    },

    async opp2p_unprotectPeer(params) {
      expectParams(params, 1, 1)
      const peerId = checkPeerIdParam(params[0])
      if (source.unprotectPeer === undefined) throw missing(P2P_API_ERRORS.noConnectionManager)
      await source.unprotectPeer(peerId)
      return null
    },

    opp2p_discoveryTable(params): string[] {
      expectParams(params, 0, 0)
      const table = source.discoveryTable?.() ?? null
      if (table === null) throw missing(P2P_API_ERRORS.discoveryDisabled)
      return table
    },

    async opp2p_connectPeer(params, ctx) {
      expectParams(params, 1, 1)
      const addr = params[0]
      if (
        typeof addr !== 'string' ||
        addr.length === 0 ||
        addr.length > MAX_MULTIADDR_LENGTH_CHARS
      ) {
        throw invalidParams('invalid argument 0: expected a multiaddr string')
      }
      const p2pAt = addr.lastIndexOf('/p2p/')
      if (!addr.startsWith('/') || p2pAt < 0 || !isPeerIdString(addr.slice(p2pAt + 5))) {
        // op-node: peer.AddrInfoFromString fails → "bad peer address: ..."
        throw new JsonRpcError(
          JsonRpcErrorCode.SERVER_ERROR,
          'bad peer address: expected /.../p2p/<peer id>',
        )
      }
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(connectTimeoutMs)])
      await source.connectPeer(addr, signal)
      return null
    },

    async opp2p_disconnectPeer(params) {
      expectParams(params, 1, 1)
      await source.disconnectPeer(checkPeerIdParam(params[0]))
      return null
    },
  }
}
