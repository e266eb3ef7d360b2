/**
 * The gossip host: assembles libp2p and gossipsub as op-node runs them and starts and stops
 * them. Each job has its own file beside this one:
 *
 * - libp2pOptions.ts: the libp2p node (transports, muxers, services, ping period)
 * - routerOptions.ts: gossipsub's options, one table between our names and the library's
 * - messagePipeline.ts (+ messageRecords.ts): message IDs, first-seen times, the validation
 *   queue, verdicts to gossipsub and events, delivery to consumers
 * - inboundRateLimit.ts: the per-peer limit on received messages, before their IDs; a peer
 *   going on past it is banned
 * - publisher.ts: publishing our own blocks
 * - peerManager.ts: static peers, dialling, DHT lookups, trimming, score bans, peer views
 * - peerGate.ts: bans and IP / subnet blocks at the connection gater, and their persistence
 * - src/patches/: the process-wide changes to library internals, installed at start
 */

import { EventEmitter } from 'node:events'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { GossipsubMessage, GossipsubOpts } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createLibp2p, type Libp2p, type Libp2pOptions } from 'libp2p'
import { setInboundMessageGate } from '../patches/inboundMessageGate.ts'
import { installLibraryPatches } from '../patches/installLibraryPatches.ts'
import { forgetUnvalidatedMessage } from '../patches/unvalidatedNotSeen.ts'
import { type NamedStartable, stopInReverse } from '../util/lifecycle.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { allBlocksTopics } from '../wire/topics.ts'
import { GossipHostError } from './errors.ts'
import { asGossipsubRouter, type GossipsubRouter, ROUTER_RESULT } from './gossipsubRouter.ts'
import type { GossipHost, GossipHostEvents, HostValidator } from './hostApi.ts'
import { createInboundRateLimit, MAX_RATE_LIMITED_PEERS } from './inboundRateLimit.ts'
import { libp2pOptions } from './libp2pOptions.ts'
import { createMessagePipeline } from './messagePipeline.ts'
import { type GossipHostInit, resolveGossipHostOptions } from './options.ts'
import { readOutboundBacklog } from './outboundBacklog.ts'
import { createPeerGate } from './peerGate.ts'
import { createPeerManager } from './peerManager.ts'
import { ipOfMultiaddr, listenMultiaddr, parsePeerMultiaddr } from './peerMultiaddr.ts'
import { createPublisher } from './publisher.ts'
import { RecentMap } from './recentMap.ts'
import { gossipsubOptions, readRouterSettings } from './routerOptions.ts'
import { buildScoringConfig } from './scoring.ts'
import { subnetGroupOf } from './validationQueue.ts'

export type {
  EffectiveRouterSettings,
  GossipHost,
  GossipHostCounters,
  GossipHostEvents,
  HostValidationResult,
  HostValidator,
  OutboundBacklog,
  OutboundBacklogReading,
  PublishedMessage,
} from './hostApi.ts'
// Kept importable from the host, where callers found it before the split.
export { parsePeerMultiaddr } from './peerMultiaddr.ts'

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

/** Peer ID string of a 32-byte secp256k1 key (libp2p's `16Uiu2H…` form). */
export function peerIdFromPrivateKeyBytes(privateKey: Uint8Array): string {
  return peerIdFromPrivateKey(privateKeyFromRaw(privateKey)).toString()
}

/** libp2p's message on a failed listen embeds the socket error with its stack: keep the error. */
function listenFailureReason(err: unknown): string {
  const message = String((err as Error).message)
  return /Error: ([^\n]+)/.exec(message)?.[1] ?? message.split('\n')[0] ?? message
}

