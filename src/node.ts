/**
 * Composition root: builds an op-gossip node from plain options and starts / stops its parts in
 * order. `op-gossip run`, the devnet and `bench latency` node processes and the e2e tests all
 * build their node here; what the devnet needs on top (its clock, a timing validator wrapper, a
 * key it hands out) comes in through narrow NodeModules hooks, not a second wiring.
 *
 * Built: peer key → unsafe-block signer source → observability (registry, block timeline, metric
 * hooks) → optional Engine API driver (its one Engine API client, instrumented by
 * observability, built here) → wire validator → gossip host (with the libp2p / gossipsub metric
 * hooks) → the read-only status views (src/status/) → the status RPC. Every accepted block goes
 * to the block timeline (which logs the one info line per block once the EL answered) and then
 * to the Engine driver, then to any extra consumer.
 *
 * Start: signer → Engine driver (a 401 or a wrong chain id rejects here, before any gossip) →
 * warm-up (src/gossip/warmUp.ts, unless `warmUp` is false) → host → discv5 (optional) →
 * observability (metrics endpoint) → status RPC. Stop: the reverse, through stopInReverse: a part
 * that fails to stop is logged and the others still stop.
 * Without an Engine API (`engine` unset) the node is a gossip-only relay.
 */
import type { ChainConfig } from './chains/types.ts'
import type { Discovery } from './discovery/discovery.ts'
import type { DiscoveryFlagOptions } from './discovery/discoveryFlags.ts'
import { createEngineClient } from './engine/engineClient.ts'
import {
  createEngineDriver,
  type EngineDriver,
  type EngineDriverOptions,
} from './engine/engineDriver.ts'
import { scrubUrl } from './engine/rpcClient.ts'
import { createBanStore } from './gossip/banStore.ts'
import {
  createGossipHost,
  type GossipHost,
  type GossipHostModules,
  type HostValidator,
} from './gossip/host.ts'
import type { GossipHostInit } from './gossip/options.ts'
import { loadOrCreatePeerKey } from './gossip/peerIdentity.ts'
import type { AcceptedBlock, BlockConsumer } from './gossip/types.ts'
import { createBlockValidator, DEFAULT_TIMESTAMP_THRESHOLD_SECONDS } from './gossip/validator.ts'
import { DEFAULT_WARM_UP, warmUpStep } from './gossip/warmUp.ts'
import { createLatencyLog, type LatencyLogOptions } from './metrics/latencyLog.ts'
import {
  createObservability,
  type Observability,
  type ObservabilityOptions,
} from './metrics/observability.ts'
import { attachRedisPublisher, createNodeRedis } from './redis/nodeRedis.ts'
import type { RedisOptions } from './redis/redisOptions.ts'
import type { RedisRoad } from './redis/redisRoad.ts'
import { createStatusRpc, type StatusRpc } from './rpc/statusRpc.ts'
import {
  createSignerSource,
  type SignerSource,
  type SignerSourceOptions,
} from './signer/signerSource.ts'
import { createP2pStatusSource } from './status/p2pStatusSource.ts'
import { createRelayHead } from './status/relayHead.ts'
import { OpGossipError } from './util/errors.ts'
import { type NamedStartable, type Startable, stopInReverse } from './util/lifecycle.ts'
import { type Logger, silentLogger } from './util/logger.ts'
import { secp256k1Backend } from './wire/secp256k1.ts'

