/**
 * Gossip host options and their defaults. Router parameters are op-node's (op-gossip.md §5.1),
 * peer management op-node's (§7); each default names where it comes from. libp2pOptions.ts maps
 * these onto libp2p's options, routerOptions.ts onto gossipsub's (one table, both directions).
 */
import type { ChainConfig } from '../chains/types.ts'
import { DEFAULT_BAN_DURATION_MS, DEFAULT_BAN_THRESHOLD } from './banList.ts'
import {
  DEFAULT_PEERS_GRACE_MS,
  DEFAULT_PEERS_HI,
  DEFAULT_PEERS_LO,
  DEFAULT_TRIM_SILENCE_PERIOD_MS,
} from './connectionTrimmer.ts'
import { GossipHostError } from './errors.ts'
import {
  DEFAULT_INBOUND_MESSAGE_BURST,
  DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND,
} from './inboundRateLimit.ts'
import { parseCidr } from './ipNet.ts'
import {
  DISCOVERY_DIAL_FAILURE_BACKOFF_MS,
  DISCOVERY_IDLE_INTERVAL_MS,
  DISCOVERY_INTERVAL_MS,
} from './peerDialer.ts'
import { DEFAULT_PEER_MONITOR_INTERVAL_MS } from './peerMonitor.ts'
import { SCORING_LEVELS, type ScoringLevel } from './scoring.ts'
import { STATIC_PEER_REDIAL_MAX_MS, STATIC_PEER_REDIAL_MIN_MS } from './staticPeers.ts'
import {
  VALIDATION_CONCURRENCY,
  VALIDATION_QUEUE_MAX_LENGTH,
  VALIDATION_TIMEOUT_MS,
} from './validationQueue.ts'

/** op-node `p2p.listen.tcp` default. */
export const DEFAULT_LISTEN_TCP_PORT = 9222
/** op-node `p2p.listen.ip` default. */
export const DEFAULT_LISTEN_IP = '0.0.0.0'
/**
 * Inbound connections accepted per second from one IP (js-libp2p's default). Single-host devnets
 * and tests, where every peer is 127.0.0.1, raise it.
 */
export const DEFAULT_INBOUND_CONNECTIONS_PER_IP_PER_SECOND = 5
/**
 * js-libp2p's hard connection cap is set this many times `peers.hi`, so that the op-node style
 * trimming (connectionTrimmer.ts) decides, while a flood still hits a ceiling.
 */
export const MAX_CONNECTIONS_PER_PEERS_HI = 2
/**
 * libp2p's connection monitor pings every peer this often: op-node's ping service period. (The
 * monitor's 10 s default cost every devnet node a peer-store update, with a pure-JS public key
 * decompression, per ping in each direction: most of an idle node's CPU.)
 */
export const PEER_PING_INTERVAL_MS = 3 * 60_000
/** op-node `p2p.timeout.dial`: one dial, DNS to upgraded connection (also libp2p's default). */
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000
/** op-node `p2p.timeout.accept`: an inbound connection's upgrade (also libp2p's default). */
export const DEFAULT_ACCEPT_TIMEOUT_MS = 10_000
/** op-node `p2p.timeout.negotiation`: protocol negotiation on a stream (also libp2p's default). */
export const DEFAULT_NEGOTIATION_TIMEOUT_MS = 10_000

