/**
 * Peer discovery over discv5 (op-gossip.md §8): UDP, the node's secp256k1 key, an `opstack` entry
 * in our record, and only records of this chain with version 0 handed on (as
 * `/ip4/<ip>/tcp/<tcp>/p2p/<peerId>`) for the host to dial. No libp2p DHT.
 *
 * Loop (op-node's DiscoveryProcess): a random-node lookup every 5 s while the host has fewer than
 * `targetPeers` connections, every 20 s otherwise; 3 s after start, every record already in the
 * table (bootnodes, the saved table) is offered too. Each matching peer is offered once when first
 * seen or when its record changes; while below target, known peers are offered again at most once
 * per `reofferIntervalMs` so a failed dial gets another chance (op-node re-dials its peerstore).
 */

import { createSocket } from 'node:dgram'
import { isIP } from 'node:net'
import { Discv5, type IDiscv5CreateOptions, multiaddrFromSocketAddress } from '@chainsafe/discv5'
import type { ENR } from '@chainsafe/enr'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { createNetRestriction } from '../gossip/netRestrict.ts'
import { OpGossipError } from '../util/errors.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { type HostResolver, isCompatEnr, parseBootnodes } from './bootnodes.ts'
import {
  IN_MEMORY_DISCOVERY_PATH,
  loadDiscoveryTable,
  saveDiscoveryTable,
} from './discoveryTable.ts'
import { describeEnr, enrDialAddress, isOpStackPeerOf } from './enrInfo.ts'
import { ipToBytes } from './ipBytes.ts'
import { createKnownPeers, type KnownPeerEntry, MAX_KNOWN_PEERS } from './knownPeers.ts'
import { createLocalEnr } from './localEnr.ts'
import { type NodePrivateKey, nodeKeyBytes } from './nodeKey.ts'

/** op-node discoverIntervalFast / Slow. */
export const DISCOVER_INTERVAL_FAST_MS = 5_000
export const DISCOVER_INTERVAL_SLOW_MS = 20_000
/** op-node tableKickoffDelay. */
export const TABLE_KICKOFF_DELAY_MS = 3_000
/** op-node p2p.peers.lo: discovery works fast below this many connected peers. */
export const DEFAULT_TARGET_PEERS = 20
/** How long before a known peer is offered again while below target. */
export const DEFAULT_REOFFER_INTERVAL_MS = 60_000
/** Peers offered again per tick at most (op-node: 4 dial workers, 10-entry queue). */
export const MAX_REOFFERS_PER_TICK = 10
/** How often the table is written to `--p2p.discovery.path`. */
export const DEFAULT_PERSIST_INTERVAL_MS = 5 * 60_000

export { MAX_KNOWN_PEERS } from './knownPeers.ts'

export interface DiscoveryOptions {
  /** L2 chain id: advertised in our `opstack` entry and required of peers */
  chainId: number
  /** The node key (shared with libp2p): raw 32 bytes or a libp2p secp256k1 private key */
  privateKey: NodePrivateKey
  /** The libp2p TCP port actually listening (advertised unless advertiseTcpPort is set) */
  tcpPort: number
  /** `--p2p.listen.ip`: UDP bind address. @default '0.0.0.0' */
  listenIp?: string
  /** `--p2p.listen.udp`: 0 = OS-chosen port, which is then advertised (op-node). @default 0 */
  listenUdpPort?: number
  /** `--p2p.advertise.ip`: fixed IP in our record (else the listen IP if specific, else learned) */
  advertiseIp?: string
  /** `--p2p.advertise.tcp` */
  advertiseTcpPort?: number
  /** `--p2p.advertise.udp` */
  advertiseUdpPort?: number
  /** `--p2p.bootnodes` entries (`enr:` / `enode://`), already split */
  bootnodes?: readonly string[]
  /** `--p2p.discovery.path`; undefined or 'memory' = nothing saved */
  tablePath?: string
  /** @default DEFAULT_TARGET_PEERS (20) */
  targetPeers?: number
  /** @default DISCOVER_INTERVAL_FAST_MS (5 s) */
  discoverIntervalFastMs?: number
  /** @default DISCOVER_INTERVAL_SLOW_MS (20 s) */
  discoverIntervalSlowMs?: number
  /** @default TABLE_KICKOFF_DELAY_MS (3 s) */
  tableKickoffDelayMs?: number
  /** @default DEFAULT_REOFFER_INTERVAL_MS (60 s) */
  reofferIntervalMs?: number
  /** @default DEFAULT_PERSIST_INTERVAL_MS (5 min) */
  persistIntervalMs?: number
  /** @default MAX_KNOWN_PEERS (1000) */
  maxKnownPeers?: number
  /** `--p2p.netrestrict` CIDRs: records outside them are ignored. @default [] */
  netRestrict?: readonly string[]
}

