/**
 * Everything that makes a node observable, behind one object so node.ts wires it in a few
 * lines: the registry and op-gossip's metrics, the libp2p / gossipsub metric hooks, the block
 * timeline (per-block log line and stage delays), the Engine API client instrumentation, the
 * /metrics endpoint, the status RPC with /healthz.
 *
 * Order: create it first (the host needs the metric hooks, the engine the instrumented client),
 * call `start({ host, engine })` once those run, `stop()` before stopping them.
 */
import type { Registry } from 'prom-client'
import type { ChainConfig } from '../chains/types.ts'
import type { EngineClient } from '../engine/engineClient.ts'
import type { AcceptedBlock } from '../gossip/types.ts'
import { createHealthMonitor, type HealthMonitor } from '../rpc/health.ts'
import { createP2pStatusSource, type DiscoveryView, type P2pHostView } from '../rpc/p2pAdapter.ts'
import { createP2pApi } from '../rpc/p2pApi.ts'
import { type RpcServer, startRpcServer } from '../rpc/rpcServer.ts'
import { createSignerApi } from '../rpc/signerApi.ts'
import { createSyncStatusApi } from '../rpc/syncStatusApi.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { VERSION } from '../version.ts'
import { BlockTimeline } from './blockTimeline.ts'
import { instrumentEngineClient } from './engineInstrumentation.ts'
import { bindHostMetrics, type HostEventsView, type HostMetricsBinding } from './hostMetrics.ts'
import {
  type GossipsubMetricsOptions,
  gossipsubMetricsOptions,
  libp2pMetricsOption,
} from './libp2pMetrics.ts'
import { createMetricsRegistry } from './metricsRegistry.ts'
import { type MetricsServer, startMetricsServer } from './metricsServer.ts'
import { createNodeMetrics, type NodeMetrics } from './nodeMetrics.ts'
import type { P2pStatusSource, SignerStatusSource, SyncStatusSource } from './statusSources.ts'

export interface ObservabilityOptions {
  chain: ChainConfig
  /** `--metrics.enabled` with `--metrics.addr` / `--metrics.port`; null = no metrics at all */
  metrics: { host: string; port: number } | null
  /** `--rpc.addr` / `--rpc.port` / `--rpc.health-window`; null = no status RPC */
  rpc: { host: string; port: number; healthWindowMs?: number } | null
  /** False when the node has no Engine API output (admin RPC only): block lines log at once */
  engineEnabled: boolean
  /** Process collectors on the registry. @default true */
  processMetrics?: boolean
}

export interface ObservabilityModules {
  log?: Logger
  /** Where the one line per accepted block goes. @default log.child({ module: 'blocks' }) */
  blockLog?: Logger
  /** @default Date.now */
  now?: () => number
}

export interface ObservedParts {
  host: P2pHostView & HostEventsView
  /** The Engine driver (its status() has the SyncStatusSource shape); null without one */
  engine: SyncStatusSource | null
  discovery?: DiscoveryView | null
  /** The unsafe-block signer: `opgossip_signer` and the signer metrics */
  signer?: SignerStatusSource | null
}

export interface Observability {
  readonly registry: Registry | null
  readonly metrics: NodeMetrics | null
  readonly timeline: BlockTimeline
  /** Set by start() */
  readonly p2p: P2pStatusSource | null
  readonly sync: SyncStatusSource | null
  readonly health: HealthMonitor | null
  /** `metrics` option of createLibp2p; undefined without metrics */
  libp2pMetrics(): ReturnType<typeof libp2pMetricsOption> | undefined
  /** gossipsub's `metricsRegister` / `metricsTopicStrToLabel`; undefined without metrics */
  gossipsubMetrics(): GossipsubMetricsOptions | undefined
  /** Times Engine API calls and reports newPayload / FCU answers to the timeline */
  instrumentEngineClient(client: EngineClient): EngineClient
  /** Call for each accepted block before handing it to the Engine side */
  onAcceptedBlock(block: AcceptedBlock): void
  start(parts: ObservedParts): Promise<void>
  stop(): Promise<void>
  /** e.g. http://127.0.0.1:7300 once started; null when off */
  readonly metricsUrl: string | null
  readonly rpcUrl: string | null
}

