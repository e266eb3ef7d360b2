/**
 * Who may connect: score and manual bans (banList.ts), IP / subnet blocks (addressBlockList.ts),
 * addresses whose peers keep flooding (floodingAddresses.ts)
 * and op-node's `--p2p.netrestrict` (netRestrict.ts), enforced by libp2p's connection gater in both directions, with the
 * operator's ban / block calls and their persistence across restarts (banStore.ts), as op-node
 * keeps them in its peerstore.
 */
import type { EventEmitter } from 'node:events'
import type { ConnectionGater } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../util/logger.ts'
import { type AddressBlock, AddressBlockList } from './addressBlockList.ts'
import { BanList, DEFAULT_BAN_DURATION_MS } from './banList.ts'
import type { BanSnapshot, BanStore } from './banStore.ts'
import { createFloodingAddresses } from './floodingAddresses.ts'
import type { GossipHostEvents } from './hostApi.ts'
import { createNetRestriction } from './netRestrict.ts'
import { ipOfMultiaddr } from './peerMultiaddr.ts'
import type { PeerNode } from './peerNode.ts'
import type { BanEntry } from './types.ts'

export interface PeerGateModules {
  log: Logger
  events: EventEmitter<GossipHostEvents>
  /** The running node, or null before start and after stop */
  node(): PeerNode | null
}

export interface PeerGateOptions {
  /** `--p2p.netrestrict` CIDRs: only peers in them are dialled or accepted. @default [] */
  netRestrict?: readonly string[]
  /** How long an address whose peers keep flooding is refused, ms. @default DEFAULT_BAN_DURATION_MS */
  floodRefuseForMs?: number
}

export interface PeerGate {
  /** libp2p's `connectionGater` option */
  readonly connectionGater: ConnectionGater
  isBanned(peerId: string): boolean
  /** Bans the peer until `untilMs`, announces it and hangs up on it */
  ban(peerId: string, untilMs: number, score: number | null): BanEntry
  unban(peerId: string): boolean
  bans(): BanEntry[]
  blockedAddrs(): AddressBlock[]
  blockAddr(ip: string, untilMs: number): AddressBlock
  unblockAddr(ip: string): boolean
  blockedSubnets(): AddressBlock[]
  blockSubnet(cidr: string, untilMs: number): AddressBlock
  unblockSubnet(cidr: string): boolean
  /**
   * Notes a peer at `ip` banned for flooding (the caller checks per-IP defences are on and no
   * proven peer shares the address); when that makes the address refused, hangs up on it.
   */
  noteFloodBan(ip: string): boolean
  /** Restores the bans and blocks saved in `store`, then saves every change there */
  persistTo(store: BanStore): void
  /** Writes a pending save now (at stop) */
  flush(): void
}

export function createPeerGate(modules: PeerGateModules, opts: PeerGateOptions = {}): PeerGate {
  const { log, events } = modules
  const netRestriction = createNetRestriction(opts.netRestrict ?? [])
  /** Where bans and blocks are saved; null keeps them in memory only */
  let banStore: BanStore | null = null
  const snapshot = (): BanSnapshot => ({
    peers: bans.list(),
    addrs: addressBlocks.listAddrs(),
    subnets: addressBlocks.listSubnets(),
  })
  const save = () => banStore?.scheduleSave(snapshot)
  const bans = new BanList({}, { onChange: save })
  const addressBlocks = new AddressBlockList(
    {},
    { onBlock: () => closeBlockedConnections(), onChange: save },
  )

  const flooding = createFloodingAddresses({
    refuseForMs: opts.floodRefuseForMs ?? DEFAULT_BAN_DURATION_MS,
  })

  function isAddressBlocked(address: Multiaddr): boolean {
    const ip = ipOfMultiaddr(address)
    return ip !== null && (addressBlocks.isBlocked(ip) || flooding.isRefused(ip))
  }

  /** Blocked, or outside `--p2p.netrestrict` (an address without an IP is outside it). */
  function isAddressDenied(address: Multiaddr): boolean {
    if (netRestriction === null) return isAddressBlocked(address)
    const ip = ipOfMultiaddr(address)
    return ip === null || !netRestriction(ip) || isAddressBlocked(address)
  }

  /**
   * Closes the open connections of newly blocked addresses: op-node's opp2p_blockAddr leaves
   * them open (go-libp2p conngater), its BanIP closes them; an operator blocking an address
   * expects it gone now.
   */
  function closeBlockedConnections(): void {
    for (const conn of modules.node()?.getConnections() ?? []) {
      if (!isAddressBlocked(conn.remoteAddr)) continue
      log.info(
        { peer: conn.remotePeer.toString(), address: conn.remoteAddr.toString() },
        'closing the connection of a blocked address',
      )
      conn.close().catch((err: unknown) => conn.abort(err as Error))
    }
  }

  return {
    connectionGater: {
      denyDialPeer: (p) => bans.isBanned(p.toString()),
      // IP / subnet blocks, as go-libp2p's gater checks them: every dial address, and every
      // connection in both directions before its handshake. --p2p.netrestrict likewise.
      denyDialMultiaddr: (address) => isAddressDenied(address),
      denyInboundConnection: (conn) => isAddressDenied(conn.remoteAddr),
      denyOutboundConnection: (_p, conn) => isAddressDenied(conn.remoteAddr),
      denyInboundEncryptedConnection: (p) => bans.isBanned(p.toString()),
      denyOutboundEncryptedConnection: (p) => bans.isBanned(p.toString()),
    },
    isBanned: (id) => bans.isBanned(id),
    ban(id, untilMs, score) {
      const entry = bans.ban(id, untilMs, score)
      log.warn({ peer: id, score, until: new Date(untilMs).toISOString() }, 'peer banned')
      events.emit('peer:ban', entry)
      modules
        .node()
        ?.hangUp(peerIdFromString(id))
        .catch((err: unknown) => {
          log.debug({ peer: id, err: String(err) }, 'hang-up of banned peer failed')
        })
      return entry
    },
    unban: (id) => bans.unban(id),
    bans: () => bans.list(),
    blockedAddrs: () => addressBlocks.listAddrs(),
    blockAddr: (ip, untilMs) => addressBlocks.blockAddr(ip, untilMs),
    unblockAddr: (ip) => addressBlocks.unblockAddr(ip),
    blockedSubnets: () => addressBlocks.listSubnets(),
    blockSubnet: (cidr, untilMs) => addressBlocks.blockSubnet(cidr, untilMs),
    unblockSubnet: (cidr) => addressBlocks.unblockSubnet(cidr),
    noteFloodBan(ip) {
      if (!flooding.noteFloodBan(ip)) return false
      log.warn({ address: ip }, 'address refused: its peers keep flooding')
      closeBlockedConnections()
      return true
    },
    persistTo(store) {
      // Restored before the store is attached: restoring is not a change to save.
      const saved = store.load()
      for (const b of saved.peers) bans.ban(b.peerId, b.untilMs, b.score)
      for (const b of saved.addrs) addressBlocks.blockAddr(b.address, b.untilMs)
      for (const b of saved.subnets) addressBlocks.blockSubnet(b.address, b.untilMs)
      banStore = store
    },
    flush: () => banStore?.flush(),
  }
}
