/**
 * op-node's `--p2p.netrestrict`: a list of CIDR networks. When one is given, only peers inside
 * them are dialled or accepted (peerGate.ts) and discovery ignores records outside them
 * (discovery.ts), as go-ethereum's `netutil.Netlist` does for op-node's discv5.
 */
import { type IpNet, ipNetContains, parseCidr, parseIp } from './ipNet.ts'

/** Whether an IP (text) may be a peer. */
export type NetRestriction = (ip: string) => boolean

/**
 * The restriction of a list of CIDR texts; null for an empty list (everyone allowed), so callers
 * skip the check entirely. An address that is not a plain IP is outside every network.
 * @throws RangeError for an entry that is not a CIDR (options are checked before this)
 */
export function createNetRestriction(cidrs: readonly string[]): NetRestriction | null {
  if (cidrs.length === 0) return null
  const nets: IpNet[] = cidrs.map((text) => {
    const net = parseCidr(text)
    if (net === null) throw new RangeError(`'${text}' is not a CIDR network`)
    return net
  })
  return (ip) => {
    const bytes = parseIp(ip)
    return bytes !== null && nets.some((net) => ipNetContains(net, bytes))
  }
}
