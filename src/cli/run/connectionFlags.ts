/**
 * op-node's connection flags of `op-gossip run` (op-node/flags/p2p_flags.go): the
 * `--p2p.timeout.*` durations (hidden, as in op-node), `--p2p.ping` and `--p2p.netrestrict`;
 * and our inbound limits (`--p2p.inbound.*`, hidden), per IP and per peer.
 * Defaults are read from gossip/options.ts; what each means in libp2p is in libp2pOptions.ts.
 */

import { parseCidr } from '../../gossip/ipNet.ts'
import { defaultGossipHostOptions, type GossipHostInit } from '../../gossip/options.ts'
import { formatDurationMs } from '../../signer/duration.ts'
import { parseBoolFlag, parseDurationFlag, splitListFlag } from '../flagValues.ts'
import { UsageError } from '../usageError.ts'

/** Shortest timeout accepted: a 0 would fail every dial, accept or negotiation at once. */
export const MIN_CONNECTION_TIMEOUT_MS = 1

/** Commander's keys for these flags. */
export interface ConnectionFlagValues {
  'p2p.timeout.negotiation': string
  'p2p.timeout.accept': string
  'p2p.timeout.dial': string
  'p2p.ping': string | boolean
  'p2p.netrestrict'?: string
  'p2p.inbound.rate': string
  'p2p.inbound.messages.rate': string
  'p2p.inbound.messages.burst': string
}

const timeouts = defaultGossipHostOptions.timeouts

/** The flag definitions (flags.ts's FlagDef shape). */
export const CONNECTION_FLAG_SPECS = [
  {
    flags: '--p2p.timeout.negotiation <duration>',
    description: 'protocol negotiation on a new stream must finish within this (as op-node)',
    defaultValue: formatDurationMs(timeouts.negotiationMs),
    hidden: true,
  },
  {
    flags: '--p2p.timeout.accept <duration>',
    description: 'an inbound connection must be upgraded (noise, yamux) within this (as op-node)',
    defaultValue: formatDurationMs(timeouts.acceptMs),
    hidden: true,
  },
  {
    flags: '--p2p.timeout.dial <duration>',
    description: 'an outbound dial must connect and upgrade within this (as op-node)',
    defaultValue: formatDurationMs(timeouts.dialMs),
    hidden: true,
  },
  {
    flags: '--p2p.ping [bool]',
    description: 'ping connected peers periodically (pings are answered either way)',
    defaultValue: String(defaultGossipHostOptions.ping),
    bool: true,
  },
  {
    flags: '--p2p.netrestrict <cidrs>',
    description:
      'comma-separated CIDR networks: only peers inside them are dialled, accepted or taken from discovery',
  },
  {
    flags: '--p2p.inbound.rate <n>',
    description:
      'inbound connections accepted per second from one IP (devnets on one host raise it)',
    defaultValue: String(defaultGossipHostOptions.inboundConnectionsPerIpPerSecond),
    hidden: true,
  },
  {
    flags: '--p2p.inbound.messages.rate <n>',
    description:
      'gossip messages accepted per second from one peer on the block topics, before decoding (0: no limit)',
    defaultValue: String(defaultGossipHostOptions.inboundMessages.perPeerPerSecond),
    hidden: true,
  },
  {
    flags: '--p2p.inbound.messages.burst <n>',
    description: 'gossip messages one peer may send at once before its rate applies',
    defaultValue: String(defaultGossipHostOptions.inboundMessages.burst),
    hidden: true,
  },
] as const

function parseTimeoutFlag(flag: string, text: string): number {
  const ms = parseDurationFlag(flag, text)
  if (ms < MIN_CONNECTION_TIMEOUT_MS) {
    throw new UsageError(`${flag} must be at least ${MIN_CONNECTION_TIMEOUT_MS}ms, got '${text}'`, {
      flag,
    })
  }
  return ms
}

/** `--p2p.netrestrict`: the CIDRs as given, each checked. */
export function parseNetRestrictFlag(text: string | undefined): string[] {
  const cidrs = splitListFlag(text)
  for (const cidr of cidrs) {
    if (parseCidr(cidr) === null) {
      throw new UsageError(
        `--p2p.netrestrict entries must be CIDR networks such as 10.0.0.0/8, got '${cidr}'`,
        { flag: '--p2p.netrestrict' },
      )
    }
  }
  return cidrs
}

/** These flags as gossip host options. */
export function parseConnectionFlags(
  flags: ConnectionFlagValues,
): Required<Pick<GossipHostInit, 'timeouts' | 'ping' | 'netRestrict'>> {
  return {
    timeouts: {
      negotiationMs: parseTimeoutFlag(
        '--p2p.timeout.negotiation',
        flags['p2p.timeout.negotiation'],
      ),
      acceptMs: parseTimeoutFlag('--p2p.timeout.accept', flags['p2p.timeout.accept']),
      dialMs: parseTimeoutFlag('--p2p.timeout.dial', flags['p2p.timeout.dial']),
    },
    ping: parseBoolFlag('--p2p.ping', flags['p2p.ping']),
    netRestrict: parseNetRestrictFlag(flags['p2p.netrestrict']),
  }
}
