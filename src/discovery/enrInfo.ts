/**
 * What op-gossip reads from an ENR: the `opstack` chain/version, the endpoints, and the libp2p
 * address to dial (`/ip4|ip6/<ip>/tcp/<tcp>/p2p/<peerId>`, like op-node's enrToAddrInfo).
 */
import type { BaseENR } from '@chainsafe/enr'
import {
  decodeOpStackEntry,
  OPSTACK_ENR_KEY,
  OPSTACK_ENR_VERSION,
  type OpStackEntry,
} from './opstackEntry.ts'

export interface EnrInfo {
  /** discv5 node id (hex, no 0x) */
  nodeId: string
  /** libp2p peer id derived from the record's secp256k1 key */
  peerId: string
  seq: bigint
  ip: string | null
  ip6: string | null
  tcp: number | null
  udp: number | null
  /** `tcp6` (op-node writes `tcp` for both families; other clients may use `tcp6`) */
  tcp6: number | null
  udp6: number | null
  /** Decoded `opstack` entry; null when absent or malformed */
  opstack: OpStackEntry | null
}

/** Runs an ENR getter that may throw on a malformed value (e.g. a 1-byte port). */
function safe<T>(read: () => T | undefined): T | null {
  try {
    return read() ?? null
  } catch {
    return null
  }
}

/** The record's `opstack` entry, or null when absent or undecodable. */
export function readOpStackEntry(enr: BaseENR): OpStackEntry | null {
  const content = enr.kvs.get(OPSTACK_ENR_KEY)
  if (content === undefined) return null
  try {
    return decodeOpStackEntry(content)
  } catch {
    return null
  }
}

export function describeEnr(enr: BaseENR): EnrInfo {
  return {
    nodeId: enr.nodeId,
    peerId: enr.peerId.toString(),
    seq: enr.seq,
    ip: safe(() => enr.ip),
    ip6: safe(() => enr.ip6),
    tcp: safe(() => enr.tcp),
    udp: safe(() => enr.udp),
    tcp6: safe(() => enr.tcp6),
    udp6: safe(() => enr.udp6),
    opstack: readOpStackEntry(enr),
  }
}

/**
 * op-node's FilterEnodes: keep a record only when its `opstack` entry decodes, names this chain
 * and has version exactly 0.
 */
export function isOpStackPeerOf(enr: BaseENR, chainId: number | bigint): boolean {
  const entry = readOpStackEntry(enr)
  return (
    entry !== null && entry.chainId === BigInt(chainId) && entry.version === OPSTACK_ENR_VERSION
  )
}

/**
 * The libp2p multiaddr to dial for a record (IPv4 preferred, else IPv6, plus TCP and the peer
 * id), or null when the record has no IP or no TCP port (nothing a TCP dial could reach).
 */
export function enrDialAddress(info: EnrInfo): string | null {
  const usable = (port: number | null): port is number => port !== null && port !== 0
  if (info.ip !== null && usable(info.tcp))
    return `/ip4/${info.ip}/tcp/${info.tcp}/p2p/${info.peerId}`
  const tcp6 = usable(info.tcp) ? info.tcp : info.tcp6
  if (info.ip6 !== null && usable(tcp6)) return `/ip6/${info.ip6}/tcp/${tcp6}/p2p/${info.peerId}`
  return null
}