export function createObservability(
  opts: ObservabilityOptions,
  modules: ObservabilityModules = {},
): Observability {
  const log = modules.log ?? silentLogger
  const registry =
    opts.metrics === null
      ? null
      : createMetricsRegistry({ processMetrics: opts.processMetrics ?? true })
  const metrics =
    registry === null
      ? null
      : createNodeMetrics(registry, {
          chainName: opts.chain.name,
          chainId: opts.chain.chainId,
          version: VERSION,
        })
  const timeline = new BlockTimeline(
    { engineEnabled: opts.engineEnabled },
    {
      log: modules.blockLog ?? log.child({ module: 'blocks' }),
      metrics,
      ...(modules.now ? { now: modules.now } : {}),
    },
  )

  let p2p: P2pStatusSource | null = null
  let sync: SyncStatusSource | null = null
  let health: HealthMonitor | null = null
  let hostBinding: HostMetricsBinding | null = null
  let metricsServer: MetricsServer | null = null
  let rpcServer: RpcServer | null = null

  async function start(parts: ObservedParts): Promise<void> {
    sync = parts.engine
    if (metrics !== null) hostBinding = bindHostMetrics(parts.host, metrics)
    p2p = createP2pStatusSource(parts.host, {
      discovery: parts.discovery ?? null,
      onManualUnban: (id) => hostBinding?.noteManualUnban(id),
    })
    metrics?.bindSources({ p2p, sync, signer: parts.signer ?? null })
    timeline.start()
    const source = p2p
    try {
      if (opts.metrics !== null && registry !== null) {
        metricsServer = await startMetricsServer(opts.metrics, { registry, log })
      }
      if (opts.rpc !== null) {
        health = createHealthMonitor(
          opts.rpc.healthWindowMs === undefined ? {} : { headWindowMs: opts.rpc.healthWindowMs },
          {
            peerCount: () => source.peerCount(),
            head: () => {
              const target = sync?.status().target ?? null
              if (target !== null) return { number: target.number, hash: target.hash }
              const last = timeline.last()
              return last === null ? null : { number: last.number, hash: last.hash }
            },
            ...(modules.now ? { now: modules.now } : {}),
          },
        )
        health.start()
        const methods = {
          ...createP2pApi(source, { chainId: opts.chain.chainId }),
          ...createSyncStatusApi({ sync, firstTransaction: (h) => timeline.firstTransaction(h) }),
          ...(parts.signer ? createSignerApi(parts.signer) : {}),
        }
        rpcServer = await startRpcServer(opts.rpc, { methods, health, log })
      }
    } catch (err) {
      await stop()
      throw err
    }
  }

  async function stop(): Promise<void> {
    health?.stop()
    hostBinding?.stop()
    hostBinding = null
    timeline.stop()
    const servers = [metricsServer, rpcServer]
    metricsServer = null
    rpcServer = null
    await Promise.all(servers.map((s) => s?.close()))
  }

  return {
    registry,
    metrics,
    timeline,
    get p2p() {
      return p2p
    },
    get sync() {
      return sync
    },
    get health() {
      return health
    },
    libp2pMetrics: () => (registry === null ? undefined : libp2pMetricsOption(registry)),
    gossipsubMetrics: () =>
      registry === null ? undefined : gossipsubMetricsOptions(registry, opts.chain.chainId),
    instrumentEngineClient: (client) => instrumentEngineClient(client, { metrics, timeline }),
    onAcceptedBlock: (block) => timeline.onAccepted(block),
    start,
    stop,
    get metricsUrl() {
      return metricsServer?.url ?? null
    },
    get rpcUrl() {
      return rpcServer?.url ?? null
    },
  }
}
