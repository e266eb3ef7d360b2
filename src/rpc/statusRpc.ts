/**
 * The status RPC as a node runs it (`--rpc.*`): the opp2p_*, optimism_syncStatus and
 * opgossip_signer methods and GET /healthz on one server, all reading the node's read-only
 * status views (src/status/). node.ts builds it; it knows nothing of metrics.
 *
 * start() starts the health monitor (its grace window counts from here) and binds the server;
 * stop() closes the server, then stops the monitor.
 */
import type {
  P2pStatusSource,
  SignerStatusSource,
  SyncStatusSource,
} from '../status/statusSources.ts'
import type { Startable } from '../util/lifecycle.ts'
import type { Logger } from '../util/logger.ts'
import { createHealthMonitor, type HealthHead, type HealthMonitor } from './health.ts'
import { createP2pApi } from './p2pApi.ts'
import { createRpcServer, type RpcServer, type RpcServerOptions } from './rpcServer.ts'
import { createSignerApi } from './signerApi.ts'
import { createSyncStatusApi } from './syncStatusApi.ts'

export interface StatusRpcOptions extends RpcServerOptions {
  /** The node's chain: opp2p_* reports its block topics */
  chainId: number
  /** `--rpc.health-window`. @default DEFAULT_HEALTH_HEAD_WINDOW_MS (ms) */
  healthWindowMs?: number
}

export interface StatusRpcModules {
  p2p: P2pStatusSource
  /** The Engine driver's status; null for a gossip-only relay */
  sync: SyncStatusSource | null
  /** The unsafe-block signer (`opgossip_signer`); absent: no such method */
  signer?: SignerStatusSource | null
  /** The newest accepted block: the head /healthz watches when the Engine side has none */
  lastBlock(): HealthHead | null
  /** First transaction of a recently gossiped block (optimism_syncStatus reads its L1 origin) */
  firstTransaction(blockHash: string): Uint8Array | undefined
  log?: Logger
  /** @default Date.now */
  now?: () => number
}

export interface StatusRpc extends Startable {
  /** e.g. http://127.0.0.1:9545 once started, else null */
  readonly url: string | null
  /** The /healthz monitor while running, else null */
  readonly health: HealthMonitor | null
}

export function createStatusRpc(opts: StatusRpcOptions, modules: StatusRpcModules): StatusRpc {
  const { p2p, sync } = modules
  let health: HealthMonitor | null = null
  let server: RpcServer | null = null

  function head(): HealthHead | null {
    const target = sync?.status().target ?? null
    if (target !== null) return { number: target.number, hash: target.hash }
    return modules.lastBlock()
  }

  async function stop(): Promise<void> {
    const running = server
    server = null
    try {
      await running?.stop()
    } finally {
      health?.stop()
      health = null
    }
  }

  return {
    get url() {
      return server?.url ?? null
    },
    get health() {
      return health
    },
    async start() {
      if (server !== null) return
      health = createHealthMonitor(
        opts.healthWindowMs === undefined ? {} : { headWindowMs: opts.healthWindowMs },
        { peerCount: () => p2p.peerCount(), head, ...(modules.now ? { now: modules.now } : {}) },
      )
      health.start()
      const methods = {
        ...createP2pApi(p2p, { chainId: opts.chainId }),
        ...createSyncStatusApi({ sync, firstTransaction: (h) => modules.firstTransaction(h) }),
        ...(modules.signer ? createSignerApi(modules.signer) : {}),
      }
      const { chainId: _chainId, healthWindowMs: _window, ...serverOpts } = opts
      server = createRpcServer(serverOpts, {
        methods,
        health,
        ...(modules.log ? { log: modules.log } : {}),
      })
      try {
        await server.start()
      } catch (err) {
        await stop()
        throw err
      }
    },
    stop,
  }
}
