/**
 * op-node's `opp2p_*` result shapes (op-node/p2p/rpc_api.go `PeerInfo`, `PeerDump`;
 * rpc_server.go `PeerStats`; p2p/store/iface.go `PeerScores`), JSON field names verbatim, and
 * the conversions into them (./p2pApi.ts has the methods and what they accept):
 * - connectedness and direction are go-libp2p's integer enums;
 * - latency is a Go time.Duration: integer nanoseconds;
 * - nodeID is the enode ID as 64 hex characters without 0x;
 * - a subnet is Go's `*net.IPNet`, which has no text form in JSON: `{"IP":"10.0.0.0","Mask":
 *   "/wAAAA=="}` (the mask as base64 bytes).
 */
import {
  createIpNet,
  formatIp,
  type IpNet,
  ipNetMask,
  parseCidr,
  parseIp,
  prefixLengthOfMask,
} from '../gossip/ipNet.ts'
import type { P2pPeerInfo, PeerGossipScores } from '../status/statusSources.ts'
import { nodeIdOfPeerId } from './peerIds.ts'

/** go-libp2p network.Connectedness */
export const Connectedness = {
  NotConnected: 0,
  Connected: 1,
  CanConnect: 2,
  CannotConnect: 3,
  Limited: 4,
} as const
/** go-libp2p network.Direction */
export const Direction = { Unknown: 0, Inbound: 1, Outbound: 2 } as const

export interface TopicScoresJson {
  timeInMesh: number
  firstMessageDeliveries: number
  meshMessageDeliveries: number
  invalidMessageDeliveries: number
}

export interface PeerScoresJson {
  gossip: {
    total: number
    blocks: TopicScoresJson
    IPColocationFactor: number
    behavioralPenalty: number
  }
  reqResp: { validResponses: number; errorResponses: number; rejectedPayloads: number }
}

/** op-node `p2p.PeerInfo` */
export interface PeerInfoJson {
  peerID: string
  nodeID: string
  userAgent: string
  protocolVersion: string
  ENR: string
  addresses: string[] | null
  protocols: string[] | null
  connectedness: number
  direction: number
  protected: boolean
  chainID: number
  latency: number
  gossipBlocks: boolean
  scores: PeerScoresJson
}

/** op-node `p2p.PeerDump` */
export interface PeerDumpJson {
  totalConnected: number
  peers: Record<string, PeerInfoJson>
  bannedPeers: string[]
  bannedIPS: string[]
  bannedSubnets: IpNetJson[]
}

/** Go's `*net.IPNet` as encoding/json writes it: the network IP and the mask bytes in base64. */
export interface IpNetJson {
  IP: string
  Mask: string
}

/** op-node `p2p.PeerStats` (+ blocksTopicV4, as newer op-node and kona report) */
export interface PeerStatsJson {
  connected: number
  table: number
  blocksTopic: number
  blocksTopicV2: number
  blocksTopicV3: number
  blocksTopicV4: number
  banned: number
  known: number
}

function withP2p(address: string, peerId: string): string {
  return address.includes('/p2p/') ? address : `${address}/p2p/${peerId}`
}

function scoresJson(scores: PeerGossipScores | null | undefined, total: number): PeerScoresJson {
  const s = scores ?? null
  return {
    gossip: {
      total: s?.total ?? total,
      blocks: {
        timeInMesh: s?.blocks.timeInMeshSeconds ?? 0,
        firstMessageDeliveries: s?.blocks.firstMessageDeliveries ?? 0,
        meshMessageDeliveries: s?.blocks.meshMessageDeliveries ?? 0,
        invalidMessageDeliveries: s?.blocks.invalidMessageDeliveries ?? 0,
      },
      IPColocationFactor: s?.ipColocationFactor ?? 0,
      behavioralPenalty: s?.behaviouralPenalty ?? 0,
    },
    // No req-resp protocol in op-gossip: always zero.
    reqResp: { validResponses: 0, errorResponses: 0, rejectedPayloads: 0 },
  }
}

function nonEmptyOrNull(list: string[] | undefined): string[] | null {
  return list === undefined || list.length === 0 ? null : list // Go marshals a nil slice as null
}

/** One connected peer in op-node's PeerInfo shape. */
export function peerInfoJson(peer: P2pPeerInfo, blockTopics: ReadonlySet<string>): PeerInfoJson {
  const subscribed = peer.topics ?? peer.meshTopics
  return {
    peerID: peer.peerId,
    nodeID: nodeIdOfPeerId(peer.peerId),
    userAgent: peer.agentVersion ?? '',
    protocolVersion: peer.protocolVersion ?? '',
    ENR: peer.enr ?? '',
    addresses: nonEmptyOrNull(peer.addresses.map((a) => withP2p(a, peer.peerId))),
    protocols: nonEmptyOrNull(peer.protocols),
    connectedness: Connectedness.Connected,
    direction: peer.direction === 'inbound' ? Direction.Inbound : Direction.Outbound,
    protected: peer.isProtected,
    chainID: peer.chainId ?? 0,
    latency: Math.round((peer.latencyMs ?? 0) * 1e6),
    gossipBlocks: subscribed.some((t) => blockTopics.has(t)),
    scores: scoresJson(peer.scores, peer.score),
  }
}

/** The subnet (CIDR text) in Go's JSON shape; null when it is not a subnet. */
export function ipNetJson(cidr: string): IpNetJson | null {
  const net = parseCidr(cidr)
  if (net === null) return null
  return { IP: formatIp(net.bytes), Mask: Buffer.from(ipNetMask(net)).toString('base64') }
}

export function subnetsJson(cidrs: readonly string[]): IpNetJson[] {
  return cidrs.map(ipNetJson).filter((n) => n !== null)
}

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * A subnet from Go's JSON shape, null when it is not one: the IP and a contiguous mask of its
 * length (a 16-byte mask fits an IPv4 address when its first 96 bits are ones, as in Go).
 */
export function ipNetFromJson(value: unknown): IpNet | null {
  if (typeof value !== 'object' || value === null) return null
  const { IP, Mask } = value as Record<string, unknown>
  if (typeof IP !== 'string' || typeof Mask !== 'string') return null
  if (Mask.length > 24 || !BASE64_PATTERN.test(Mask)) return null
  const ip = parseIp(IP)
  const mask = new Uint8Array(Buffer.from(Mask, 'base64'))
  const ones = prefixLengthOfMask(mask)
  if (ip === null || ones === null) return null
  if (ip.length === mask.length) return createIpNet(ip, ones)
  if (ip.length === 4 && mask.length === 16 && ones >= 96) return createIpNet(ip, ones - 96)
  return null
}
