/**
 * Peer management (op-gossip.md §7): bootnodes and static peers (staticPeers.ts), discovery
 * dialling from the peers libp2p learns and from DHT walks (peerDialer.ts), low/high-watermark
 * trimming (connectionTrimmer.ts), score bans (peerMonitor.ts, enforced by peerGate.ts), peer
 * protection, and the peer views the RPC and metrics read. Ping is libp2p's connection monitor
 * (libp2pOptions.ts). No libp2p code: the node comes in as a PeerNode.
 */
import { randomBytes } from 'node:crypto'
import type { EventEmitter } from 'node:events'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../util/logger.ts'
import { createConnectionTrimmer, type TrimCandidate } from './connectionTrimmer.ts'
import type { GossipsubRouter } from './gossipsubRouter.ts'
import type { GossipHost, GossipHostEvents } from './hostApi.ts'
import type { GossipHostOptions } from './options.ts'
import { createPeerDialer } from './peerDialer.ts'
import type { PeerGate } from './peerGate.ts'
import { createPeerMonitor } from './peerMonitor.ts'
import { parsePeerMultiaddr } from './peerMultiaddr.ts'
import type { PeerNode } from './peerNode.ts'
import { RecentMap } from './recentMap.ts'
import { createStaticPeers, type StaticPeer } from './staticPeers.ts'
import type { ConnectionDirection, PeerSummary } from './types.ts'

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

/** The router's peer views (scores, mesh). */
export type PeerScoring = Pick<GossipsubRouter, 'getScore' | 'getMeshPeers'>

export interface PeerManagerOptions
  extends Pick<GossipHostOptions, 'peers' | 'ban' | 'timing' | 'dht'> {
  /** Our own peer ID (never a dial candidate) */
  selfPeerId: string
  /** The chain's block topics */
  topics: readonly string[]
  /** Parsed --p2p.static peers (redialled and protected) */
  staticPeers: readonly StaticPeer[]
  /** Parsed bootnodes (dialled once at start) */
  bootnodes: readonly StaticPeer[]
}

export interface PeerManagerModules {
  log: Logger
  events: EventEmitter<GossipHostEvents>
  gate: PeerGate
  /** The running node, or null before start and after stop */
  node(): PeerNode | null
  router(): PeerScoring | null
  /** Both, or GossipHostError GOSSIP_NOT_STARTED */
  running(): { node: PeerNode; router: PeerScoring }
}

/** The host's peer members, plus the hooks for libp2p's peer events. */
export interface PeerManager
  extends Pick<
    GossipHost,
    | 'dial'
    | 'addPeers'
    | 'peers'
    | 'disconnect'
    | 'meshPeers'
    | 'peerScores'
    | 'ban'
    | 'protectPeer'
    | 'unprotectPeer'
    | 'protectedPeers'
  > {
  /** Dials the bootnodes and starts the timers (static redial, discovery, trimming, bans) */
  start(): void
  stop(): void
  onPeerConnect(peer: PeerId): void
  onPeerDisconnect(peerId: string): void
  onConnectionOpen(): void
  onIdentify(peerId: string, agentVersion: string | null, protocols: string[]): void
  /** A peer's addresses changed (DHT results, identify, addPeers) */
  onPeerUpdate(peer: PeerId, addressCount: number): void
}