/** The gossipsub router parameters op-gossip sets (library names in routerOptions.ts). */
export interface GossipRouterParams {
  /** Mesh degree (op-node `p2p.gossip.mesh.d`). @default 8 */
  D: number
  /** Mesh low water (op-node `p2p.gossip.mesh.lo`). @default 6 */
  Dlo: number
  /** Mesh high water (op-node `p2p.gossip.mesh.dhi`). @default 12 */
  Dhi: number
  /** Gossip emission degree (op-node `p2p.gossip.mesh.dlazy`). @default 6 */
  Dlazy: number
  /** go-libp2p-pubsub default. @default 4 */
  Dscore: number
  /** go-libp2p-pubsub default. @default 2 */
  Dout: number
  /** @default 500 ms */
  heartbeatIntervalMs: number
  /** Heartbeats of full messages kept for IWANT (HistoryLength). @default 12 */
  mcacheLength: number
  /** Heartbeats advertised in IHAVE (HistoryGossip). @default 3 */
  mcacheGossip: number
  /** @default 24 s */
  fanoutTtlMs: number
  /** 130 heartbeats. @default 65 s */
  seenTtlMs: number
  /** op-node `p2p.gossip.mesh.floodpublish`. @default false */
  floodPublish: boolean
  /** Peer exchange on PRUNE. @default false */
  doPX: boolean
  /** go-libp2p-pubsub defaults from here on */
  gossipFactor: number
  prunePeers: number
  pruneBackoffMs: number
  unsubscribeBackoffMs: number
  graftFloodThresholdMs: number
  opportunisticGraftTicks: number
  opportunisticGraftPeers: number
  iwantFollowupMs: number
  /** go `IDontWantMessageThreshold`. @default 1024 bytes */
  idontwantMinDataSizeBytes: number
  /** go `MaxIDontWantMessages`. @default 1000 */
  idontwantMaxMessages: number
}

/** op-node's router (op-gossip.md §5.1): the values host.ts gives gossipsub. */
export const OP_NODE_GOSSIP_PARAMS: Readonly<GossipRouterParams> = Object.freeze({
  D: 8,
  Dlo: 6,
  Dhi: 12,
  Dlazy: 6,
  Dscore: 4,
  Dout: 2,
  heartbeatIntervalMs: 500,
  mcacheLength: 12,
  mcacheGossip: 3,
  fanoutTtlMs: 24_000,
  seenTtlMs: 130 * 500,
  floodPublish: false,
  doPX: false,
  gossipFactor: 0.25,
  prunePeers: 16,
  pruneBackoffMs: 60_000,
  unsubscribeBackoffMs: 10_000,
  graftFloodThresholdMs: 10_000,
  opportunisticGraftTicks: 60,
  opportunisticGraftPeers: 2,
  iwantFollowupMs: 3000,
  idontwantMinDataSizeBytes: 1024,
  idontwantMaxMessages: 1000,
})

export interface GossipHostOptions {
  chain: ChainConfig
  /**
   * Peer key (peerIdentity.ts): 32 bytes secp256k1 (op-node's kind), or 64 bytes Ed25519
   * (devnets). Never logged.
   */
  privateKey: Uint8Array
  /** @default DEFAULT_LISTEN_IP */
  listenIp: string
  /** 0 = any free port. @default DEFAULT_LISTEN_TCP_PORT */
  listenTcpPort: number
  /** Multiaddrs with /p2p/<peerId> (dns4/dns/ip4/ip6 + tcp). @default [] */
  staticPeers: string[]
  /** Multiaddrs with /p2p/<peerId> dialled at start to join the DHT. @default [] */
  bootnodes: string[]
  /** Run the libp2p Kademlia DHT for discovery (devnets; real OP networks use discv5). @default false */
  dht: boolean
  /** Connection manager (op-node `p2p.peers.*`). */
  peers: { lo: number; hi: number; graceMs: number }
  /** @default 'light' */
  scoring: ScoringLevel
  /** Apply the IP-colocation score penalty (devnets on one host turn it off). @default true */
  ipColocation: boolean
  /** op-node `p2p.ban.*` */
  ban: { enabled: boolean; threshold: number; durationMs: number }
  router: GossipRouterParams
  validation: { queueMaxLength: number; concurrency: number; timeoutMs: number }
  /** @default DEFAULT_INBOUND_CONNECTIONS_PER_IP_PER_SECOND */
  inboundConnectionsPerIpPerSecond: number
  /**
   * Per-peer limit on messages received on the block topics, before any decoding
   * (inboundRateLimit.ts; perPeerPerSecond 0 turns it off).
   * @default DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND, DEFAULT_INBOUND_MESSAGE_BURST
   */
  inboundMessages: { perPeerPerSecond: number; burst: number }
  /** Timers that tests shorten (production values are op-node's). */
  timing: {
    peerMonitorIntervalMs: number
    staticRedialMinMs: number
    staticRedialMaxMs: number
    discoveryIntervalMs: number
    discoveryIdleIntervalMs: number
    discoveryDialFailureBackoffMs: number
    trimSilencePeriodMs: number
    /** libp2p's connection monitor ping period. @default PEER_PING_INTERVAL_MS */
    peerPingIntervalMs: number
  }
  /** op-node `p2p.timeout.*`, in libp2p's terms (libp2pOptions.ts). */
  timeouts: { dialMs: number; acceptMs: number; negotiationMs: number }
  /** op-node `p2p.ping`: libp2p's connection monitor pings peers (ping is still answered). @default true */
  ping: boolean
  /**
   * op-node `p2p.netrestrict`: CIDR networks; only peers in them are dialled or accepted
   * (netRestrict.ts). Empty = no restriction. @default []
   */
  netRestrict: string[]
}

