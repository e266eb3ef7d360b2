/**
 * Addresses whose peers keep flooding. A fresh peer identity costs an attacker nothing, and each
 * one gets the unproven inbound budget (inboundRateLimit.ts) before its flood ban, then the next
 * identity connects from the same address. Once FLOOD_BANS_TO_REFUSE_ADDRESS identities from one
 * IP address were banned for flooding within FLOOD_BAN_WINDOW_MS, the address itself is refused
 * for the ban duration: the connection gater drops its connections at TCP accept, before any
 * handshake, and its open connections are closed. The OP Stack's P2P spec asks for this: "nodes
 * keep each other in check with scoring and eventual banning of malicious peers by identity or
 * IP" (specs/rollup-node-p2p.md).
 *
 * Only flood bans count: past its rate limit by a whole burst, which no honest op-node reaches
 * (inboundRateLimit.ts). The host does not count them when per-IP defences are off (IP
 * colocation off: devnets where every node is 127.0.0.1), nor when a proven peer (one that was
 * first with an accepted block) is connected from the same address, as behind a shared NAT: its
 * flooders are then banned one identity at a time. Kept in memory only: a restart forgets them.
 */
import { RecentMap } from './recentMap.ts'

/** Flood-banned identities from one address that get the address refused. */
export const FLOOD_BANS_TO_REFUSE_ADDRESS = 2
/** Flood bans count towards the address's refusal within this long of each other, ms. */
export const FLOOD_BAN_WINDOW_MS = 60_000
/** Addresses whose recent flood bans are remembered (the oldest is forgotten first). */
export const MAX_TRACKED_FLOODING_ADDRESSES = 4096
/** Refused addresses kept at most; past it the refusal that ends first is dropped. */
export const MAX_REFUSED_FLOODING_ADDRESSES = 1024

export interface FloodingAddressesOptions {
  /** How long an address is refused, ms (the peer ban duration) */
  refuseForMs: number
  /** Clock, ms. @default Date.now */
  now?: () => number
}

export interface RefusedAddress {
  address: string
  untilMs: number
}

export interface FloodingAddresses {
  /** Notes one flood ban of a peer at `ip`; true when this made the address refused. */
  noteFloodBan(ip: string): boolean
  isRefused(ip: string): boolean
  refused(): RefusedAddress[]
}

export function createFloodingAddresses(opts: FloodingAddressesOptions): FloodingAddresses {
  const now = opts.now ?? Date.now
  /** ip → times of its recent flood bans (at most FLOOD_BANS_TO_REFUSE_ADDRESS kept) */
  const recentBans = new RecentMap<string, number[]>(MAX_TRACKED_FLOODING_ADDRESSES)
  /** ip → end of its refusal */
  const refusedUntil = new Map<string, number>()

  function isRefused(ip: string): boolean {
    const until = refusedUntil.get(ip)
    if (until === undefined) return false
    if (until > now()) return true
    refusedUntil.delete(ip)
    return false
  }

  function refuse(ip: string, untilMs: number): void {
    if (refusedUntil.size >= MAX_REFUSED_FLOODING_ADDRESSES) {
      let first: string | null = null
      let firstUntil = Number.POSITIVE_INFINITY
      for (const [address, until] of refusedUntil) {
        if (until < firstUntil) {
          first = address
          firstUntil = until
        }
      }
      if (first !== null) refusedUntil.delete(first)
    }
    refusedUntil.set(ip, untilMs)
  }

  return {
    noteFloodBan(ip) {
      if (isRefused(ip)) return false
      const t = now()
      const times = (recentBans.get(ip) ?? []).filter((at) => t - at < FLOOD_BAN_WINDOW_MS)
      times.push(t)
      if (times.length < FLOOD_BANS_TO_REFUSE_ADDRESS) {
        recentBans.set(ip, times)
        return false
      }
      recentBans.delete(ip)
      refuse(ip, t + opts.refuseForMs)
      return true
    },
    isRefused,
    refused: () =>
      [...refusedUntil]
        .filter(([ip]) => isRefused(ip))
        .map(([address, untilMs]) => ({ address, untilMs })),
  }
}
