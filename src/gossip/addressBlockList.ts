/**
 * IP address and subnet blocks (op-node's `opp2p_blockAddr` / `opp2p_blockSubnet`, kept by
 * go-libp2p's BasicConnectionGater): host.ts asks `isBlocked` from its libp2p connection gater
 * for every dial and every inbound connection, and closes open connections on a new block.
 * Entries carry an end time like BanList's (op-node's gater blocks have none: the adapter uses a
 * century for "until unblocked"); expired entries are forgotten on the way.
 *
 * Unlike peer bans, which peers earn by misbehaving and which therefore evict the ban ending
 * first when full, these come only from the operator: a block past the limit is refused with
 * BLOCKLIST_FULL rather than silently lifting an older one.
 */
import {
  canonicalCidr,
  canonicalIp,
  formatCidr,
  formatIp,
  type IpNet,
  ipNetContains,
  parseCidr,
  parseIp,
} from './ipNet.ts'

/** Blocked IP addresses kept at most (operator input only; op-node sets no bound). */
export const MAX_BLOCKED_ADDRS = 1000
/** Blocked subnets kept at most (each costs one prefix compare per connection). */
export const MAX_BLOCKED_SUBNETS = 1000

export const BlockListErrorCode = {
  /** Not a plain IP address (the message quotes it) */
  BLOCKLIST_BAD_ADDRESS: 'BLOCKLIST_BAD_ADDRESS',
  /** Not a CIDR subnet such as 10.0.0.0/8 */
  BLOCKLIST_BAD_SUBNET: 'BLOCKLIST_BAD_SUBNET',
  /** MAX_BLOCKED_ADDRS / MAX_BLOCKED_SUBNETS reached */
  BLOCKLIST_FULL: 'BLOCKLIST_FULL',
} as const

export type BlockListErrorCode = keyof typeof BlockListErrorCode

export class BlockListError extends Error {
  override readonly name = 'BlockListError'
  readonly code: BlockListErrorCode

  constructor(code: BlockListErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/** One blocked IP address or subnet. */
export interface AddressBlock {
  /** Canonical IP (`1.2.3.4`, `2001:db8::1`) or CIDR (`10.0.0.0/8`), as Go prints them */
  address: string
  /** Date.now() at which the block ends */
  untilMs: number
}

export interface AddressBlockListOptions {
  /** @default MAX_BLOCKED_ADDRS */
  maxAddrs?: number
  /** @default MAX_BLOCKED_SUBNETS */
  maxSubnets?: number
  /** Clock, ms. @default Date.now */
  now?: () => number
}

export interface AddressBlockListModules {
  /** After a block is added (host.ts closes matching connections) */
  onBlock?: (block: AddressBlock) => void
  /** After any block or unblock (host.ts saves the ban file) */
  onChange?: () => void
}

interface SubnetEntry extends AddressBlock {
  net: IpNet
}

export class AddressBlockList {
  private readonly addrs = new Map<string, AddressBlock>()
  private readonly subnets = new Map<string, SubnetEntry>()
  private readonly maxAddrs: number
  private readonly maxSubnets: number
  private readonly now: () => number
  private readonly modules: AddressBlockListModules

  constructor(opts: AddressBlockListOptions = {}, modules: AddressBlockListModules = {}) {
    this.maxAddrs = opts.maxAddrs ?? MAX_BLOCKED_ADDRS
    this.maxSubnets = opts.maxSubnets ?? MAX_BLOCKED_SUBNETS
    this.now = opts.now ?? Date.now
    this.modules = modules
  }

  /**
   * Blocks `ip` until `untilMs` (a later existing block is kept).
   * @throws BlockListError BLOCKLIST_BAD_ADDRESS / BLOCKLIST_FULL
   */
  blockAddr(ip: string, untilMs: number): AddressBlock {
    const address = canonicalIp(ip)
    if (address === null)
      throw new BlockListError('BLOCKLIST_BAD_ADDRESS', `not an IP address: '${ip}'`)
    return this.add(this.addrs, this.maxAddrs, { address, untilMs }, 'IP addresses')
  }

  unblockAddr(ip: string): boolean {
    const address = canonicalIp(ip)
    return address !== null && this.remove(this.addrs, address)
  }

  /**
   * Blocks the subnet `cidr` (host bits are cleared: `10.1.2.3/8` blocks `10.0.0.0/8`).
   * @throws BlockListError BLOCKLIST_BAD_SUBNET / BLOCKLIST_FULL
   */
  blockSubnet(cidr: string, untilMs: number): AddressBlock {
    const net = parseCidr(cidr)
    if (net === null)
      throw new BlockListError('BLOCKLIST_BAD_SUBNET', `not a CIDR subnet: '${cidr}'`)
    const entry: SubnetEntry = { address: formatCidr(net), untilMs, net }
    return this.add(this.subnets, this.maxSubnets, entry, 'subnets')
  }

  unblockSubnet(cidr: string): boolean {
    const address = canonicalCidr(cidr)
    return address !== null && this.remove(this.subnets, address)
  }

  /** True when `ip` (text, e.g. from a multiaddr) is blocked itself or lies in a blocked subnet. */
  isBlocked(ip: string): boolean {
    if (this.addrs.size === 0 && this.subnets.size === 0) return false
    const bytes = parseIp(ip)
    if (bytes === null) return false
    const now = this.now()
    const single = this.addrs.get(formatIp(bytes))
    if (single !== undefined) {
      if (single.untilMs > now) return true
      this.addrs.delete(single.address)
    }
    for (const entry of this.subnets.values()) {
      if (entry.untilMs <= now) this.subnets.delete(entry.address)
      else if (ipNetContains(entry.net, bytes)) return true
    }
    return false
  }

  /** Current IP blocks, soonest to end first. */
  listAddrs(): AddressBlock[] {
    return this.list(this.addrs)
  }

  /** Current subnet blocks, soonest to end first. */
  listSubnets(): AddressBlock[] {
    return this.list(this.subnets)
  }

  get size(): number {
    return this.addrs.size + this.subnets.size
  }

  private add<T extends AddressBlock>(
    map: Map<string, T>,
    max: number,
    entry: T,
    what: string,
  ): AddressBlock {
    const existing = map.get(entry.address)
    if (existing !== undefined && existing.untilMs >= entry.untilMs) return toBlock(existing)
    if (existing === undefined) {
      this.prune(map)
      if (map.size >= max) {
        throw new BlockListError(
          'BLOCKLIST_FULL',
          `cannot block ${entry.address}: ${max} ${what} are blocked already (the limit)`,
        )
      }
    }
    map.set(entry.address, entry)
    const block = toBlock(entry)
    this.modules.onBlock?.(block)
    this.modules.onChange?.()
    return block
  }

  private remove(map: Map<string, AddressBlock>, address: string): boolean {
    const entry = map.get(address)
    if (entry === undefined) return false
    map.delete(address)
    this.modules.onChange?.()
    return entry.untilMs > this.now()
  }

  private list(map: Map<string, AddressBlock>): AddressBlock[] {
    this.prune(map)
    return [...map.values()].map(toBlock).sort((a, b) => a.untilMs - b.untilMs)
  }

  private prune(map: Map<string, AddressBlock>): void {
    const now = this.now()
    for (const [key, entry] of map) if (entry.untilMs <= now) map.delete(key)
  }
}

function toBlock(entry: AddressBlock): AddressBlock {
  return { address: entry.address, untilMs: entry.untilMs }
}