/** Everything but chain and key may be left out; nested groups may be partial. */
export type GossipHostInit = Pick<GossipHostOptions, 'chain' | 'privateKey'> &
  Partial<
    Omit<
      GossipHostOptions,
      | 'chain'
      | 'privateKey'
      | 'peers'
      | 'ban'
      | 'router'
      | 'validation'
      | 'inboundMessages'
      | 'timing'
      | 'timeouts'
    >
  > & {
    inboundMessages?: Partial<GossipHostOptions['inboundMessages']>
    peers?: Partial<GossipHostOptions['peers']>
    ban?: Partial<GossipHostOptions['ban']>
    router?: Partial<GossipRouterParams>
    validation?: Partial<GossipHostOptions['validation']>
    timing?: Partial<GossipHostOptions['timing']>
    timeouts?: Partial<GossipHostOptions['timeouts']>
  }

export const defaultGossipHostOptions: Omit<GossipHostOptions, 'chain' | 'privateKey'> = {
  listenIp: DEFAULT_LISTEN_IP,
  listenTcpPort: DEFAULT_LISTEN_TCP_PORT,
  staticPeers: [],
  bootnodes: [],
  dht: false,
  peers: { lo: DEFAULT_PEERS_LO, hi: DEFAULT_PEERS_HI, graceMs: DEFAULT_PEERS_GRACE_MS },
  scoring: 'light',
  ipColocation: true,
  ban: { enabled: true, threshold: DEFAULT_BAN_THRESHOLD, durationMs: DEFAULT_BAN_DURATION_MS },
  router: { ...OP_NODE_GOSSIP_PARAMS },
  validation: {
    queueMaxLength: VALIDATION_QUEUE_MAX_LENGTH,
    concurrency: VALIDATION_CONCURRENCY,
    timeoutMs: VALIDATION_TIMEOUT_MS,
  },
  inboundConnectionsPerIpPerSecond: DEFAULT_INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
  inboundMessages: {
    perPeerPerSecond: DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND,
    burst: DEFAULT_INBOUND_MESSAGE_BURST,
  },
  timing: {
    peerMonitorIntervalMs: DEFAULT_PEER_MONITOR_INTERVAL_MS,
    staticRedialMinMs: STATIC_PEER_REDIAL_MIN_MS,
    staticRedialMaxMs: STATIC_PEER_REDIAL_MAX_MS,
    discoveryIntervalMs: DISCOVERY_INTERVAL_MS,
    discoveryIdleIntervalMs: DISCOVERY_IDLE_INTERVAL_MS,
    discoveryDialFailureBackoffMs: DISCOVERY_DIAL_FAILURE_BACKOFF_MS,
    trimSilencePeriodMs: DEFAULT_TRIM_SILENCE_PERIOD_MS,
    peerPingIntervalMs: PEER_PING_INTERVAL_MS,
  },
  timeouts: {
    dialMs: DEFAULT_DIAL_TIMEOUT_MS,
    acceptMs: DEFAULT_ACCEPT_TIMEOUT_MS,
    negotiationMs: DEFAULT_NEGOTIATION_TIMEOUT_MS,
  },
  ping: true,
  netRestrict: [],
}