export interface DiscoveryModules {
  logger?: Logger
  /** Connected libp2p peers now: decides fast/slow walking and re-offers. @default () => 0 */
  connectedPeerCount?: () => number
  /** Host name resolution for enode bootnodes. @default node:dns lookup */
  resolveHost?: HostResolver
}

/** A peer of this chain, ready to dial. */
export interface DiscoveredPeer {
  /** `/ip4/<ip>/tcp/<port>/p2p/<peerId>` (or ip6) */
  multiaddr: string
  peerId: string
  /** discv5 node id (hex) */
  nodeId: string
  /** The peer's record (`enr:…`) */
  enr: string
  seq: bigint
}

export interface Discovery {
  start(): Promise<void>
  /** Stops walking, saves the table, closes the UDP socket */
  stop(): Promise<void>
  /** Our current record as text (`enr:…`) */
  enr(): string
  /** The UDP port discv5 is bound to (after start) */
  udpPort(): number
  /**
   * Called for each matching peer (first sighting, record change, or re-offer while below
   * target): the host should dial it unless already connected. Returns an unsubscribe function.
   */
  onPeer(listener: (peer: DiscoveredPeer) => void): () => void
  /** Matching peers known so far (most recently seen last) */
  knownPeers(): DiscoveredPeer[]
  /** Runs one random-node lookup now (the loop does this on its own) */
  lookup(): Promise<void>
  /** Records in the discv5 table */
  tableSize(): number
  /** Every record in the discv5 table as `enr:` text (op-node's `opp2p_discoveryTable`) */
  tableEnrs(): string[]
  /** Counters for logs and metrics */
  stats(): DiscoveryStats
}

export interface DiscoveryStats {
  /** Records in the discv5 table */
  tableSize: number
  /** Matching peers remembered */
  knownPeers: number
  /** Records seen that are not peers of this chain (other chain, version ≠ 0, no entry) */
  filtered: number
  /** onPeer calls so far */
  offered: number
}

/**
 * The events of Discv5 we use. Its own typing goes through `strict-event-emitter-types`, whose
 * package.json points `types` at a folder that NodeNext resolution cannot read, so `on` is lost.
 */
interface Discv5Events {
  on(event: 'discovered' | 'enrAdded', listener: (enr: ENR) => void): void
  on(event: 'multiaddrUpdated', listener: (addr: { toString(): string }) => void): void
}

type KnownPeer = KnownPeerEntry<DiscoveredPeer, ENR>

/** Finds a free UDP port on `ip` by binding port 0 (used when listening on port 0 so the chosen
 * port can go into our record before discv5 binds it; the window between the two is tiny). */
/**
 * Binds `port` (0 = any free one) on `ip` and releases it, returning the port. This also checks
 * a fixed port before discv5 binds it: @chainsafe/discv5's UDP transport waits for the bind
 * callback and never listens for the socket's 'error', so a port in use would hang its start()
 * forever (ChainSafe/discv5 `src/transport/udp.ts` openSocket; the same never-settling bind is
 * described in https://github.com/ChainSafe/discv5/pull/318, which fixed only its dual-stack
 * cause; the missing 'error' listener is to be reported upstream).
 */
async function bindUdpPort(ip: string, port: number): Promise<number> {
  const socket = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(port, ip, () => resolve())
    })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new OpGossipError(
      'DISCOVERY_UDP_PORT_UNAVAILABLE',
      `cannot listen on udp ${ip}:${port} (${code === 'EADDRINUSE' ? 'port in use' : (code ?? (err as Error).message)})`,
      { kind: 'configuration', flag: '--p2p.listen.udp', cause: err },
    )
  }
  const bound = socket.address().port
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return bound
}

function isWildcard(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::'
}

