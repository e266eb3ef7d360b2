/**
 * The discovery flags of `op-gossip run` / `op-gossip enr` as data (commander-free), and their
 * translation into createDiscovery options. Flag names are op-node's.
 */
import { isIP } from 'node:net'
import type { ChainConfig } from '../chains/types.ts'
import { OpGossipError } from '../util/errors.ts'
import { checkBootnodeSyntax, splitBootnodes } from './bootnodes.ts'
import type { DiscoveryOptions } from './discovery.ts'
import { IN_MEMORY_DISCOVERY_PATH } from './discoveryTable.ts'

/** op-node's `p2p.discovery.path` default is `opnode_discovery_db`; ours is a JSON file. */
export const DEFAULT_DISCOVERY_PATH = 'opgossip_discovery.json'

export interface FlagSpec {
  flags: string
  description: string
  defaultValue?: string
}

/** Add these to a commander command with `cmd.option(s.flags, s.description, s.defaultValue)`. */
export const DISCOVERY_FLAG_SPECS: readonly FlagSpec[] = [
  {
    flags: '--p2p.listen.udp <port>',
    description: 'discv5 UDP port; 0 = an OS-chosen port, which is advertised (op-node)',
    defaultValue: '0',
  },
  {
    flags: '--p2p.advertise.ip <ip>',
    description: 'IP to put in our ENR (default: learned from peers)',
  },
  {
    flags: '--p2p.advertise.tcp <port>',
    description: 'TCP port to put in our ENR (default: the libp2p port)',
  },
  {
    flags: '--p2p.advertise.udp <port>',
    description: 'UDP port to put in our ENR (default: the discv5 port)',
  },
  { flags: '--p2p.no-discovery', description: 'disable discv5 (peers only from --p2p.static)' },
  {
    flags: '--p2p.discovery.path <file>',
    description: 'file keeping the discv5 table across restarts, or "memory"',
    defaultValue: DEFAULT_DISCOVERY_PATH,
  },
  {
    flags: '--p2p.bootnodes <list>',
    description:
      'comma-separated enr:… / enode://<key>@<host>:<tcp>?discport=<udp>; "default" = op-node\'s list (default: the chain\'s bootnodes)',
  },
]

/** Commander's keys for the flags above. */
export interface DiscoveryFlagValues {
  'p2p.listen.udp'?: string
  'p2p.advertise.ip'?: string
  'p2p.advertise.tcp'?: string
  'p2p.advertise.udp'?: string
  'p2p.noDiscovery'?: boolean
  'p2p.discovery.path'?: string
  'p2p.bootnodes'?: string
}

/** A discovery flag with a bad value; `flag` is its `--name`. */
export class DiscoveryFlagError extends OpGossipError<'DISCOVERY_BAD_FLAG'> {
  override readonly name = 'DiscoveryFlagError'
  constructor(flag: string, message: string) {
    super('DISCOVERY_BAD_FLAG', message, { kind: 'configuration', flag })
  }
}

/** `flag` is the name without dashes (`p2p.listen.udp`). */
export function parsePortFlag(flag: string, value: string): number {
  const port = Number(value)
  if (!/^\d{1,5}$/.test(value) || port > 65535) {
    throw new DiscoveryFlagError(
      `--${flag}`,
      `--${flag} must be a port number 0-65535, got ${JSON.stringify(value)}`,
    )
  }
  return port
}

export function parseIpFlag(flag: string, value: string): string {
  if (isIP(value) === 0) {
    throw new DiscoveryFlagError(
      `--${flag}`,
      `--${flag} must be an IP address, got ${JSON.stringify(value)}`,
    )
  }
  return value
}

/** Everything createDiscovery needs from flags; the key, chain id and TCP port come from the host. */
export type DiscoveryFlagOptions = Pick<
  DiscoveryOptions,
  | 'listenUdpPort'
  | 'advertiseIp'
  | 'advertiseTcpPort'
  | 'advertiseUdpPort'
  | 'bootnodes'
  | 'tablePath'
  | 'netRestrict'
>

export interface ParsedDiscoveryFlags {
  /** False with `--p2p.no-discovery` */
  enabled: boolean
  options: DiscoveryFlagOptions
}

/**
 * Validates the discovery flags (bootnode syntax included, no DNS) for a chain.
 * Bootnodes: the flag when given, else the chain's own list (built-in chains carry op-node's
 * default list; a chain from --rollup.config carries none unless its chain id is a built-in one,
 * so a local devnet never reaches out to public bootnodes by accident).
 * @throws DiscoveryFlagError or BootnodeError naming the flag value
 */
export function parseDiscoveryFlags(
  flags: DiscoveryFlagValues,
  chain: ChainConfig,
): ParsedDiscoveryFlags {
  const options: DiscoveryFlagOptions = {
    listenUdpPort: parsePortFlag('p2p.listen.udp', flags['p2p.listen.udp'] ?? '0'),
  }
  if (flags['p2p.advertise.ip'] !== undefined) {
    options.advertiseIp = parseIpFlag('p2p.advertise.ip', flags['p2p.advertise.ip'])
  }
  if (flags['p2p.advertise.tcp'] !== undefined) {
    options.advertiseTcpPort = parsePortFlag('p2p.advertise.tcp', flags['p2p.advertise.tcp'])
  }
  if (flags['p2p.advertise.udp'] !== undefined) {
    options.advertiseUdpPort = parsePortFlag('p2p.advertise.udp', flags['p2p.advertise.udp'])
  }
  const path = flags['p2p.discovery.path'] ?? DEFAULT_DISCOVERY_PATH
  if (path !== IN_MEMORY_DISCOVERY_PATH) options.tablePath = path
  const bootnodes =
    flags['p2p.bootnodes'] === undefined
      ? [...(chain.bootnodes ?? [])]
      : splitBootnodes(flags['p2p.bootnodes'])
  for (const b of bootnodes) checkBootnodeSyntax(b)
  options.bootnodes = bootnodes
  return { enabled: flags['p2p.noDiscovery'] !== true, options }
}