function bad(message: string): never {
  throw new GossipHostError('GOSSIP_BAD_OPTION', message)
}

function checkInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    bad(`${name} must be an integer in [${min}, ${max}], got ${value}`)
  }
}

/**
 * Fills defaults and checks ranges and consistency.
 * @throws GossipHostError GOSSIP_BAD_OPTION naming the option
 */
export function resolveGossipHostOptions(init: GossipHostInit): GossipHostOptions {
  const d = defaultGossipHostOptions
  const opts: GossipHostOptions = {
    ...d,
    ...init,
    peers: { ...d.peers, ...init.peers },
    ban: { ...d.ban, ...init.ban },
    router: { ...d.router, ...init.router },
    validation: { ...d.validation, ...init.validation },
    inboundMessages: { ...d.inboundMessages, ...init.inboundMessages },
    timing: { ...d.timing, ...init.timing },
    timeouts: { ...d.timeouts, ...init.timeouts },
  }
  checkInt('listenTcpPort', opts.listenTcpPort, 0, 65535)
  checkInt('peers.lo', opts.peers.lo, 0)
  checkInt('peers.hi', opts.peers.hi, 1)
  if (opts.peers.lo > opts.peers.hi)
    bad(`peers.lo (${opts.peers.lo}) must not exceed peers.hi (${opts.peers.hi})`)
  if (!(opts.peers.graceMs >= 0)) bad('peers.grace must be >= 0')
  if (!SCORING_LEVELS.includes(opts.scoring))
    bad(`scoring must be one of ${SCORING_LEVELS.join(', ')}`)
  if (!Number.isFinite(opts.ban.threshold)) bad('ban.threshold must be a number')
  if (!(opts.ban.durationMs > 0)) bad('ban.duration must be > 0')
  const r = opts.router
  checkInt('router.D', r.D, 1)
  checkInt('router.Dlo', r.Dlo, 0)
  checkInt('router.Dhi', r.Dhi, 1)
  checkInt('router.Dlazy', r.Dlazy, 0)
  if (!(r.Dlo <= r.D && r.D <= r.Dhi))
    bad(`mesh degrees must satisfy Dlo <= D <= Dhi, got ${r.Dlo}, ${r.D}, ${r.Dhi}`)
  checkInt('validation.queueMaxLength', opts.validation.queueMaxLength, 0)
  checkInt('validation.concurrency', opts.validation.concurrency, 1)
  if (!(opts.validation.timeoutMs > 0)) bad('validation.timeoutMs must be > 0')
  // gossipsub keeps an unvalidated message for mcacheLength heartbeats: verdicts must come first.
  const mcacheWindowMs = r.mcacheLength * r.heartbeatIntervalMs
  if (opts.validation.timeoutMs >= mcacheWindowMs) {
    bad(`validation.timeoutMs must be below the mcache window (${mcacheWindowMs} ms)`)
  }
  checkInt('inboundConnectionsPerIpPerSecond', opts.inboundConnectionsPerIpPerSecond, 1)
  checkInt('inboundMessages.perPeerPerSecond', opts.inboundMessages.perPeerPerSecond, 0)
  checkInt('inboundMessages.burst', opts.inboundMessages.burst, 1)
  checkInt('timing.peerPingIntervalMs', opts.timing.peerPingIntervalMs, 1)
  checkInt('timeouts.dialMs', opts.timeouts.dialMs, 1)
  checkInt('timeouts.acceptMs', opts.timeouts.acceptMs, 1)
  checkInt('timeouts.negotiationMs', opts.timeouts.negotiationMs, 1)
  for (const cidr of opts.netRestrict) {
    if (parseCidr(cidr) === null) bad(`netRestrict: '${cidr}' is not a CIDR network`)
  }
  if (opts.privateKey.length !== 32 && opts.privateKey.length !== 64) {
    bad('privateKey must be 32 bytes (secp256k1) or 64 (Ed25519)')
  }
  return opts
}
