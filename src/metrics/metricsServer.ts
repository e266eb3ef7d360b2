/**
 * The Prometheus endpoint (`--metrics.enabled`, `--metrics.addr`, `--metrics.port`): serves the
 * node's registry on GET /metrics, nothing else. It buffers no request body (a body is read and
 * dropped up to MAX_METRICS_DISCARDED_BODY_BYTES, 413 past it), cuts slow clients and caps
 * connections.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import {
  answerAfterBody,
  type BoundAddress,
  closeHttp,
  createBoundedHttpServer,
  httpUrl,
  listenHttp,
} from '../util/httpListener.ts'
import type { Startable } from '../util/lifecycle.ts'
import { type Logger, silentLogger } from '../util/logger.ts'

/** op-node's `--metrics.addr` default is 0.0.0.0; ours stays local unless asked. */
export const DEFAULT_METRICS_ADDR = '127.0.0.1'
/** op-node's `--metrics.port` default. */
export const DEFAULT_METRICS_PORT = 7300
export const METRICS_PATH = '/metrics'
/** Time allowed to receive a whole request (a scrape is a GET without a body). */
export const METRICS_REQUEST_TIMEOUT_MS = 10_000
/** Time allowed to receive the request headers. */
export const METRICS_HEADERS_TIMEOUT_MS = 5_000
/** Connections held at once (a few scrapers). */
export const MAX_METRICS_CONNECTIONS = 32
/** Request body bytes read (and dropped) before answering; past it: 413 and close. */
export const MAX_METRICS_DISCARDED_BODY_BYTES = 128 * 1024

export interface MetricsServerOptions {
  /** @default DEFAULT_METRICS_ADDR */
  host?: string
  /** 0 = any free port. @default DEFAULT_METRICS_PORT */
  port?: number
  /** @default METRICS_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number
  /** @default METRICS_HEADERS_TIMEOUT_MS */
  headersTimeoutMs?: number
  /** @default MAX_METRICS_CONNECTIONS */
  maxConnections?: number
}

export interface MetricsServerModules {
  registry: Registry
  log?: Logger
}

export interface MetricsServer extends Startable {
  /** The bound address once started (port 0 resolved), else null */
  readonly address: BoundAddress | null
  /** e.g. http://127.0.0.1:7300 once started, else null */
  readonly url: string | null
}

/** The endpoint, not listening yet: start() binds it, stop() closes it (both safe to repeat). */
export function createMetricsServer(
  opts: MetricsServerOptions,
  modules: MetricsServerModules,
): MetricsServer {
  const log = modules.log ?? silentLogger
  const registry = modules.registry

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' })
        .end('method not allowed\n')
      return
    }
    try {
      const body = await registry.metrics()
      res.writeHead(200, { 'content-type': registry.contentType })
      res.end(req.method === 'HEAD' ? undefined : body)
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'metrics collection failed')
      res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n')
    }
  }

  const limits = {
    requestTimeoutMs: opts.requestTimeoutMs ?? METRICS_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: opts.headersTimeoutMs ?? METRICS_HEADERS_TIMEOUT_MS,
    maxConnections: opts.maxConnections ?? MAX_METRICS_CONNECTIONS,
  }
  const server = createBoundedHttpServer(limits, (req, res) => {
    // A body is never buffered: dropped as it arrives, answered once it ends.
    answerAfterBody(req, MAX_METRICS_DISCARDED_BODY_BYTES, (cut) => {
      if (cut) {
        res
          .writeHead(413, { connection: 'close', 'content-type': 'text/plain' })
          .end('request body too large\n')
        return
      }
      handle(req, res).catch(() => res.destroy())
    })
  })
  let address: BoundAddress | null = null

  return {
    get address() {
      return address
    },
    get url() {
      return address === null ? null : httpUrl(address)
    },
    async start() {
      if (address !== null) return
      address = await listenHttp(
        server,
        opts.host ?? DEFAULT_METRICS_ADDR,
        opts.port ?? DEFAULT_METRICS_PORT,
      )
      log.info({ url: `${httpUrl(address)}${METRICS_PATH}` }, 'metrics endpoint listening')
    },
    async stop() {
      address = null
      await closeHttp(server)
    },
  }
}