export function createDiscovery(opts: DiscoveryOptions, modules: DiscoveryModules = {}): Discovery {
  const log = (modules.logger ?? silentLogger).child({ module: 'discovery' })
  const connectedPeerCount = modules.connectedPeerCount ?? (() => 0)
  const listenIp = opts.listenIp ?? '0.0.0.0'
  const targetPeers = opts.targetPeers ?? DEFAULT_TARGET_PEERS
  const fastMs = opts.discoverIntervalFastMs ?? DISCOVER_INTERVAL_FAST_MS
  const slowMs = opts.discoverIntervalSlowMs ?? DISCOVER_INTERVAL_SLOW_MS
  const kickoffMs = opts.tableKickoffDelayMs ?? TABLE_KICKOFF_DELAY_MS
  const reofferMs = opts.reofferIntervalMs ?? DEFAULT_REOFFER_INTERVAL_MS
  const persistMs = opts.persistIntervalMs ?? DEFAULT_PERSIST_INTERVAL_MS
  const tablePath =
    opts.tablePath === undefined || opts.tablePath === IN_MEMORY_DISCOVERY_PATH
      ? undefined
      : opts.tablePath
  const rawKey = nodeKeyBytes(opts.privateKey)

  let discv5: Discv5 | undefined
  let boundUdpPort = 0
  let ownPeerId = ''
  let running = false
  let lookupInFlight: Promise<void> | undefined
  const timers = new Set<NodeJS.Timeout>()
  const listeners = new Set<(peer: DiscoveredPeer) => void>()
  const known = createKnownPeers<DiscoveredPeer, ENR>(opts.maxKnownPeers ?? MAX_KNOWN_PEERS)
  const stats = { filtered: 0, offered: 0 }
  const netRestriction = createNetRestriction(opts.netRestrict ?? [])

  function offer(entry: KnownPeer): void {
    entry.offeredAtMs = Date.now()
    stats.offered++
    for (const listener of listeners) {
      try {
        listener(entry.peer)
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'onPeer listener threw')
      }
    }
  }

  /** A record from the table or a lookup: keep it if it is a peer of this chain. */
  function consider(enr: ENR): void {
    if (isCompatEnr(enr)) return
    if (!isOpStackPeerOf(enr, opts.chainId)) {
      stats.filtered++
      return
    }
    const info = describeEnr(enr)
    const address = enrDialAddress(info)
    if (address === null || info.peerId === ownPeerId) return
    // `/ip4/<ip>/tcp/…`: outside --p2p.netrestrict, the peer would only be refused at dial.
    if (netRestriction !== null && !netRestriction(address.split('/')[2] ?? '')) return
    const peer: DiscoveredPeer = {
      multiaddr: address,
      peerId: info.peerId,
      nodeId: info.nodeId,
      enr: enr.encodeTxt(),
      seq: info.seq,
    }
    const entry = known.upsert(info.nodeId, info.seq, peer, enr)
    if (entry === null) return
    log.debug({ peer: info.peerId, addr: address }, 'discovered peer')
    offer(entry)
  }

  function reofferKnown(): void {
    for (const entry of known.dueForReoffer(Date.now(), reofferMs, MAX_REOFFERS_PER_TICK))
      offer(entry)
  }

  function lookup(): Promise<void> {
    const d = discv5
    // An empty table has nobody to ask (the library would wait for its 60 s lookup timeout).
    if (d === undefined || !running || d.kadValues().length === 0) return Promise.resolve()
    lookupInFlight ??= d
      .findRandomNode()
      .then((found) => {
        for (const enr of found) consider(enr)
      })
      .catch((err: unknown) => log.debug({ err: (err as Error).message }, 'discv5 lookup failed'))
      .finally(() => {
        lookupInFlight = undefined
      })
    return lookupInFlight
  }

  function schedule(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      timers.delete(t)
      if (running) fn()
    }, ms)
    t.unref()
    timers.add(t)
  }

  function tick(): void {
    const below = connectedPeerCount() < targetPeers
    void lookup()
    if (below) reofferKnown()
    schedule(tick, below ? fastMs : slowMs)
  }

  /**
   * Saves the peers of this chain we know (newest first: the most valuable records, and a lookup
   * result need not be in the routing table) and then the rest of the table.
   */
  function persist(): void {
    if (tablePath === undefined || discv5 === undefined) return
    const byNode = new Map<string, ENR>()
    for (const k of known.values().reverse()) byNode.set(k.record.nodeId, k.record)
    for (const e of discv5.kadValues()) if (!byNode.has(e.nodeId)) byNode.set(e.nodeId, e)
    const enrs = [...byNode.values()].filter((e) => !isCompatEnr(e))
    try {
      saveDiscoveryTable(tablePath, enrs)
      log.debug({ path: tablePath, records: enrs.length }, 'saved discovery table')
    } catch (err) {
      log.warn({ path: tablePath, err: (err as Error).message }, 'cannot save the discovery table')
    }
  }

  function persistLoop(): void {
    persist()
    schedule(persistLoop, persistMs)
  }

  return {
    async start() {
      if (running) return
      const udpPort = opts.listenUdpPort ?? 0
      boundUdpPort = await bindUdpPort(listenIp, udpPort)
      const advertiseIp = opts.advertiseIp ?? (isWildcard(listenIp) ? undefined : listenIp)
      const localOpts: Parameters<typeof createLocalEnr>[0] = {
        privateKey: rawKey,
        chainId: opts.chainId,
        tcp: opts.advertiseTcpPort ?? opts.tcpPort,
        udp: opts.advertiseUdpPort ?? boundUdpPort,
      }
      if (advertiseIp !== undefined) localOpts.ip = advertiseIp
      const enr = createLocalEnr(localOpts)
      ownPeerId = enr.peerId.toString()
      const family = isIP(listenIp) === 6 ? 6 : 4
      const bindAddr = multiaddrFromSocketAddress({
        ip: { type: family, octets: ipToBytes(listenIp) },
        port: boundUdpPort,
      })
      // discv5 reads only `type` and `raw` of the key; the libp2p 3 key object has both but its
      // TypeScript type comes from a newer @libp2p/interface than the one discv5 was built with.
      const privateKey = privateKeyFromRaw(rawKey) as unknown as IDiscv5CreateOptions['privateKey']
      const d = Discv5.create({
        enr,
        privateKey,
        bindAddrs: family === 6 ? { ip6: bindAddr } : { ip4: bindAddr },
        // An explicitly advertised IP is fixed (op-node SetStaticIP); otherwise learn it from peers.
        config: { enrUpdate: opts.advertiseIp === undefined },
      })
      const events = d as unknown as Discv5Events
      events.on('discovered', consider)
      events.on('enrAdded', consider)
      events.on('multiaddrUpdated', (addr) =>
        log.info({ addr: addr.toString() }, 'discv5 learned our address'),
      )
      await d.start()
      discv5 = d
      running = true

      for (const saved of tablePath === undefined ? [] : await loadDiscoveryTable(tablePath, log)) {
        d.addEnr(saved)
      }
      const boot = await parseBootnodes(opts.bootnodes ?? [], modules.resolveHost)
      for (const err of boot.failed) log.warn({ err: err.message }, 'bootnode skipped')
      for (const b of boot.enrs) d.addEnr(b)
      if (boot.enrs.length === 0 && d.kadValues().length === 0) {
        log.warn('discv5 has no bootnodes and no saved table: it only learns peers that contact it')
      }
      log.info(
        { enr: d.enr.encodeTxt(), udp: boundUdpPort, bootnodes: boot.enrs.length },
        'discv5 started',
      )
      schedule(() => {
        for (const enr of d.kadValues()) consider(enr)
      }, kickoffMs)
      tick()
      if (tablePath !== undefined) schedule(persistLoop, persistMs)
    },
    async stop() {
      if (!running) return
      running = false
      for (const t of timers) clearTimeout(t)
      timers.clear()
      persist()
      await discv5?.stop()
      log.info(stats, 'discv5 stopped')
    },
    enr: () => {
      if (discv5 === undefined) throw new Error('discovery not started')
      return discv5.enr.encodeTxt()
    },
    udpPort: () => boundUdpPort,
    onPeer(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    knownPeers: () => known.values().map((k) => k.peer),
    lookup,
    tableSize: () => discv5?.kadValues().length ?? 0,
    tableEnrs: () => discv5?.kadValues().map((enr) => enr.encodeTxt()) ?? [],
    stats: () => ({
      tableSize: discv5?.kadValues().length ?? 0,
      knownPeers: known.size,
      filtered: stats.filtered,
      offered: stats.offered,
    }),
  }
}
