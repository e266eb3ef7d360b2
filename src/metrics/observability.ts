/**
 * Everything that makes a node observable through metrics, behind one object so node.ts wires
 * it in a few lines: the registry and op-gossip's metrics, the libp2p / gossipsub metric hooks,
 * the block timeline (per-block log line and stage delays), the Engine API client
 * instrumentation, and the /metrics endpoint. It reads the node through the read-only status
 * views of src/status/ and knows nothing of the status RPC (src/rpc/).
 *
 * Order: create it first (the host needs the metric hooks, the engine the instrumented client),
 * hand it the parts with `observe(parts)` once they exist, `start()` once they run, `stop()`
 * before stopping them.
 */
import type { Registry } from 'prom-client'
import type { ChainConfig } from '../chains/types.ts'
import type { EngineClient } from '../engine/engineClient.ts'
import type { AcceptedBlock } from '../gossip/types.ts'
import type {
  P2pStatusSource,
  SignerStatusSource,
  SyncStatusSource,
} from '../status/statusSources.ts'
import { OpGossipError } from '../util/errors.ts'
import type { Startable } from '../util/lifecycle.ts'
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
import { createMetricsServer, type MetricsServer } from './metricsServer.ts'
import { createNodeMetrics, type NodeMetrics } from './nodeMetrics.ts'

export interface ObservabilityOptions {
  chain: ChainConfig
  /** `--metrics.enabled` with `--metrics.addr` / `--metrics.port`; null = no metrics at all */
  metrics: { host: string; port: number } | null
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
  /** The gossip host's events (verdicts, bans) */
  host: HostEventsView
  /** The gossip host (and discovery) as the status views see it */
  p2p: P2pStatusSource
  /** The Engine driver (its status() has the SyncStatusSource shape); null without one */
  sync: SyncStatusSource | null
  /** The unsafe-block signer: the signer metrics */
  signer?: SignerStatusSource | null
}

export interface Observability extends Startable {
  readonly registry: Registry | null
  readonly metrics: NodeMetrics | null
  readonly timeline: BlockTimeline
  /** Set by observe() */
  readonly p2p: P2pStatusSource | null
  readonly sync: SyncStatusSource | null
  /** `metrics` option of createLibp2p; undefined without metrics */
  libp2pMetrics(): ReturnType<typeof libp2pMetricsOption> | undefined
  /** gossipsub's `metricsRegister` / `metricsTopicStrToLabel`; undefined without metrics */
  gossipsubMetrics(): GossipsubMetricsOptions | undefined
  /** Times Engine API calls and reports newPayload / FCU answers to the timeline */
  instrumentEngineClient(client: EngineClient): EngineClient
  /** Call for each accepted block before handing it to the Engine side */
  onAcceptedBlock(block: AcceptedBlock): void
  /** The parts to observe; call once, before start() */
  observe(parts: ObservedParts): void
  /** An operator lifted a peer's ban (`opp2p_unblockPeer`): a manual unban, not an expiry */
  noteManualUnban(peerId: string): void
  /** Binds the host metrics, starts the timeline and the /metrics endpoint */
  start(): Promise<void>
  stop(): Promise<void>
  /** e.g. http://127.0.0.1:7300 once started; null when off */
  readonly metricsUrl: string | null
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

  const metricsServer: MetricsServer | null =
    opts.metrics === null || registry === null
      ? null
      : createMetricsServer(opts.metrics, { registry, log })
  let parts: ObservedParts | null = null
  let hostBinding: HostMetricsBinding | null = null

  async function start(): Promise<void> {
    if (parts === null) {
      throw new OpGossipError('METRICS_NOT_OBSERVING', 'observe(parts) must come before start()')
    }
    if (metrics !== null) hostBinding = bindHostMetrics(parts.host, metrics)
    timeline.start()
    try {
      await metricsServer?.start()
    } catch (err) {
      await stop()
      throw err
    }
  }

  async function stop(): Promise<void> {
    hostBinding?.stop()
    hostBinding = null
    timeline.stop()
    await metricsServer?.stop()
  }

  return {
    registry,
    metrics,
    timeline,
    get p2p() {
      return parts?.p2p ?? null
    },
    get sync() {
      return parts?.sync ?? null
    },
    libp2pMetrics: () => (registry === null ? undefined : libp2pMetricsOption(registry)),
    gossipsubMetrics: () =>
      registry === null ? undefined : gossipsubMetricsOptions(registry, opts.chain.chainId),
    instrumentEngineClient: (client) => instrumentEngineClient(client, { metrics, timeline }),
    onAcceptedBlock: (block) => timeline.onAccepted(block),
    observe(observed) {
      parts = observed
      metrics?.bindSources({
        p2p: observed.p2p,
        sync: observed.sync,
        signer: observed.signer ?? null,
      })
    },
    noteManualUnban: (peerId) => hostBinding?.noteManualUnban(peerId),
    start,
    stop,
    get metricsUrl() {
      return metricsServer?.url ?? null
    },
  }
}