export function createPeerManager(
  opts: PeerManagerOptions,
  modules: PeerManagerModules,
): PeerManager {
  const { log, events, gate } = modules
  const { topics } = opts
  /** opp2p_protectPeer: spared by the trimmer like static peers (the ban monitor still acts) */
  const apiProtected = new RecentMap<string, true>(MAX_PROTECTED_PEERS)
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

  const staticPeers = createStaticPeers(
    opts.staticPeers.filter((p) => p.peerId !== opts.selfPeerId),
    { redialMinMs: opts.timing.staticRedialMinMs, redialMaxMs: opts.timing.staticRedialMaxMs },
    {
      isConnected: (id) => isConnected(id),
      dial: async (peer) => {
        await modules.running().node.dial(multiaddr(peer.address))
      },
      onDialError: (peer, err, nextMs) =>
        log.debug(
          { peer: peer.peerId, err: String(err), retryInMs: nextMs },
          'static peer dial failed',
        ),
    },
  )

  function isConnected(id: string): boolean {
    return (
      modules
        .node()
        ?.getConnections()
        .some((c) => c.remotePeer.toString() === id) ?? false
    )
  }

  /** Returns true when the peer was not a candidate before. */
  function rememberDialCandidate(id: PeerId, addressCount: number): boolean {
    const key = id.toString()
    if (key === opts.selfPeerId) return false
    const known = dialCandidates.delete(key)
    if (addressCount === 0) return false
    dialCandidates.set(key, id)
    if (!known) candidatesLearned++
    return !known
  }

  function connectedPeerIds(): string[] {
    const node = modules.node()
    if (node === null) return []
    return [...new Set(node.getConnections().map((c) => c.remotePeer.toString()))]
  }

  function score(id: string): number {
    return modules.router()?.getScore(id) ?? 0
  }

  function meshPeers(): Record<string, string[]> {
    const router = modules.router()
    const out: Record<string, string[]> = {}
    for (const topic of topics) out[topic] = router?.getMeshPeers(topic) ?? []
    return out
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
      ban: (id, untilMs, peerScore) => gate.ban(id, untilMs, peerScore),
    },
  )

  const trimmer = createConnectionTrimmer(
    { ...opts.peers, silencePeriodMs: opts.timing.trimSilencePeriodMs },
    {
      peers(): TrimCandidate[] {
        const node = modules.node()
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
        modules
          .node()
          ?.hangUp(peerIdFromString(id))
          .catch(() => {})
      },
    },
  )

  /** A random DHT walk; resolves to how many dial candidates it added. */
  async function dhtLookup(): Promise<number> {
    const { node } = modules.running()
    const before = candidatesLearned
    const signal = AbortSignal.timeout(DHT_LOOKUP_TIMEOUT_MS)
    for await (const _ of node.peerRouting.getClosestPeers(randomBytes(DHT_LOOKUP_KEY_BYTES), {
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
          (id) => !connected.has(id) && !gate.isBanned(id),
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
        if (target !== undefined) await modules.running().node.dial(target)
      },
      ...(opts.dht ? { lookup: dhtLookup } : {}),
    },
  )

  return {
    start() {
      const { node } = modules.running()
      for (const peer of opts.bootnodes) {
        node.dial(multiaddr(peer.address)).catch((err: unknown) => {
          log.warn({ bootnode: peer.address, err: String(err) }, 'bootnode dial failed')
        })
      }
      staticPeers.start()
      dialer.start()
      trimmer.start()
      if (opts.ban.enabled) monitor.start()
    },
    stop() {
      monitor.stop()
      trimmer.stop()
      dialer.stop()
      staticPeers.stop()
    },
    onPeerConnect(peer) {
      const id = peer.toString()
      const direction: ConnectionDirection =
        modules.node()?.getConnections(peer)[0]?.direction ?? 'outbound'
      log.debug({ peer: id, direction }, 'peer connected')
      staticPeers.onConnected(id)
      events.emit('peer:connect', { peerId: id, direction })
    },
    onPeerDisconnect(id) {
      log.debug({ peer: id }, 'peer disconnected')
      staticPeers.onDisconnected(id)
      identities.delete(id)
      events.emit('peer:disconnect', { peerId: id })
    },
    onConnectionOpen: () => trimmer.onConnection(),
    onIdentify(id, agentVersion, protocols) {
      identities.set(id, { agentVersion, protocols })
    },
    onPeerUpdate(peer, addressCount) {
      // A DHT walk reports peers as it goes: dial them now rather than after the walk.
      if (rememberDialCandidate(peer, addressCount)) void dialer.runRound()
    },
    async dial(address) {
      const { node } = modules.running()
      parsePeerMultiaddr(address)
      const conn = await node.dial(multiaddr(address))
      return conn.remotePeer.toString()
    },
    async addPeers(addresses) {
      const { node } = modules.running()
      let added = 0
      for (const address of addresses) {
        const target = parsePeerMultiaddr(address)
        if (target.peerId === opts.selfPeerId) continue
        const ma = multiaddr(address).decapsulateCode(CODE_P2P)
        await node.peerStore.merge(peerIdFromString(target.peerId), { multiaddrs: [ma] })
        added++
      }
      if (added > 0) void dialer.runRound()
      return added
    },
    peers() {
      const { node, router } = modules.running()
      const mesh = meshPeers()
      const byPeer = new Map<string, ReturnType<PeerNode['getConnections']>>()
      for (const conn of node.getConnections()) {
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
          score: router.getScore(id),
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
      await modules.running().node.hangUp(peerIdFromString(id))
    },
    meshPeers,
    peerScores() {
      const out: Record<string, number> = {}
      for (const id of connectedPeerIds()) out[id] = score(id)
      return out
    },
    ban(id, durationMs = opts.ban.durationMs) {
      return gate.ban(peerIdFromString(id).toString(), Date.now() + durationMs, null)
    },
    protectPeer(id) {
      apiProtected.set(peerIdFromString(id).toString(), true)
    },
    unprotectPeer: (id) => apiProtected.delete(id),
    protectedPeers: () => [...apiProtected.keys()],
  }
}
