/**
 * The gossip host: libp2p (TCP, noise, yamux, identify, ping, optional Kademlia DHT) and
 * gossipsub configured as op-node runs it (op-gossip.md §5, §7). This is the ONLY module that
 * imports libp2p or @libp2p/gossipsub, so the gossipsub package can be swapped in one place.
 *
 * Message path: gossipsub decodes an RPC → our message-ID function (op-node's, §4.1) runs and
 * records the message's first-seen time (the earliest per-message hook the library offers) →
 * gossipsub de-duplicates and dispatches 'gossipsub:message' (asyncValidation: the message waits
 * in the mcache, unforwarded) → the bounded validation queue runs the wire validator → we report
 * accept / reject / ignore back to gossipsub, which forwards or penalises (P4) → accepted blocks go
 * to the consumers. Every message gets a verdict event.
 *
 * Peer management around it: static peers (staticPeers.ts), discovery dialling (peerDialer.ts),
 * low/high-watermark trimming (connectionTrimmer.ts), score bans (peerMonitor.ts + banList.ts)
 * and IP / subnet blocks (addressBlockList.ts) enforced by the connection gater below, saved
 * across restarts when given a ban store (banStore.ts).
 */

import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import {
  type GossipsubMessage,
  type GossipsubOpts,
  gossipsub,
  type Message,
  StrictNoSign,
  TopicValidatorResult,
} from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Connection, PeerId } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { CODE_P2P, type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { encode as lengthPrefixedEncode } from 'it-length-prefixed'
import { createLibp2p, type Libp2p, type Libp2pOptions } from 'libp2p'
import { type Logger, silentLogger } from '../util/logger.ts'
import { AGENT_VERSION } from '../version.ts'
import type { GossipReasonCode, Verdict } from '../wire/errors.ts'
import { type CachedMessageId, MessageIdCache } from '../wire/msgId.ts'
import { MAX_GOSSIP_SIZE_BYTES } from '../wire/snappy.ts'
import { allBlocksTopics, blocksTopic, blockVersionAt } from '../wire/topics.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import { type AddressBlock, AddressBlockList } from './addressBlockList.ts'
import { BanList } from './banList.ts'
import type { BanSnapshot, BanStore } from './banStore.ts'
import { coalescingTcp } from './coalescingTcp.ts'
import { createConnectionTrimmer, type TrimCandidate } from './connectionTrimmer.ts'
import { GossipHostError } from './errors.ts'
import { quietEmptyLengthPrefixReads } from './lengthPrefixReads.ts'
import {
  type GossipHostInit,
  type GossipHostOptions,
  type GossipRouterParams,
  MAX_CONNECTIONS_PER_PEERS_HI,
  resolveGossipHostOptions,
} from './options.ts'
import { createPeerDialer } from './peerDialer.ts'
import { createPeerMonitor } from './peerMonitor.ts'
import { RecentMap } from './recentMap.ts'
import { buildScoringConfig, routerVerdict, type ScoringConfig } from './scoring.ts'
import { createStaticPeers, type StaticPeer } from './staticPeers.ts'
import {
  type AcceptedBlock,
  type BanEntry,
  type BlockConsumer,
  type ConnectionDirection,
  HostReason,
  type HostReasonCode,
  type PeerSummary,
  type VerdictEvent,
} from './types.ts'
import { createValidationQueue, type JobOutcome, type ValidationJob } from './validationQueue.ts'
import { deferYamuxWindowUpdates } from './yamuxWindowUpdates.ts'

/**
 * Bytes gossipsub may buffer towards one slow peer before it resets that stream (the library's
 * default is unbounded). Three maximum-size messages.
 */
export const MAX_OUTBOUND_BUFFER_BYTES = 3 * MAX_GOSSIP_SIZE_BYTES
/** The op-gossip DHT protocol: per chain, so devnets of different chains never mix. */
export function dhtProtocol(chainId: number): string {
  return `/op-gossip/${chainId}/kad/1.0.0`
}
/**
 * libp2p's connection monitor pings every peer this often: op-node's ping service period. (The
 * monitor's 10 s default cost every devnet node a peer-store update, with a pure-JS public key
 * decompression, per ping in each direction: most of an idle node's CPU.)
 */
export const PEER_PING_INTERVAL_MS = 3 * 60_000
/** A DHT lookup for more peers gives up after this long. */
export const DHT_LOOKUP_TIMEOUT_MS = 10_000
/** Peers remembered as discovery dial candidates (the most recently updated are kept). */
export const MAX_DIAL_CANDIDATES = 1000
/**
 * Peers protected from trimming by `opp2p_protectPeer` at most (op-node sets no bound); past it
 * the oldest protection is dropped.
 */
export const MAX_PROTECTED_PEERS = 1000
/** Bytes of the random key a discovery lookup walks towards. */
const DHT_LOOKUP_KEY_BYTES = 32
/**
 * gossipsub RPC decoding bounds: the library's defaults, except IDONTWANT IDs raised to the
 * per-heartbeat limit we configure (go-libp2p-pubsub's MaxIDontWantMessages).
 */
function decodeRpcLimits(router: GossipRouterParams) {
  return {
    maxSubscriptions: 5000,
    maxMessages: 5000,
    maxIhaveMessageIDs: 5000,
    maxIwantMessageIDs: 5000,
    maxIdontwantMessageIDs: router.idontwantMaxMessages,
    maxControlMessages: 5000,
    maxPeerInfos: 16,
  }
}

const LIMIT_RAISED: unique symbol = Symbol.for('op-gossip.lengthPrefixedLimitRaised')

/**
 * gossipsub frames every outbound RPC with it-length-prefixed's `encode.single` without options,
 * so the 4 MiB default of that function applies and a 4-10 MiB block is silently not sent (the
 * publish reports no recipients; relaying drops it). The library has no option for this, so the
 * default is raised here to op-node's 10 MiB RPC limit, for calls that pass no limit of their own.
 * Process-wide and idempotent; an e2e test sends a 5 MiB block to prove it still takes effect.
 */
function raiseLengthPrefixedEncodeLimit(): void {
  const encode = lengthPrefixedEncode as typeof lengthPrefixedEncode & { [LIMIT_RAISED]?: true }
  if (encode[LIMIT_RAISED] === true) return
  const single = encode.single
  encode.single = (chunk, options) =>
    single(chunk, { ...options, maxDataLength: options?.maxDataLength ?? MAX_GOSSIP_SIZE_BYTES })
  encode[LIMIT_RAISED] = true
}

/** The validator the host runs (src/gossip/validator.ts's BlockValidator fits). */
export interface HostValidator {
  validate(
    topic: string,
    data: Uint8Array,
    opts?: { decompressed?: Uint8Array | null },
  ): HostValidationResult | Promise<HostValidationResult>
}

export type HostValidationResult =
  | { verdict: 'accept'; reason: null; envelope: SignedEnvelope }
  | { verdict: 'reject' | 'ignore'; reason: GossipReasonCode; envelope: SignedEnvelope | null }

export interface GossipHostModules {
  validator: HostValidator
  /** @default silentLogger */
  logger?: Logger
  /**
   * Wall clock in ms for firstSeenMs / validatedMs (e.g. `performance.timeOrigin +
   * performance.now()` for sub-millisecond figures comparable across processes).
   * @default Date.now
   */
  now?: () => number
  /** createLibp2p's `metrics` option (src/metrics/libp2pMetrics.ts: libp2pMetricsOption) */
  libp2pMetrics?: Libp2pOptions['metrics']
  /** gossipsub's own metrics (src/metrics/libp2pMetrics.ts: gossipsubMetricsOptions) */
  gossipsubMetrics?: Pick<GossipsubOpts, 'metricsRegister' | 'metricsTopicStrToLabel'>
}

/** Message counts since start (for metrics and the devnet view). */
export interface GossipHostCounters {
  /** Messages received on our topics (every copy, before de-duplication) */
  received: number
  /** Copies gossipsub dropped as already seen */
  duplicates: number
  /** Verdicts reported, by outcome */
  accepted: number
  rejected: number
  ignored: number
}

export interface PublishedMessage {
  topic: string
  /** Hex of the 20-byte message ID */
  messageId: string
  /** Peers the message was sent to */
  recipients: string[]
}

export interface GossipHostEvents {
  verdict: [VerdictEvent]
  block: [AcceptedBlock]
  'peer:connect': [{ peerId: string; direction: ConnectionDirection }]
  'peer:disconnect': [{ peerId: string }]
  'peer:ban': [BanEntry]
}

/** The effective router settings, read back from the running gossipsub instance. */
export interface EffectiveRouterSettings extends GossipRouterParams {
  signaturePolicy: string
  asyncValidation: boolean
  allowedTopics: string[]
  maxInboundDataLengthBytes: number
  fallbackToFloodsub: boolean
  protocols: string[]
  scoreThresholds: Record<string, number>
  scoreParams: Record<string, unknown>
}

export interface GossipHost {
  readonly peerId: string
  readonly options: Readonly<GossipHostOptions>
  /** The chain's four block topics, v1..v4 */
  readonly topics: readonly string[]
  readonly events: EventEmitter<GossipHostEvents>
  start(): Promise<void>
  stop(): Promise<void>
  /** Listen multiaddrs including /p2p/<peerId> */
  listenAddresses(): string[]
  /** Adds a consumer of accepted blocks; returns its removal function. */
  addConsumer(consumer: BlockConsumer): () => void
  /**
   * Publishes a signed block (`data` = the Snappy-compressed gossip bytes) on the topic its
   * timestamp selects, after validating it like any received message.
   * @throws GossipHostError GOSSIP_PUBLISH_INVALID / GOSSIP_PUBLISH_DUPLICATE / GOSSIP_NOT_STARTED
   */
  publish(block: { timestamp: bigint | number; data: Uint8Array }): Promise<PublishedMessage>
  /**
   * TEST ONLY: publishes raw bytes on any topic WITHOUT local validation, to make this node a
   * misbehaving peer in tests of scoring and banning. Never call it in production code.
   */
  publishUnvalidatedForTesting(topic: string, data: Uint8Array): Promise<PublishedMessage>
  /** Dials a multiaddr (with /p2p/<peerId>); resolves to the peer ID. */
  dial(address: string): Promise<string>
  /**
   * Adds peers (multiaddrs with /p2p/<peerId>) to the peer store for the discovery dialler: the
   * seam a discv5 module feeds. Returns how many were added.
   */
  addPeers(addresses: readonly string[]): Promise<number>
  /** Connected peers (synchronous: identify results are cached as they arrive) */
  peers(): PeerSummary[]
  /** Closes every connection to the peer (it may reconnect; `ban` keeps it out). */
  disconnect(peerId: string): Promise<void>
  /** Mesh peers per block topic */
  meshPeers(): Record<string, string[]>
  peerScores(): Record<string, number>
  bans(): BanEntry[]
  ban(peerId: string, durationMs?: number): BanEntry
  unban(peerId: string): boolean
  /** IP blocks (op-node's `opp2p_blockAddr`), soonest to end first */
  blockedAddrs(): AddressBlock[]
  /**
   * Refuses the IP at the connection gater, inbound and outbound, and closes its open
   * connections. @throws BlockListError BLOCKLIST_BAD_ADDRESS / BLOCKLIST_FULL
   */
  blockAddr(ip: string, durationMs: number): AddressBlock
  /** False when the IP was not blocked */
  unblockAddr(ip: string): boolean
  /** Subnet blocks (`opp2p_blockSubnet`) as CIDR, soonest to end first */
  blockedSubnets(): AddressBlock[]
  /** Like blockAddr for a CIDR subnet. @throws BlockListError BLOCKLIST_BAD_SUBNET / BLOCKLIST_FULL */
  blockSubnet(cidr: string, durationMs: number): AddressBlock
  unblockSubnet(cidr: string): boolean
  /** Keeps the peer out of connection trimming (op-node's "api-protected" tag; not saved) */
  protectPeer(peerId: string): void
  /** False when the peer was not protected this way (static peers stay protected) */
  unprotectPeer(peerId: string): boolean
  /** Peers protected with protectPeer */
  protectedPeers(): string[]
  /**
   * Keeps bans and IP / subnet blocks in `store` across restarts, as op-node keeps them in its
   * peerstore: restores the saved ones now, saves after each change, flushes on stop.
   * @throws GossipHostError GOSSIP_BAD_OPTION once started
   */
  persistBans(store: BanStore): void
  routerSettings(): EffectiveRouterSettings
  /** Messages waiting for validation */
  readonly validationBacklog: number
  counters(): GossipHostCounters
}

/** The gossipsub members the host uses (the package's exported interface omits some). */
interface GossipsubRouter {
  subscribe(topic: string): void
  publish(topic: string, data: Uint8Array): Promise<{ recipients: PeerId[] }>
  reportMessageValidationResult(
    msgId: string,
    propagationSource: string,
    acceptance: TopicValidatorResult,
  ): void
  getMeshPeers(topic: string): string[]
  getScore(peerId: string): number
  addEventListener(
    type: 'gossipsub:message',
    listener: (evt: CustomEvent<GossipsubMessage>) => void,
  ): void
  readonly opts: Record<string, unknown>
  readonly globalSignaturePolicy: string
  readonly protocols: string[]
}

const ROUTER_METHODS = [
  'subscribe',
  'publish',
  'reportMessageValidationResult',
  'getMeshPeers',
  'getScore',
] as const

function asGossipsubRouter(service: unknown): GossipsubRouter {
  for (const method of ROUTER_METHODS) {
    if (typeof (service as Record<string, unknown>)[method] !== 'function') {
      throw new Error(
        `@libp2p/gossipsub lacks ${method}(): the host needs updating for this version`,
      )
    }
  }
  return service as GossipsubRouter
}

const ACCEPTANCE: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** The IP of a multiaddr (its ip4 / ip6 part; dial addresses are resolved before the gater). */
function ipOfMultiaddr(address: Multiaddr): string | null {
  for (const c of address.getComponents()) {
    if (c.name === 'ip4' || c.name === 'ip6') return c.value ?? null
  }
  return null
}

/** Peer ID string of a 32-byte secp256k1 key (libp2p's `16Uiu2H…` form). */
export function peerIdFromPrivateKeyBytes(privateKey: Uint8Array): string {
  return peerIdFromPrivateKey(privateKeyFromRaw(privateKey)).toString()
}

/**
 * Parses a peer multiaddr: an ip4/ip6/dns/dns4/dns6 host, a tcp port and a /p2p/<peerId>.
 * @throws GossipHostError GOSSIP_BAD_MULTIADDR
 */
export function parsePeerMultiaddr(address: string): StaticPeer {
  let ma: Multiaddr
  try {
    ma = multiaddr(address)
  } catch (err) {
    throw new GossipHostError('GOSSIP_BAD_MULTIADDR', `not a multiaddr: ${address}`, { cause: err })
  }
  const components = ma.getComponents()
  const host = components[0]
  const port = components[1]
  const last = components.at(-1)
  if (
    components.length !== 3 ||
    host === undefined ||
    !['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(host.name) ||
    port?.name !== 'tcp' ||
    last?.name !== 'p2p' ||
    last.value === undefined
  ) {
    throw new GossipHostError(
      'GOSSIP_BAD_MULTIADDR',
      `expected /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>/p2p/<peerId>, got ${address}`,
    )
  }
  try {
    return { peerId: peerIdFromString(last.value).toString(), address }
  } catch (err) {
    throw new GossipHostError('GOSSIP_BAD_MULTIADDR', `bad peer ID in ${address}`, { cause: err })
  }
}

function listenMultiaddr(ip: string, port: number): string {
  return ip.includes(':') ? `/ip6/${ip}/tcp/${port}` : `/ip4/${ip}/tcp/${port}`
}

interface FirstSeen {
  wallMs: number
  mono: number
}

/** deadlineMs is on the performance.now() clock. */
interface QueuedMessage extends ValidationJob {
  msgIdStr: string
  topic: string
  data: Uint8Array
  fromPeer: string
  /** Wall clock (modules.now) at first sight: the hand-off's firstSeenMs */
  firstSeenMs: number
  /** The same instant on the monotonic clock (performance.now()), for durations */
  firstSeenMono: number
  enqueuedMono: number
}

export function createGossipHost(init: GossipHostInit, modules: GossipHostModules): GossipHost {
  const opts = resolveGossipHostOptions(init)
  const log = (modules.logger ?? silentLogger).child({ module: 'gossip' })
  const { chain } = opts
  const topics = allBlocksTopics(chain.chainId)
  const libp2pKey = privateKeyFromRaw(opts.privateKey)
  const peerId = peerIdFromPrivateKey(libp2pKey).toString()
  const staticPeerList = opts.staticPeers.map(parsePeerMultiaddr)
  const bootnodes = opts.bootnodes.map(parsePeerMultiaddr)
  const scoring: ScoringConfig = buildScoringConfig({
    level: opts.scoring,
    ipColocation: opts.ipColocation,
    blockTimeSeconds: chain.blockTime,
    topics,
  })
  const events = new EventEmitter<GossipHostEvents>()
  const consumers = new Set<BlockConsumer>()
  /** Where bans and blocks are saved (persistBans); null keeps them in memory only */
  let banStore: BanStore | null = null
  const banSnapshot = (): BanSnapshot => ({
    peers: bans.list(),
    addrs: addressBlocks.listAddrs(),
    subnets: addressBlocks.listSubnets(),
  })
  const saveBans = () => banStore?.scheduleSave(banSnapshot)
  const bans = new BanList({}, { onChange: saveBans })
  const addressBlocks = new AddressBlockList(
    {},
    { onBlock: () => closeBlockedConnections(), onChange: saveBans },
  )
  const isAddressBlocked = (address: Multiaddr): boolean => {
    const ip = ipOfMultiaddr(address)
    return ip !== null && addressBlocks.isBlocked(ip)
  }
  /** opp2p_protectPeer: spared by the trimmer like static peers (the ban monitor still acts) */
  const apiProtected = new RecentMap<string, true>(MAX_PROTECTED_PEERS)
  const idCache = new MessageIdCache()
  /** First-seen time per received message, keyed by its data object (freed with it). */
  const firstSeen = new WeakMap<Uint8Array, FirstSeen>()
  const wallNow = modules.now ?? Date.now
  const counters = {
    idComputed: 0,
    published: 0,
    dispatched: 0,
    accepted: 0,
    rejected: 0,
    ignored: 0,
  }

  let node: Libp2p | null = null
  let router: GossipsubRouter | null = null
  /** A host is single-use: the validation queue and timers do not restart. */
  let stopped = false

  function started(): { node: Libp2p; router: GossipsubRouter } {
    if (node === null || router === null) {
      throw new GossipHostError('GOSSIP_NOT_STARTED', 'the gossip host is not running')
    }
    return { node, router }
  }

  // --- validation --------------------------------------------------------------------------

  /**
   * Tells gossipsub to forward an accepted message once the sockets have been polled again: the
   * IDONTWANTs mesh peers sent while it was being validated are read first, so gossipsub skips
   * those peers. Two setImmediates because one scheduled from the poll phase would run before
   * the next poll. Consumers get the block at once all the same (see deliver).
   */
  function acceptAfterNextPoll(job: QueuedMessage): void {
    setImmediate(() =>
      setImmediate(() => {
        if (!stopped)
          router?.reportMessageValidationResult(job.msgIdStr, job.fromPeer, ACCEPTANCE.accept)
      }),
    )
  }

  function report(
    job: QueuedMessage,
    verdict: Verdict,
    reason: GossipReasonCode | HostReasonCode | null,
    envelope: SignedEnvelope | null,
    timing: { startedMs: number | null; finishedMs: number },
  ): void {
    if (verdict === 'accept') {
      acceptAfterNextPoll(job)
      counters.accepted++
    } else {
      const toRouter = ACCEPTANCE[routerVerdict(verdict, reason)]
      router?.reportMessageValidationResult(job.msgIdStr, job.fromPeer, toRouter)
      if (verdict === 'reject') counters.rejected++
      else counters.ignored++
    }
    const payload = envelope?.payload
    const event: VerdictEvent = {
      topic: job.topic,
      messageId: job.msgIdStr,
      fromPeer: job.fromPeer,
      verdict,
      reason,
      blockNumber: payload?.blockNumber ?? null,
      blockHash: payload === undefined ? null : `0x${toHex(payload.blockHash)}`,
      firstSeenMs: job.firstSeenMs,
      queueMs: (timing.startedMs ?? timing.finishedMs) - job.enqueuedMono,
      validationMs: timing.startedMs === null ? 0 : timing.finishedMs - timing.startedMs,
      totalMs: timing.finishedMs - job.firstSeenMono,
    }
    if (verdict !== 'accept') {
      log.debug({ topic: job.topic, peer: job.fromPeer, verdict, reason }, 'gossip message refused')
    }
    events.emit('verdict', event)
  }

  function deliver(block: AcceptedBlock): void {
    events.emit('block', block)
    for (const consumer of consumers) {
      try {
        const pending = consumer.onBlock(block)
        if (pending instanceof Promise) {
          pending.catch((err: unknown) => log.error({ err }, 'block consumer failed'))
        }
      } catch (err) {
        log.error({ err }, 'block consumer failed')
      }
    }
  }

  function onOutcome(job: QueuedMessage, outcome: JobOutcome<HostValidationResult>): void {
    if (outcome.kind === 'timeout') {
      report(job, HostReason.VALIDATION_TIMEOUT, 'VALIDATION_TIMEOUT', null, outcome)
      return
    }
    if (outcome.kind === 'error') {
      log.error({ err: outcome.error, topic: job.topic }, 'validator threw')
      report(job, HostReason.VALIDATOR_ERROR, 'VALIDATOR_ERROR', null, outcome)
      return
    }
    const result = outcome.result
    report(job, result.verdict, result.reason, result.envelope, outcome)
    if (result.verdict === 'accept') {
      deliver({
        envelope: result.envelope,
        topic: job.topic,
        messageId: new Uint8Array(Buffer.from(job.msgIdStr, 'hex')),
        fromPeer: job.fromPeer,
        firstSeenMs: job.firstSeenMs,
        validatedMs: wallNow(),
      })
    }
  }

  const queue = createValidationQueue<QueuedMessage, HostValidationResult>(
    { maxLength: opts.validation.queueMaxLength, concurrency: opts.validation.concurrency },
    {
      run(job) {
        // The message-ID function already decompressed this exact data object: reuse it.
        const pre = idCache.take(job.topic, job.data)
        return modules.validator.validate(
          job.topic,
          job.data,
          pre === undefined ? undefined : { decompressed: pre.decompressed },
        )
      },
      onOutcome,
      // Deadlines and durations on the monotonic clock.
      now: () => performance.now(),
    },
  )

  function onGossipMessage(evt: CustomEvent<GossipsubMessage>): void {
    const { propagationSource, msgId, msg } = evt.detail
    const mono = performance.now()
    counters.dispatched++
    const seen = firstSeen.get(msg.data) ?? { wallMs: wallNow(), mono }
    const job: QueuedMessage = {
      msgIdStr: msgId,
      topic: msg.topic,
      data: msg.data,
      fromPeer: propagationSource.toString(),
      firstSeenMs: seen.wallMs,
      firstSeenMono: seen.mono,
      enqueuedMono: mono,
      deadlineMs: seen.mono + opts.validation.timeoutMs,
    }
    if (!queue.push(job)) {
      report(job, HostReason.VALIDATION_QUEUE_FULL, 'VALIDATION_QUEUE_FULL', null, {
        startedMs: null,
        finishedMs: performance.now(),
      })
    }
  }

  /** op-node's message ID; also the earliest per-message hook, so first-seen is taken here. */
  function messageIdFn(msg: Message): Uint8Array {
    counters.idComputed++
    if (!firstSeen.has(msg.data))
      firstSeen.set(msg.data, { wallMs: wallNow(), mono: performance.now() })
    return idCache.compute(msg.topic, msg.data)
  }

  // --- peers ---------------------------------------------------------------------------------

  const staticPeers = createStaticPeers(
    staticPeerList.filter((p) => p.peerId !== peerId),
    { redialMinMs: opts.timing.staticRedialMinMs, redialMaxMs: opts.timing.staticRedialMaxMs },
    {
      isConnected: (id) => isConnected(id),
      dial: async (peer) => {
        await started().node.dial(multiaddr(peer.address))
      },
      onDialError: (peer, err, nextMs) =>
        log.debug(
          { peer: peer.peerId, err: String(err), retryInMs: nextMs },
          'static peer dial failed',
        ),
    },
  )

  function isConnected(id: string): boolean {
    return node?.getConnections().some((c) => c.remotePeer.toString() === id) ?? false
  }

  /**
   * Peers with known addresses, for the discovery dialler: fed by libp2p's peer:update events
   * (DHT results, identify, addPeers), so no round re-reads the peer store (decoding every
   * secp256k1 key there costs milliseconds per peer with js-libp2p's pure-JS curve code).
   */
  const dialCandidates = new RecentMap<string, PeerId>(MAX_DIAL_CANDIDATES)
  /** identify results of connected peers (agent, protocols), dropped on disconnect */
  const identities = new Map<string, { agentVersion: string | null; protocols: string[] }>()

  /** Dial candidates ever added (new peers learned), for the dialler's lookup back-off. */
  let candidatesLearned = 0

  /** Returns true when the peer was not a candidate before. */
  function rememberDialCandidate(id: PeerId, addressCount: number): boolean {
    const key = id.toString()
    if (key === peerId) return false
    const known = dialCandidates.delete(key)
    if (addressCount === 0) return false
    dialCandidates.set(key, id)
    if (!known) candidatesLearned++
    return !known
  }

  function connectedPeerIds(): string[] {
    if (node === null) return []
    return [...new Set(node.getConnections().map((c) => c.remotePeer.toString()))]
  }

  function score(id: string): number {
    return router?.getScore(id) ?? 0
  }

  function meshPeers(): Record<string, string[]> {
    const out: Record<string, string[]> = {}
    for (const topic of topics) out[topic] = router?.getMeshPeers(topic) ?? []
    return out
  }

  function banPeer(id: string, untilMs: number, peerScore: number | null): BanEntry {
    const entry = bans.ban(id, untilMs, peerScore)
    log.warn({ peer: id, score: peerScore, until: new Date(untilMs).toISOString() }, 'peer banned')
    events.emit('peer:ban', entry)
    if (node !== null) {
      node.hangUp(peerIdFromString(id)).catch((err: unknown) => {
        log.debug({ peer: id, err: String(err) }, 'hang-up of banned peer failed')
      })
    }
    return entry
  }

  /**
   * Closes the open connections of newly blocked addresses: op-node's opp2p_blockAddr leaves
   * them open (go-libp2p conngater), its BanIP closes them; an operator blocking an address
   * expects it gone now.
   */
  function closeBlockedConnections(): void {
    for (const conn of node?.getConnections() ?? []) {
      if (!isAddressBlocked(conn.remoteAddr)) continue
      log.info(
        { peer: conn.remotePeer.toString(), address: conn.remoteAddr.toString() },
        'closing the connection of a blocked address',
      )
      conn.close().catch((err: unknown) => conn.abort(err as Error))
    }
  }

  const monitor = createPeerMonitor(
    {
      threshold: opts.ban.threshold,
      banDurationMs: opts.ban.durationMs,
      intervalMs: opts.timing.peerMonitorIntervalMs,
    },
    {
      connectedPeers: connectedPeerIds,
      score,
      isProtected: (id) => staticPeers.isStatic(id),
      ban: banPeer,
    },
  )

  const trimmer = createConnectionTrimmer(
    { ...opts.peers, silencePeriodMs: opts.timing.trimSilencePeriodMs },
    {
      peers(): TrimCandidate[] {
        if (node === null) return []
        const mesh = new Set(Object.values(meshPeers()).flat())
        const since = new Map<string, number>()
        for (const conn of node.getConnections()) {
          const id = conn.remotePeer.toString()
          since.set(id, Math.min(since.get(id) ?? Number.POSITIVE_INFINITY, conn.timeline.open))
        }
        return [...since].map(([id, connectedSinceMs]) => ({
          peerId: id,
          connectedSinceMs,
          isProtected: staticPeers.isStatic(id) || apiProtected.has(id),
          score: score(id),
          inMesh: mesh.has(id),
        }))
      },
      disconnect(id) {
        log.debug({ peer: id }, 'trimming connection')
        node?.hangUp(peerIdFromString(id)).catch(() => {})
      },
    },
  )

  /** A random DHT walk; resolves to how many dial candidates it added. */
  async function dhtLookup(): Promise<number> {
    const { node: n } = started()
    const before = candidatesLearned
    const signal = AbortSignal.timeout(DHT_LOOKUP_TIMEOUT_MS)
    for await (const _ of n.peerRouting.getClosestPeers(randomBytes(DHT_LOOKUP_KEY_BYTES), {
      signal,
    })) {
      // Peers found land in the peer store (peer:update adds them as dial candidates).
    }
    return candidatesLearned - before
  }

  const dialer = createPeerDialer(
    {
      target: opts.peers.lo,
      intervalMs: opts.timing.discoveryIntervalMs,
      idleIntervalMs: opts.timing.discoveryIdleIntervalMs,
      failureBackoffMs: opts.timing.discoveryDialFailureBackoffMs,
    },
    {
      connectedCount: () => connectedPeerIds().length,
      async candidates() {
        const connected = new Set(connectedPeerIds())
        const ids = [...dialCandidates.keys()].filter(
          (id) => !connected.has(id) && !bans.isBanned(id),
        )
        // Shuffle so every node does not pile onto the same peers.
        for (let i = ids.length - 1; i > 0; i--) {
          const j = Math.floor(Math.random() * (i + 1))
          ;[ids[i], ids[j]] = [ids[j] as string, ids[i] as string]
        }
        return ids
      },
      async dial(id) {
        const target = dialCandidates.get(id)
        if (target !== undefined) await started().node.dial(target)
      },
      ...(opts.dht ? { lookup: dhtLookup } : {}),
    },
  )

  // --- lifecycle -----------------------------------------------------------------------------

  function gossipsubService() {
    const r = opts.router
    return gossipsub({
      D: r.D,
      Dlo: r.Dlo,
      Dhi: r.Dhi,
      Dlazy: r.Dlazy,
      Dscore: r.Dscore,
      Dout: r.Dout,
      heartbeatInterval: r.heartbeatIntervalMs,
      mcacheLength: r.mcacheLength,
      mcacheGossip: r.mcacheGossip,
      fanoutTTL: r.fanoutTtlMs,
      seenTTL: r.seenTtlMs,
      floodPublish: r.floodPublish,
      // Our own block is encoded into one RPC for every mesh peer instead of once per peer (a
      // 77 KB protobuf encode each); the RPC then carries no piggybacked control messages, which
      // go out on their own. Sequencer publish call p50 in the 12-node bench: 29.8 -> 24.4 ms.
      batchPublish: true,
      doPX: r.doPX,
      gossipFactor: r.gossipFactor,
      prunePeers: r.prunePeers,
      pruneBackoff: r.pruneBackoffMs,
      unsubcribeBackoff: r.unsubscribeBackoffMs,
      graftFloodThreshold: r.graftFloodThresholdMs,
      opportunisticGraftTicks: r.opportunisticGraftTicks,
      opportunisticGraftPeers: r.opportunisticGraftPeers,
      gossipsubIWantFollowupMs: r.iwantFollowupMs,
      idontwantMinDataSize: r.idontwantMinDataSizeBytes,
      idontwantMaxMessages: r.idontwantMaxMessages,
      decodeRpcLimits: decodeRpcLimits(r),
      // go-libp2p-pubsub offers /floodsub/1.0.0 too, and so does op-node.
      fallbackToFloodsub: true,
      directPeers: [],
      globalSignaturePolicy: StrictNoSign,
      msgIdFn: messageIdFn,
      msgIdToStrFn: toHex,
      asyncValidation: true,
      allowedTopics: topics,
      maxInboundDataLength: MAX_GOSSIP_SIZE_BYTES,
      maxOutboundBufferSize: MAX_OUTBOUND_BUFFER_BYTES,
      allowPublishToZeroTopicPeers: true,
      emitSelf: false,
      scoreParams: scoring.params,
      scoreThresholds: scoring.thresholds,
      ...modules.gossipsubMetrics,
    })
  }

  async function start(): Promise<void> {
    if (node !== null) return
    raiseLengthPrefixedEncodeLimit()
    deferYamuxWindowUpdates()
    quietEmptyLengthPrefixReads()
    if (stopped)
      throw new GossipHostError('GOSSIP_NOT_STARTED', 'a stopped gossip host cannot restart')
    const created = await createLibp2p({
      privateKey: libp2pKey,
      start: false,
      ...(modules.libp2pMetrics === undefined ? {} : { metrics: modules.libp2pMetrics }),
      nodeInfo: { userAgent: AGENT_VERSION },
      addresses: { listen: [listenMultiaddr(opts.listenIp, opts.listenTcpPort)] },
      transports: [coalescingTcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: {
        denyDialPeer: (p) => bans.isBanned(p.toString()),
        // IP / subnet blocks, as go-libp2p's gater checks them: every dial address, and every
        // connection in both directions before its handshake.
        denyDialMultiaddr: (address) => isAddressBlocked(address),
        denyInboundConnection: (conn) => isAddressBlocked(conn.remoteAddr),
        denyOutboundConnection: (_p, conn) => isAddressBlocked(conn.remoteAddr),
        denyInboundEncryptedConnection: (p) => bans.isBanned(p.toString()),
        denyOutboundEncryptedConnection: (p) => bans.isBanned(p.toString()),
      },
      connectionManager: {
        maxConnections: opts.peers.hi * MAX_CONNECTIONS_PER_PEERS_HI,
        inboundConnectionThreshold: opts.inboundConnectionsPerIpPerSecond,
      },
      // libp2p's monitor pings every connection and by default drops it when a ping fails. A
      // ping fails spuriously when the DHT pings the same peer at that moment (one outbound ping
      // stream per connection) or when the event loop is busy; op-node never drops a peer for a
      // failed ping either. Dead links are still found by yamux keep-alive and TCP.
      connectionMonitor: {
        abortConnectionOnPingFailure: false,
        pingInterval: PEER_PING_INTERVAL_MS,
      },
      services: {
        identify: identify(),
        // The DHT pings its contacts through this service while libp2p's monitor pings too: allow
        // both at once (the ping spec's limit is one outbound stream per peer).
        ping: ping(opts.dht ? { maxOutboundStreams: 2 } : {}),
        pubsub: gossipsubService(),
        ...(opts.dht
          ? {
              dht: kadDHT({
                protocol: dhtProtocol(chain.chainId),
                // Devnets are LAN/loopback: serve queries and keep private addresses.
                clientMode: false,
                peerInfoMapper: passthroughMapper,
              }),
            }
          : {}),
      },
    })
    try {
      await created.start()
    } catch (err) {
      await Promise.resolve(created.stop()).catch(() => {})
      // libp2p's message embeds the socket error with its stack: keep only the socket error.
      const message = String((err as Error).message)
      const reason = /Error: ([^\n]+)/.exec(message)?.[1] ?? message.split('\n')[0]
      throw new GossipHostError(
        'GOSSIP_LISTEN_FAILED',
        `cannot listen on ${listenMultiaddr(opts.listenIp, opts.listenTcpPort)}: ${reason}`,
        { cause: err },
      )
    }
    node = created
    router = asGossipsubRouter(created.services.pubsub)
    router.addEventListener('gossipsub:message', onGossipMessage)
    for (const topic of topics) router.subscribe(topic)

    created.addEventListener('peer:connect', (evt) => {
      const id = evt.detail.toString()
      const direction = created.getConnections(evt.detail)[0]?.direction ?? 'outbound'
      log.debug({ peer: id, direction }, 'peer connected')
      staticPeers.onConnected(id)
      events.emit('peer:connect', { peerId: id, direction })
    })
    created.addEventListener('peer:disconnect', (evt) => {
      const id = evt.detail.toString()
      log.debug({ peer: id }, 'peer disconnected')
      staticPeers.onDisconnected(id)
      identities.delete(id)
      events.emit('peer:disconnect', { peerId: id })
    })
    created.addEventListener('connection:open', () => trimmer.onConnection())
    created.addEventListener('peer:identify', (evt) => {
      const { peerId: remote, agentVersion, protocols } = evt.detail
      identities.set(remote.toString(), { agentVersion: agentVersion ?? null, protocols })
    })
    created.addEventListener('peer:update', (evt) => {
      const isNew = rememberDialCandidate(evt.detail.peer.id, evt.detail.peer.addresses.length)
      // A DHT walk reports peers as it goes: dial them now rather than after the walk.
      if (isNew) void dialer.runRound()
    })

    for (const peer of bootnodes) {
      created.dial(multiaddr(peer.address)).catch((err: unknown) => {
        log.warn({ bootnode: peer.address, err: String(err) }, 'bootnode dial failed')
      })
    }
    staticPeers.start()
    dialer.start()
    trimmer.start()
    if (opts.ban.enabled) monitor.start()
  }

  async function stop(): Promise<void> {
    const n = node
    if (n === null) return
    stopped = true
    monitor.stop()
    trimmer.stop()
    dialer.stop()
    staticPeers.stop()
    queue.stop()
    router = null
    node = null
    await n.stop()
    banStore?.flush()
  }

  /**
   * Our own message's ID and decoded bytes, computed once: the validator gets the bytes, and
   * gossipsub's own message-ID call on publish finds this data among the recent IDs.
   */
  function ownMessageId(topic: string, data: Uint8Array): CachedMessageId | { id: Uint8Array } {
    const id = idCache.compute(topic, data)
    return idCache.take(topic, data) ?? { id }
  }

  /** Publishes `data` whose message ID (ownMessageId) is `id`. */
  async function publishRaw(
    topic: string,
    data: Uint8Array,
    id: Uint8Array,
  ): Promise<PublishedMessage> {
    const { router: r } = started()
    // gossipsub runs the message-ID function for our own message too: not a received copy.
    counters.published++
    let recipients: PeerId[]
    try {
      recipients = (await r.publish(topic, data)).recipients
    } catch (err) {
      if ((err as Error).message === 'PublishError.Duplicate') {
        throw new GossipHostError('GOSSIP_PUBLISH_DUPLICATE', `message already seen on ${topic}`)
      }
      throw err
    }
    return { topic, messageId: toHex(id), recipients: recipients.map(String) }
  }

  return {
    peerId,
    options: opts,
    topics,
    events,
    start,
    stop,
    listenAddresses: () => started().node.getMultiaddrs().map(String),
    addConsumer(consumer) {
      consumers.add(consumer)
      return () => consumers.delete(consumer)
    },
    async publish(block) {
      started()
      const topic = blocksTopic(chain.chainId, blockVersionAt(chain, block.timestamp))
      const own = ownMessageId(topic, block.data)
      const result = await modules.validator.validate(
        topic,
        block.data,
        'decompressed' in own ? { decompressed: own.decompressed } : undefined,
      )
      if (result.verdict !== 'accept') {
        throw new GossipHostError(
          'GOSSIP_PUBLISH_INVALID',
          `own block refused by validation: ${result.verdict} ${result.reason}`,
        )
      }
      return publishRaw(topic, block.data, own.id)
    },
    publishUnvalidatedForTesting: (topic, data) =>
      publishRaw(topic, data, ownMessageId(topic, data).id),
    async dial(address) {
      const { node: n } = started()
      parsePeerMultiaddr(address)
      const conn = await n.dial(multiaddr(address))
      return conn.remotePeer.toString()
    },
    async addPeers(addresses) {
      const { node: n } = started()
      let added = 0
      for (const address of addresses) {
        const target = parsePeerMultiaddr(address)
        if (target.peerId === peerId) continue
        const ma = multiaddr(address).decapsulateCode(CODE_P2P)
        await n.peerStore.merge(peerIdFromString(target.peerId), { multiaddrs: [ma] })
        added++
      }
      if (added > 0) void dialer.runRound()
      return added
    },
    peers() {
      const { node: n, router: r } = started()
      const mesh = meshPeers()
      const byPeer = new Map<string, Connection[]>()
      for (const conn of n.getConnections()) {
        const id = conn.remotePeer.toString()
        byPeer.set(id, [...(byPeer.get(id) ?? []), conn])
      }
      const out: PeerSummary[] = []
      for (const [id, conns] of byPeer) {
        conns.sort((a, b) => a.timeline.open - b.timeline.open)
        const identified = identities.get(id)
        const rtt = conns.find((c) => c.rtt !== undefined)?.rtt
        out.push({
          peerId: id,
          direction: conns[0]?.direction ?? 'outbound',
          addresses: conns.map((c) => c.remoteAddr.toString()),
          score: r.getScore(id),
          isStatic: staticPeers.isStatic(id),
          agentVersion: identified?.agentVersion ?? null,
          protocols: identified?.protocols ?? [],
          latencyMs: rtt ?? null,
          meshTopics: topics.filter((t) => mesh[t]?.includes(id) === true),
        })
      }
      return out
    },
    async disconnect(id) {
      await started().node.hangUp(peerIdFromString(id))
    },
    meshPeers,
    peerScores() {
      const out: Record<string, number> = {}
      for (const id of connectedPeerIds()) out[id] = score(id)
      return out
    },
    bans: () => bans.list(),
    ban(id, durationMs = opts.ban.durationMs) {
      return banPeer(peerIdFromString(id).toString(), Date.now() + durationMs, null)
    },
    unban: (id) => bans.unban(id),
    blockedAddrs: () => addressBlocks.listAddrs(),
    blockAddr: (ip, durationMs) => addressBlocks.blockAddr(ip, Date.now() + durationMs),
    unblockAddr: (ip) => addressBlocks.unblockAddr(ip),
    blockedSubnets: () => addressBlocks.listSubnets(),
    blockSubnet: (cidr, durationMs) => addressBlocks.blockSubnet(cidr, Date.now() + durationMs),
    unblockSubnet: (cidr) => addressBlocks.unblockSubnet(cidr),
    protectPeer(id) {
      apiProtected.set(peerIdFromString(id).toString(), true)
    },
    unprotectPeer: (id) => apiProtected.delete(id),
    protectedPeers: () => [...apiProtected.keys()],
    persistBans(store) {
      if (node !== null || stopped)
        throw new GossipHostError('GOSSIP_BAD_OPTION', 'persistBans() must come before start()')
      // Restored before the store is attached: restoring is not a change to save.
      const saved = store.load()
      for (const b of saved.peers) bans.ban(b.peerId, b.untilMs, b.score)
      for (const b of saved.addrs) addressBlocks.blockAddr(b.address, b.untilMs)
      for (const b of saved.subnets) addressBlocks.blockSubnet(b.address, b.untilMs)
      banStore = store
    },
    routerSettings() {
      const { router: r } = started()
      const o = r.opts
      const num = (key: string) => o[key] as number
      return {
        D: num('D'),
        Dlo: num('Dlo'),
        Dhi: num('Dhi'),
        Dlazy: num('Dlazy'),
        Dscore: num('Dscore'),
        Dout: num('Dout'),
        heartbeatIntervalMs: num('heartbeatInterval'),
        mcacheLength: num('mcacheLength'),
        mcacheGossip: num('mcacheGossip'),
        fanoutTtlMs: num('fanoutTTL'),
        seenTtlMs: num('seenTTL'),
        floodPublish: o.floodPublish as boolean,
        doPX: o.doPX as boolean,
        gossipFactor: num('gossipFactor'),
        prunePeers: num('prunePeers'),
        pruneBackoffMs: num('pruneBackoff'),
        unsubscribeBackoffMs: num('unsubcribeBackoff'),
        graftFloodThresholdMs: num('graftFloodThreshold'),
        opportunisticGraftTicks: num('opportunisticGraftTicks'),
        opportunisticGraftPeers: num('opportunisticGraftPeers'),
        iwantFollowupMs: num('gossipsubIWantFollowupMs'),
        idontwantMinDataSizeBytes: num('idontwantMinDataSize'),
        idontwantMaxMessages: num('idontwantMaxMessages'),
        signaturePolicy: r.globalSignaturePolicy,
        asyncValidation: o.asyncValidation as boolean,
        allowedTopics: [...(o.allowedTopics as Iterable<string>)],
        maxInboundDataLengthBytes: num('maxInboundDataLength'),
        fallbackToFloodsub: o.fallbackToFloodsub as boolean,
        protocols: [...r.protocols],
        scoreThresholds: { ...(o.scoreThresholds as Record<string, number>) },
        scoreParams: { ...(o.scoreParams as Record<string, unknown>) },
      }
    },
    get validationBacklog() {
      return queue.length
    },
    counters() {
      const received = counters.idComputed - counters.published
      return {
        received,
        duplicates: Math.max(0, received - counters.dispatched),
        accepted: counters.accepted,
        rejected: counters.rejected,
        ignored: counters.ignored,
      }
    },
  }
}
