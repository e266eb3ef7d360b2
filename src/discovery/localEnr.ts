/**
 * This node's own record: `id`=v4, `secp256k1`, `ip`/`ip6` (the advertised IP; left out when
 * unknown so discv5 can learn it from peers), `tcp` (libp2p port), `udp` (discv5 port) and
 * `opstack` = uvarint(chainId) || uvarint(0) (op-node's Discovery()).
 */
import { isIP } from 'node:net'
import { SignableENR } from '@chainsafe/enr'
import { type NodePrivateKey, nodeKeyBytes } from './nodeKey.ts'
import { encodeOpStackEntry, OPSTACK_ENR_KEY } from './opstackEntry.ts'

export interface LocalEnrOptions {
  privateKey: NodePrivateKey
  chainId: number
  /** Advertised IP (v4 or v6); omitted when undefined */
  ip?: string
  /** Advertised libp2p TCP port; omitted when 0 or undefined */
  tcp?: number
  /** Advertised discv5 UDP port; omitted when 0 or undefined */
  udp?: number
}

export function createLocalEnr(opts: LocalEnrOptions): SignableENR {
  const enr = SignableENR.createV4(nodeKeyBytes(opts.privateKey))
  enr.set(OPSTACK_ENR_KEY, encodeOpStackEntry(opts.chainId))
  const family = opts.ip === undefined ? 0 : isIP(opts.ip)
  const has = (port: number | undefined): port is number => port !== undefined && port !== 0
  // Like op-node (go-ethereum's LocalNode): `tcp` whatever the IP family, `udp6` beside `ip6`.
  if (has(opts.tcp)) enr.tcp = opts.tcp
  if (family === 6) {
    enr.ip6 = opts.ip
    if (has(opts.udp)) enr.udp6 = opts.udp
  } else {
    if (family === 4) enr.ip = opts.ip
    if (has(opts.udp)) enr.udp = opts.udp
  }
  return enr
}
