/**
 * What a devnet is before any process runs: its chain (a genesis derived from the chain id and
 * the start time, the well-known sequencer key's address as the unsafe-block signer), the nodes'
 * Ed25519 identities, the el-sims' shared JWT secret, the peer targets, and each node's
 * NodeProcessConfig. The orchestrator (./devnet.ts) runs the plan.
 */

import { devnetKey } from '../blocks/blockBuilder.ts'
import { createDevnetChain } from '../chains/devnet.ts'
import type { ChainConfig } from '../chains/types.ts'
import { DEFAULT_PEERS_HI, DEFAULT_PEERS_LO } from '../gossip/connectionTrimmer.ts'
import { generateEd25519PeerKey } from '../gossip/peerIdentity.ts'
import { defaultRedisStream } from '../redis/redisOptions.ts'
import { keccak256 } from '../wire/keccak.ts'
import { addressFromPrivateKey } from '../wire/signing.ts'
import type { DevnetRoad, NodeProcessConfig } from './ipcProtocol.ts'

/** The well-known devnet sequencer key label: its address is the devnet's unsafe-block signer. */
export const DEVNET_SEQUENCER_KEY_LABEL = 'op-gossip devnet sequencer'
/** @default chain id of a devnet */
export const DEFAULT_DEVNET_CHAIN_ID = 901
/** @default interval of every node's periodic stats report, ms */
export const DEFAULT_STATS_INTERVAL_MS = 1000
/**
 * Discovery round period of devnet nodes while below their peer target. Small devnets (every
 * node connects to every other) use a short one to converge within seconds; larger ones keep
 * op-node's 5 s, because a DHT lookup per node per second costs more CPU than the gossip.
 */
export const SMALL_DEVNET_DISCOVERY_INTERVAL_MS = 1000
export const DEVNET_DISCOVERY_INTERVAL_MS = 5000

export interface DevnetPlanOptions {
  followers: number
  /**
   * Seconds between blocks. A fraction (e.g. 0.2) keeps the chain's block_time whole
   * (chainBlockTime) and has the sequencer publish every `blockTimeSeconds` (./sequencerLoop.ts).
   */
  blockTimeSeconds: number
  mesh: { d: number; lo: number; hi: number }
  /** @default DEFAULT_DEVNET_CHAIN_ID */
  chainId?: number
  /** Run an el-sim behind every node. @default false */
  withEl?: boolean
  /**
   * With withEl, how followers' ELs close gaps: `el` = EL sync from the sequencer's el-sim;
   * `rpc` = no EL peers, the sequencer's el-sim is their backup RPC. @default 'el'
   */
  gapFill?: 'el' | 'rpc'
  /** @default 'warn' */
  logLevel?: NodeProcessConfig['logLevel']
  /** @default DEFAULT_STATS_INTERVAL_MS */
  statsIntervalMs?: number
  /** Block builder seed. @default 1 */
  seed?: number
  /** The devnet's redis-server URL; needed unless transport is `gossip`. */
  redisUrl?: string | null
  /** How followers get blocks (followerRoad). @default 'gossip' */
  transport?: DevnetTransport
}

/**
 * Which roads a devnet's followers take: `gossip` = all of them; `both` = a mixed mesh
 * (devnet --redis); `redis` = every follower but the publisher is Redis-only.
 */
export type DevnetTransport = 'gossip' | 'redis' | 'both'

/**
 * Follower `index`'s road (1-based; 0 = the sequencer, always gossip). Follower 1 is a gossip
 * node that publishes to Redis (the stream's only writer). In a mixed mesh (`both`) even
 * followers are then Redis-only and odd ones gossip-only; with `redis` all of them are Redis-only.
 */
export function followerRoad(index: number, transport: DevnetTransport): DevnetRoad {
  if (transport === 'gossip' || index === 0) return 'gossip'
  if (index === 1) return 'gossip+redis'
  if (transport === 'redis') return 'redis'
  return index % 2 === 0 ? 'redis' : 'gossip'
}

/** Followers on gossip (every road but Redis-only) among `followers`. */
export function gossipFollowerCount(followers: number, transport: DevnetTransport): number {
  let count = 0
  for (let i = 1; i <= followers; i++) if (followerRoad(i, transport) !== 'redis') count++
  return count
}

export interface DevnetPlan {
  readonly chain: ChainConfig
  /** 0x address of the unsafe-block signer */
  readonly signer: `0x${string}`
  /** The sequencer's signing key. Never logged. */
  readonly signerKey: Uint8Array
  /** The el-sims' JWT secret, 0x-hex. Never logged. */
  readonly jwtSecret: `0x${string}`
  /** Node i's libp2p key */
  readonly peerKeys: readonly Uint8Array[]
  readonly totalNodes: number
  /**
   * Node `index`'s configuration, listening on `listenIp`. Followers bootstrap from `bootnode`
   * (the running sequencer) and sync their el-sim from `elUpstream` (the sequencer's).
   */
  nodeConfig(
    index: number,
    listenIp: string,
    running: { bootnode: string | null; elUpstream: string | null; elBackupRpc?: string | null },
  ): NodeProcessConfig
}

function toHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes).toString('hex')}`
}

/** The devnet genesis: a fixed-format hash derived from the chain id and time. */
export function devnetGenesis(chainId: number, l2Time: number): ChainConfig['genesis'] {
  const hash = keccak256(new TextEncoder().encode(`op-gossip devnet genesis ${chainId} ${l2Time}`))
  return {
    l2Time,
    l2Number: 0,
    l2Hash: `0x${Buffer.from(hash).toString('hex')}`,
    l1: { number: 0, hash: `0x${'11'.repeat(32)}` },
  }
}

/**
 * Peer targets of a devnet of `totalNodes` nodes. Followers get op-node's, the low one capped at
 * "every other node" in a small devnet so discovery idles once every node knows every other.
 * Every follower joins through the bootnode (the sequencer): with op-node's peers.hi its libp2p
 * connection cap (2 x hi) filled up at ~30-50 followers, and every later follower's dial then
 * hung until its timeout, for good. The bootnode has room for every node instead.
 */
export function devnetPeerTargets(totalNodes: number): {
  peers: { lo: number; hi: number }
  bootnodePeers: { lo: number; hi: number }
} {
  const peers = { lo: Math.min(DEFAULT_PEERS_LO, totalNodes - 1), hi: DEFAULT_PEERS_HI }
  return { peers, bootnodePeers: { lo: peers.lo, hi: Math.max(DEFAULT_PEERS_HI, totalNodes) } }
}

/** The chain's block_time for a devnet block time: whole seconds, as OP Stack configs are. */
export function chainBlockTime(blockTimeSeconds: number): number {
  return Math.max(1, Math.floor(blockTimeSeconds))
}

export async function planDevnet(opts: DevnetPlanOptions): Promise<DevnetPlan> {
  const signerKey = devnetKey(DEVNET_SEQUENCER_KEY_LABEL)
  const signer = toHex(addressFromPrivateKey(signerKey))
  const chainId = opts.chainId ?? DEFAULT_DEVNET_CHAIN_ID
  const genesis = devnetGenesis(chainId, Math.floor(Date.now() / 1000))
  const chain = createDevnetChain({
    chainId,
    blockTime: chainBlockTime(opts.blockTimeSeconds),
    unsafeBlockSigner: signer,
    ...(genesis === undefined ? {} : { genesis }),
  })
  const totalNodes = opts.followers + 1
  const { peers, bootnodePeers } = devnetPeerTargets(totalNodes)
  // Ed25519 identities: cheap to read in DHT messages (see generateEd25519PeerKey).
  const peerKeys = await Promise.all(
    Array.from({ length: totalNodes }, () => generateEd25519PeerKey()),
  )
  const jwtSecret = toHex(
    new Uint8Array(keccak256(new TextEncoder().encode(`jwt ${genesis?.l2Hash}`))),
  )
  const withEl = opts.withEl === true
  const gapFillRpc = withEl && opts.gapFill === 'rpc'
  const redisUrl = opts.redisUrl ?? null
  const transport = opts.transport ?? 'gossip'
  const stream = defaultRedisStream(chainId)

  function nodeConfig(
    index: number,
    listenIp: string,
    running: { bootnode: string | null; elUpstream: string | null; elBackupRpc?: string | null },
  ): NodeProcessConfig {
    const base: NodeProcessConfig = {
      index,
      role: index === 0 ? 'sequencer' : 'follower',
      chain,
      peerKey: toHex(peerKeys[index] as Uint8Array),
      signer,
      listenIp,
      listenTcpPort: 0,
      bootnodes: [],
      mesh: opts.mesh,
      peers: index === 0 ? bootnodePeers : peers,
      discoveryIntervalMs:
        totalNodes - 1 <= peers.lo
          ? SMALL_DEVNET_DISCOVERY_INTERVAL_MS
          : DEVNET_DISCOVERY_INTERVAL_MS,
      statsIntervalMs: opts.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS,
      el: null,
      logLevel: opts.logLevel ?? 'warn',
    }
    if (index === 0) {
      return {
        ...base,
        sequencer: {
          signerKey: toHex(signerKey),
          seed: opts.seed ?? 1,
          ...(Number.isInteger(opts.blockTimeSeconds)
            ? {}
            : { intervalSeconds: opts.blockTimeSeconds }),
        },
        ...(withEl ? { el: { jwtSecret, upstream: null, serveHttp: gapFillRpc } } : {}),
      }
    }
    const road = followerRoad(index, redisUrl === null ? 'gossip' : transport)
    const redisOnly = road === 'redis'
    return {
      ...base,
      road,
      ...(redisUrl === null || road === 'gossip'
        ? {}
        : { redis: { url: redisUrl, stream, publish: !redisOnly, subscribe: redisOnly } }),
      // A Redis-only follower knows no bootnode (and runs no DHT, see nodeRunner): no gossip peers.
      bootnodes: running.bootnode === null || redisOnly ? [] : [running.bootnode],
      ...(withEl
        ? {
            el: gapFillRpc
              ? { jwtSecret, upstream: null, backupRpc: running.elBackupRpc ?? null }
              : { jwtSecret, upstream: running.elUpstream },
          }
        : {}),
    }
  }

  return { chain, signer, signerKey, jwtSecret, peerKeys, totalNodes, nodeConfig }
}