export function createGossipHost(init: GossipHostInit, modules: GossipHostModules): GossipHost {
  const opts = resolveGossipHostOptions(init)
  const log = (modules.logger ?? silentLogger).child({ module: 'gossip' })
  const { chain } = opts
  const topics = allBlocksTopics(chain.chainId)
  const libp2pKey = privateKeyFromRaw(opts.privateKey)
  const peerId = peerIdFromPrivateKey(libp2pKey).toString()
  const staticPeers = opts.staticPeers.map(parsePeerMultiaddr)
  const bootnodes = opts.bootnodes.map(parsePeerMultiaddr)
  const events = new EventEmitter<GossipHostEvents>()

  let node: Libp2p | null = null
  let router: GossipsubRouter | null = null
  /** A host is single-use: the validation queue and timers do not restart. */
  let stopped = false

  function running(): { node: Libp2p; router: GossipsubRouter } {
    if (node === null || router === null) {
      throw new GossipHostError('GOSSIP_NOT_STARTED', 'the gossip host is not running')
    }
    return { node, router }
  }

  const rateLimit = createInboundRateLimit({
    ratePerSecond: opts.inboundMessages.perPeerPerSecond,
    burst: opts.inboundMessages.burst,
  })
  /**
   * Each connected peer's IP, for the validation queue's per-IP share; kept only when peers on
   * one IP are distinct hosts (ipColocation: devnets on one host turn both off).
   */
  const peerIps = new Map<string, string>()
  /**
   * The subnet group of recent IPs (the queue's per-subnet share), memoised: a pure function of
   * the IP, so a job leaving the queue frees the same subnet place it took.
   */
  const ipSubnets = new RecentMap<string, string>(MAX_RATE_LIMITED_PEERS)
  const subnetOf = (ip: string): string => {
    let subnet = ipSubnets.get(ip)
    if (subnet === undefined) {
      subnet = subnetGroupOf(ip)
      ipSubnets.set(ip, subnet)
    }
    return subnet
  }
  const pipeline = createMessagePipeline(
    { validation: opts.validation },
    {
      validator: modules.validator,
      log,
      now: modules.now ?? Date.now,
      events,
      reportToRouter: (msgId, fromPeer, verdict) =>
        router?.reportMessageValidationResult(msgId, fromPeer, ROUTER_RESULT[verdict]),
      forgetUnvalidated: (msgId) => {
        if (router !== null) forgetUnvalidatedMessage(router, msgId)
      },
      isMeshPeer: (topic, peer) => router?.mesh.get(topic)?.has(peer) === true,
      groupOf: (peer) => peerIps.get(peer) ?? '',
      subnetOf,
      onFirstSeenAccepted: (peer) => rateLimit.prove(peer),
    },
  )
  const gate = createPeerGate(
    { log, events, node: () => node },
    { netRestrict: opts.netRestrict, floodRefuseForMs: opts.ban.durationMs },
  )
  const peers = createPeerManager(
    { ...opts, selfPeerId: peerId, topics, staticPeers, bootnodes },
    { log, events, gate, node: () => node, router: () => router, running },
  )
  const publisher = createPublisher({
    chain,
    validator: modules.validator,
    pipeline,
    router: () => running().router,
  })

  function banFlooder(peer: string): void {
    log.warn({ peer }, 'peer floods past its inbound rate limit')
    // Known only with per-IP defences on (peerIps is empty without IP colocation).
    const ip = peerIps.get(peer)
    try {
      peers.ban(peer)
    } catch (err) {
      log.debug({ peer, err: String(err) }, 'ban of a flooding peer failed')
    }
    if (ip !== undefined && !hostsProvenPeer(ip)) gate.noteFloodBan(ip)
  }

  /** A peer with a clean record is connected from `ip` (a shared NAT): keep the address open. */
  function hostsProvenPeer(ip: string): boolean {
    for (const [peer, peerIp] of peerIps) if (peerIp === ip && rateLimit.isProven(peer)) return true
    return false
  }

  function onGossipMessage(evt: CustomEvent<GossipsubMessage>): void {
    pipeline.onMessage(evt.detail)
  }

  async function createNode(): Promise<Libp2p> {
    const gossipsub = gossipsubOptions(opts.router, {
      topics,
      scoring: buildScoringConfig({
        level: opts.scoring,
        ipColocation: opts.ipColocation,
        blockTimeSeconds: chain.blockTime,
        topics,
      }),
      // The pipeline's functions themselves (they use no `this`): nothing between gossipsub
      // and the record per message.
      msgIdFn: pipeline.messageId,
      msgIdToStrFn: pipeline.messageIdToString,
      metrics: modules.gossipsubMetrics,
    })
    const created = await createLibp2p(
      libp2pOptions(opts, {
        privateKey: libp2pKey,
        connectionGater: gate.connectionGater,
        gossipsub,
        metrics: modules.libp2pMetrics,
      }),
    )
    try {
      await created.start()
    } catch (err) {
      await Promise.resolve(created.stop()).catch((stopErr: unknown) =>
        log.warn({ err: String(stopErr) }, 'stopping libp2p after a failed start failed'),
      )
      throw new GossipHostError(
        'GOSSIP_LISTEN_FAILED',
        `cannot listen on ${listenMultiaddr(opts.listenIp, opts.listenTcpPort)}: ${listenFailureReason(err)}`,
        { cause: err },
      )
    }
    return created
  }

  /** libp2p's peer events, handed to peer management. */
  function watchPeers(created: Libp2p): void {
    created.addEventListener('peer:connect', (evt) => peers.onPeerConnect(evt.detail))
    created.addEventListener('peer:disconnect', (evt) => {
      // The peer's rate bucket stays (bounded): reconnecting does not refill it.
      const peer = evt.detail.toString()
      peerIps.delete(peer)
      peers.onPeerDisconnect(peer)
    })
    created.addEventListener('connection:open', (evt) => {
      if (opts.ipColocation) {
        const ip = ipOfMultiaddr(evt.detail.remoteAddr)
        if (ip !== null) peerIps.set(evt.detail.remotePeer.toString(), ip)
      }
      peers.onConnectionOpen()
    })
    created.addEventListener('peer:identify', (evt) => {
      const { peerId: remote, agentVersion, protocols } = evt.detail
      peers.onIdentify(remote.toString(), agentVersion ?? null, protocols)
    })
    created.addEventListener('peer:update', (evt) =>
      peers.onPeerUpdate(evt.detail.peer.id, evt.detail.peer.addresses.length),
    )
  }

  async function start(): Promise<void> {
    if (node !== null) return
    installLibraryPatches(log)
    if (stopped)
      throw new GossipHostError('GOSSIP_NOT_STARTED', 'a stopped gossip host cannot restart')
    const created = await createNode()
    node = created
    router = asGossipsubRouter(created.services.pubsub)
    router.addEventListener('gossipsub:message', onGossipMessage)
    setInboundMessageGate(router, (from, msg) => {
      const peer = from.toString()
      const verdict = rateLimit.check(peer)
      if (verdict !== 'allow') {
        events.emit('inbound:rate-limited', { peerId: peer })
        // Reading a flooder's RPCs costs even when its messages are dropped: it is banned.
        if (verdict === 'flood' && opts.ban.enabled) banFlooder(peer)
        return false
      }
      // A full queue: only preferred peers' messages are worth an ID (messagePipeline.ts).
      if (pipeline.shedsFrom(msg.topic, peer)) return false
      if (msg.data !== undefined) pipeline.noteSender(msg.data, peer)
      return true
    })
    for (const topic of topics) router.subscribe(topic)
    watchPeers(created)
    peers.start()
  }

  async function stop(): Promise<void> {
    const n = node
    if (n === null) return
    stopped = true
    router = null
    node = null
    // Stopped last to first; a failure is logged and the rest still stop.
    const parts: NamedStartable[] = [
      { name: 'ban store', part: { start() {}, stop: () => gate.flush() } },
      { name: 'libp2p', part: n },
      { name: 'message pipeline', part: { start() {}, stop: () => pipeline.stop() } },
      { name: 'peer management', part: peers },
    ]
    await stopInReverse(parts, log)
  }

  return {
    peerId,
    options: opts,
    topics,
    events,
    start,
    stop,
    listenAddresses: () => running().node.getMultiaddrs().map(String),
    addConsumer: (consumer) => pipeline.addConsumer(consumer),
    publish: publisher.publish,
    publishUnvalidatedForTesting: publisher.publishUnvalidatedForTesting,
    dial: peers.dial,
    addPeers: peers.addPeers,
    peers: peers.peers,
    disconnect: peers.disconnect,
    meshPeers: peers.meshPeers,
    peerScores: peers.peerScores,
    bans: () => gate.bans(),
    ban: peers.ban,
    unban: (id) => gate.unban(id),
    blockedAddrs: () => gate.blockedAddrs(),
    blockAddr: (ip, durationMs) => gate.blockAddr(ip, Date.now() + durationMs),
    unblockAddr: (ip) => gate.unblockAddr(ip),
    blockedSubnets: () => gate.blockedSubnets(),
    blockSubnet: (cidr, durationMs) => gate.blockSubnet(cidr, Date.now() + durationMs),
    unblockSubnet: (cidr) => gate.unblockSubnet(cidr),
    protectPeer: peers.protectPeer,
    unprotectPeer: peers.unprotectPeer,
    protectedPeers: peers.protectedPeers,
    persistBans(store) {
      if (node !== null || stopped)
        throw new GossipHostError('GOSSIP_BAD_OPTION', 'persistBans() must come before start()')
      gate.persistTo(store)
    },
    routerSettings: () => readRouterSettings(running().router),
    get validationBacklog() {
      return pipeline.backlog
    },
    outboundBacklog: () =>
      router === null
        ? { backlog: null, reason: 'the gossip host is not running' }
        : readOutboundBacklog(router),
    counters: () => ({ ...pipeline.counters(), rateLimited: rateLimit.dropped }),
  }
}