export interface NodeOptions {
  chain: ChainConfig
  /**
   * Path of the peer key file (created 0600 when absent), op-node's `--p2p.priv.path`. Give
   * exactly one of peerKeyPath and peerKey.
   */
  peerKeyPath?: string
  /** The peer key itself (32-byte secp256k1 or 64-byte Ed25519), e.g. one a devnet hands out */
  peerKey?: Uint8Array
  /** Gossip host settings besides the chain and the key */
  gossip: Omit<GossipHostInit, 'chain' | 'privateKey'>
  /** Where the unsafe-block signer comes from (flag, L1, last known) */
  signer: SignerSourceOptions
  /** Reject payloads older than this (op-node `p2p.gossip.timestamp.threshold`). @default 60 */
  timestampThresholdSeconds?: number
  /** discv5 settings, or null to run without discovery (static peers / DHT / addPeers only) */
  discovery: DiscoveryFlagOptions | null
  /**
   * Log the one info line per accepted block (number, hash, peer, arrival delay, engine
   * outcome). @default true
   */
  logBlocks?: boolean
  /**
   * Engine side (`--l2`, `--l2.jwt-secret`, `--l2.follow.source`, `--l2.admin-rpc`); the chain is
   * this node's. Null or absent: a gossip-only relay. @default null
   */
  engine?: Omit<EngineDriverOptions, 'chain'> | null
  /** Prometheus endpoint (`--metrics.*`); null or absent: no metrics at all. @default null */
  metrics?: ObservabilityOptions['metrics']
  /**
   * Status RPC with /healthz (`--rpc.addr`, `--rpc.port`, `--rpc.health-window`); null or
   * absent: none. @default null
   */
  rpc?: { host: string; port: number; healthWindowMs?: number } | null
  /**
   * `--p2p.peerstore.path`: the directory where peer bans and IP / subnet blocks are kept across
   * restarts (bans.json); null or absent keeps them in memory (op-node's `memory`).
   * @default null
   */
  peerstorePath?: string | null
  /**
   * `--p2p.latency.log` / `--p2p.latency.region`: base-consensus's latency CSV, one row per
   * accepted block (src/metrics/latencyLog.ts); null or absent: none. @default null
   */
  latencyLog?: Pick<LatencyLogOptions, 'path' | 'region'> | null
  /**
   * The Redis road (`--redis.*`, docs/redis.md): publish accepted and own blocks to a stream and/or
   * consume it; null or absent: none. @default null
   */
  redis?: RedisOptions | null
  /**
   * `--p2p.warmup`: run the decoding and validation code through a synthetic block, then the
   * libraries' per-message path through a throwaway mesh on 127.0.0.1, before the gossip host
   * starts (src/gossip/warmUp.ts, warmUpLibraries.ts). @default DEFAULT_WARM_UP
   */
  warmUp?: boolean
}

export interface NodeModules {
  /** @default silentLogger */
  logger?: Logger
  /** Extra consumers of accepted blocks, after the timeline and the Engine driver */
  consumers?: BlockConsumer[]
  /**
   * libp2p / gossipsub metrics hooks (src/metrics/libp2pMetrics.ts). @default the node's own
   * observability hooks when `metrics` is set, else none
   */
  hostMetrics?: Pick<GossipHostModules, 'libp2pMetrics' | 'gossipsubMetrics'>
  /**
   * Clock of the gossip host's first-seen / validated times, ms (the devnet passes its
   * cross-process high-resolution clock). @default Date.now
   */
  now?: () => number
  /**
   * Wraps the block validator the host calls (the devnet sequencer times the validation of its
   * own block inside the publish call). Every gossip message goes through it. @default none
   */
  wrapValidator?: (validator: HostValidator) => HostValidator
}

export interface OpGossipNode extends Startable {
  readonly host: GossipHost
  readonly signer: SignerSource
  readonly peerId: string
  /** Metrics registry, block timeline, status sources; the metrics URL once started */
  readonly observability: Observability
  /** The Engine API driver, null for a gossip-only relay */
  readonly engine: EngineDriver | null
  /** The status RPC and /healthz (its URL once started), null when off */
  readonly rpc: StatusRpc | null
  /** The Redis publisher / subscriber, null when `redis` is off */
  readonly redis: RedisRoad | null
  /** Starts the parts in order; on a failure stops those started and rejects */
  start(): Promise<void>
  /** Stops the started parts in reverse order; a failing stop is logged, never thrown */
  stop(): Promise<void>
  addConsumer(consumer: BlockConsumer): () => void
  /** The running discv5 discovery (for the status RPC), null when off or not started */
  discovery(): Discovery | null
}

/**
 * A consumer that logs each accepted block at once (without the engine outcome).
 * @deprecated the node logs each block through the observability block timeline; kept for
 * embedders that run a bare host.
 */
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

