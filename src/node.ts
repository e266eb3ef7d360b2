/**
 * Composition root: builds an op-gossip node from plain options and starts / stops its parts in
 * order. Today: peer key → unsafe-block signer source → wire validator → gossip host → optional
 * discv5 discovery feeding the host → block consumers. Accepted blocks go to every consumer; the
 * default one logs each block (a gossip-only relay). The Engine API driver plugs in as one more
 * consumer (`modules.consumers` or `node.addConsumer`) without touching the host.
 */
import type { ChainConfig } from './chains/types.ts'
import type { Discovery } from './discovery/discovery.ts'
import type { DiscoveryFlagOptions } from './discovery/discoveryFlags.ts'
import { createGossipHost, type GossipHost, type GossipHostModules } from './gossip/host.ts'
import type { GossipHostInit } from './gossip/options.ts'
import { loadOrCreatePeerKey } from './gossip/peerIdentity.ts'
import type { AcceptedBlock, BlockConsumer } from './gossip/types.ts'
import { createBlockValidator } from './gossip/validator.ts'
import {
  createSignerSource,
  type SignerSource,
  type SignerSourceOptions,
} from './signer/signerSource.ts'
import { type Logger, silentLogger } from './util/logger.ts'

export interface NodeOptions {
  chain: ChainConfig
  /** Path of the peer key file (created 0600 when absent), op-node's `--p2p.priv.path` */
  peerKeyPath: string
  /** Gossip host settings besides the chain and the key */
  gossip: Omit<GossipHostInit, 'chain' | 'privateKey'>
  /** Where the unsafe-block signer comes from (flag, L1, last known) */
  signer: SignerSourceOptions
  /** Reject payloads older than this (op-node `p2p.gossip.timestamp.threshold`). @default 60 */
  timestampThresholdSeconds?: number
  /** discv5 settings, or null to run without discovery (static peers / DHT / addPeers only) */
  discovery: DiscoveryFlagOptions | null
  /** Log every accepted block at info level (the gossip-only relay view). @default true */
  logBlocks?: boolean
}

export interface NodeModules {
  /** @default silentLogger */
  logger?: Logger
  /** Extra consumers of accepted blocks (e.g. the Engine API driver) */
  consumers?: BlockConsumer[]
  /** libp2p / gossipsub metrics hooks (src/metrics/libp2pMetrics.ts) */
  hostMetrics?: Pick<GossipHostModules, 'libp2pMetrics' | 'gossipsubMetrics'>
}

export interface OpGossipNode {
  readonly host: GossipHost
  readonly signer: SignerSource
  readonly peerId: string
  start(): Promise<void>
  stop(): Promise<void>
  addConsumer(consumer: BlockConsumer): () => void
  /** The running discv5 discovery (for the status RPC), null when off or not started */
  discovery(): Discovery | null
}

/** A consumer that logs each accepted block: number, hash, peer and arrival delay. */
export function createBlockLogConsumer(log: Logger): BlockConsumer {
  return {
    onBlock(block: AcceptedBlock) {
      const payload = block.envelope.payload
      log.info(
        {
          number: Number(payload.blockNumber),
          hash: `0x${Buffer.from(payload.blockHash).toString('hex')}`,
          peer: block.fromPeer,
          // Block timestamps have 1 s resolution: the delay is only that precise.
          arrivalDelayMs: Math.round(block.firstSeenMs - Number(payload.timestamp) * 1000),
          validationMs: Math.round((block.validatedMs - block.firstSeenMs) * 100) / 100,
        },
        'block accepted',
      )
    },
  }
}

export function createNode(opts: NodeOptions, modules: NodeModules = {}): OpGossipNode {
  const log = modules.logger ?? silentLogger
  const key = loadOrCreatePeerKey(opts.peerKeyPath)
  if (key.created) log.info({ path: key.path }, 'generated a new peer key')
  const signer = createSignerSource(opts.signer, { logger: log })
  const validator = createBlockValidator({
    chain: opts.chain,
    signer: () => signer.current(),
    ...(opts.timestampThresholdSeconds === undefined
      ? {}
      : { timestampThresholdSeconds: opts.timestampThresholdSeconds }),
  })
  const host = createGossipHost(
    { ...opts.gossip, chain: opts.chain, privateKey: key.privateKey },
    { validator, logger: log, ...modules.hostMetrics },
  )
  if (opts.logBlocks !== false)
    host.addConsumer(createBlockLogConsumer(log.child({ module: 'relay' })))
  for (const consumer of modules.consumers ?? []) host.addConsumer(consumer)

  let discovery: Discovery | null = null

  async function startDiscovery(settings: DiscoveryFlagOptions): Promise<void> {
    // Loaded on demand: discv5 is not needed by devnets or static-peer setups.
    const { createDiscovery } = await import('./discovery/discovery.ts')
    const tcpPort = Number(host.listenAddresses()[0]?.split('/tcp/')[1]?.split('/')[0] ?? 0)
    const created = createDiscovery(
      {
        ...settings,
        chainId: opts.chain.chainId,
        privateKey: key.privateKey,
        tcpPort,
        listenIp: opts.gossip.listenIp ?? '0.0.0.0',
        targetPeers: host.options.peers.lo,
      },
      { logger: log, connectedPeerCount: () => Object.keys(host.peerScores()).length },
    )
    created.onPeer((peer) => {
      host.addPeers([peer.multiaddr]).catch((err: unknown) => {
        log.debug({ peer: peer.peerId, err: String(err) }, 'discovered peer not added')
      })
    })
    await created.start()
    discovery = created
  }

  return {
    host,
    signer,
    peerId: host.peerId,
    async start() {
      await signer.start()
      await host.start()
      log.info(
        {
          peerId: host.peerId,
          listen: host.listenAddresses(),
          chain: opts.chain.name,
          chainId: opts.chain.chainId,
        },
        'op-gossip node started',
      )
      if (opts.discovery !== null) {
        try {
          await startDiscovery(opts.discovery)
        } catch (err) {
          await host.stop()
          signer.stop()
          throw err
        }
      }
    },
    async stop() {
      const running = discovery
      discovery = null
      if (running !== null) await running.stop().catch(() => {})
      await host.stop()
      signer.stop()
      log.info({}, 'op-gossip node stopped')
    },
    addConsumer: (consumer) => host.addConsumer(consumer),
    discovery: () => discovery,
  }
}