function createEngine(
  opts: NodeOptions,
  obs: Observability,
  log: Logger,
): { engine: EngineDriver | null; engineUrl: string | null } {
  if (opts.engine === undefined || opts.engine === null) return { engine: null, engineUrl: null }
  const engineOpts: EngineDriverOptions = { ...opts.engine, chain: opts.chain }
  const { engineUrl, jwtSecret } = engineOpts
  // Our own client, so observability can time every call and see the EL's answers per block.
  const client =
    engineUrl === undefined || jwtSecret === undefined
      ? undefined
      : obs.instrumentEngineClient(
          createEngineClient({
            url: engineUrl,
            jwtSecret,
            chain: opts.chain,
            ...(engineOpts.callTimeoutMs === undefined
              ? {}
              : { timeoutMs: engineOpts.callTimeoutMs }),
          }),
        )
  // The registry goes to the driver only: it registers op_gossip_engine_* there, once.
  const engine = createEngineDriver(engineOpts, {
    log,
    metricsRegistry: obs.registry,
    ...(client === undefined ? {} : { client }),
  })
  return { engine, engineUrl: engineUrl === undefined ? null : scrubUrl(engineUrl) }
}

/** The key from `peerKey`, or loaded from (created at) `peerKeyPath`. */
function nodePeerKey(opts: NodeOptions, log: Logger): Uint8Array {
  if (opts.peerKey !== undefined && opts.peerKeyPath === undefined) return opts.peerKey
  if (opts.peerKeyPath === undefined || opts.peerKey !== undefined) {
    throw new OpGossipError(
      'NODE_PEER_KEY_OPTIONS',
      'give exactly one of peerKeyPath and peerKey',
      {
        kind: 'configuration',
      },
    )
  }
  const key = loadOrCreatePeerKey(opts.peerKeyPath)
  if (key.created) log.info({ path: key.path }, 'generated a new peer key')
  return key.privateKey
}

export function createNode(opts: NodeOptions, modules: NodeModules = {}): OpGossipNode {
  const log = modules.logger ?? silentLogger
  const privateKey = nodePeerKey(opts, log)
  const signer = createSignerSource(opts.signer, { logger: log })

  const hasEngineApi = opts.engine?.engineUrl !== undefined
  const obs = createObservability(
    { chain: opts.chain, metrics: opts.metrics ?? null, engineEnabled: hasEngineApi },
    { log, ...(opts.logBlocks === false ? { blockLog: silentLogger } : {}) },
  )
  const { engine, engineUrl } = createEngine(opts, obs, log)

  const blockValidator = createBlockValidator({
    chain: opts.chain,
    signer,
    ...(opts.timestampThresholdSeconds === undefined
      ? {}
      : { timestampThresholdSeconds: opts.timestampThresholdSeconds }),
  })
  // Redis road (docs/redis.md): its blocks reach the same consumers as gossip blocks.
  const redisConsumers = new Set<BlockConsumer>(modules.consumers)
  const redis = createNodeRedis(opts.redis, {
    chain: opts.chain,
    timestampThresholdSeconds:
      opts.timestampThresholdSeconds ?? DEFAULT_TIMESTAMP_THRESHOLD_SECONDS,
    validator: blockValidator,
    signer,
    engine,
    obs,
    log,
    consumers: redisConsumers,
  })
  const wrappedValidator = modules.wrapValidator?.(blockValidator) ?? blockValidator
  const validator = redis?.captureGossipBytes(wrappedValidator) ?? wrappedValidator
  const libp2pMetrics = obs.libp2pMetrics()
  const gossipsubMetrics = obs.gossipsubMetrics()
  const hostMetrics: Pick<GossipHostModules, 'libp2pMetrics' | 'gossipsubMetrics'> =
    modules.hostMetrics ?? {
      ...(libp2pMetrics === undefined ? {} : { libp2pMetrics }),
      ...(gossipsubMetrics === undefined ? {} : { gossipsubMetrics }),
    }
  const host = createGossipHost(
    { ...opts.gossip, chain: opts.chain, privateKey },
    {
      validator,
      logger: log,
      ...(modules.now === undefined ? {} : { now: modules.now }),
      ...hostMetrics,
    },
  )
  if (opts.peerstorePath !== undefined && opts.peerstorePath !== null) {
    host.persistBans(createBanStore({ dir: opts.peerstorePath }, { logger: log }))
  }
  // One consumer, in this order: the timeline must see a block before the EL answers about it.
  host.addConsumer({
    onBlock(block) {
      obs.onAcceptedBlock(block)
      engine?.onBlock(block.envelope, block)
    },
  })
  // Without an EL the newest accepted block is the unsafe head (src/status/relayHead.ts).
  const relayHead = engine === null ? createRelayHead() : null
  if (relayHead !== null) host.addConsumer(relayHead)
  const sync = engine ?? relayHead
  for (const consumer of modules.consumers ?? []) host.addConsumer(consumer)
  if (redis !== null) attachRedisPublisher(host, redis)
  // --p2p.latency.log: opened before the host starts, so no accepted block is missed.
  const latencyLog = opts.latencyLog ? createLatencyLog(opts.latencyLog, { logger: log }) : null
  if (latencyLog !== null) host.addConsumer(latencyLog)

  let discovery: Discovery | null = null
  const discoverySettings = opts.discovery
  const discoveryPart: Startable = {
    async start() {
      if (discoverySettings !== null) discovery = await startDiscovery(discoverySettings)
    },
    async stop() {
      const running = discovery
      discovery = null
      await running?.stop()
    },
  }

  async function startDiscovery(settings: DiscoveryFlagOptions): Promise<Discovery> {
    // Loaded on demand: discv5 is not needed by devnets or static-peer setups.
    const { createDiscovery } = await import('./discovery/discovery.ts')
    const tcpPort = Number(host.listenAddresses()[0]?.split('/tcp/')[1]?.split('/')[0] ?? 0)
    const created = createDiscovery(
      {
        ...settings,
        chainId: opts.chain.chainId,
        privateKey,
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
    return created
  }

  // The read-only views metrics and the status RPC share (src/status/).
  const p2p = createP2pStatusSource(host, {
    discovery: () => discovery,
    onManualUnban: (peerId) => obs.noteManualUnban(peerId),
  })
  obs.observe({ host, p2p, sync, signer })
  const rpc =
    opts.rpc === undefined || opts.rpc === null
      ? null
      : createStatusRpc(
          { ...opts.rpc, chainId: opts.chain.chainId },
          {
            p2p,
            sync,
            signer,
            lastBlock() {
              const last = obs.timeline.last()
              return last === null ? null : { number: last.number, hash: last.hash }
            },
            firstTransaction: (hash) => obs.timeline.firstTransaction(hash),
            log,
          },
        )

  const parts: NamedStartable[] = [
    { name: 'signer', part: signer },
    ...(engine === null ? [] : [{ name: 'engine', part: engine }]),
    ...(latencyLog === null ? [] : [{ name: 'latency log', part: latencyLog }]),
    ...((opts.warmUp ?? DEFAULT_WARM_UP)
      ? [{ name: 'warm-up', part: warmUpStep(opts.chain, log) }]
      : []),
    { name: 'gossip host', part: host },
    ...(redis === null ? [] : [{ name: 'redis', part: redis }]),
    { name: 'discovery', part: discoveryPart },
    { name: 'observability', part: obs },
    ...(rpc === null ? [] : [{ name: 'status rpc', part: rpc }]),
  ]
  /** The parts started (or being started) so far, in start order */
  let started: NamedStartable[] = []

  async function stopStarted(): Promise<void> {
    const running = started
    started = []
    await stopInReverse(running, log)
  }

  return {
    host,
    signer,
    peerId: host.peerId,
    observability: obs,
    engine,
    rpc,
    redis,
    async start() {
      if (opts.chain.verificationWarning !== undefined) {
        log.warn({ chain: opts.chain.name }, opts.chain.verificationWarning)
      }
      for (const part of parts) {
        // A part that fails half-way is stopped with the others: every stop() is safe then.
        started.push(part)
        try {
          await part.part.start()
        } catch (err) {
          await stopStarted()
          throw err
        }
      }
      log.info(
        {
          peerId: host.peerId,
          listen: host.listenAddresses(),
          chain: opts.chain.name,
          chainId: opts.chain.chainId,
          engine: engineUrl,
          rpc: rpc?.url ?? null,
          metrics: obs.metricsUrl,
          // libsecp256k1, or the pure-JS fallback on platforms without a native build.
          secp256k1: secp256k1Backend.name,
        },
        'op-gossip node started',
      )
    },
    async stop() {
      await stopStarted()
      log.info({}, 'op-gossip node stopped')
    },
    addConsumer(consumer) {
      redisConsumers.add(consumer)
      const removeFromHost = host.addConsumer(consumer)
      return () => {
        redisConsumers.delete(consumer)
        removeFromHost()
      }
    },
    discovery: () => discovery,
  }
}
