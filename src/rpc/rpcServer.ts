/**
 * The status RPC server (`--rpc.addr`, `--rpc.port`): JSON-RPC 2.0 over HTTP POST (the opp2p_*
 * and optimism_syncStatus methods) and `GET /healthz` on the same port. Request bodies are
 * capped at MAX_RPC_REQUEST_BODY_SIZE_BYTES (HTTP 413 with a -32600 error past it, sent once
 * the client has finished sending, so it reads the answer rather than a reset); slow clients
 * are cut after RPC_REQUEST_TIMEOUT_MS and connections capped at MAX_RPC_CONNECTIONS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
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
import type { HealthMonitor } from './health.ts'
import { errorResponse, handleJsonRpcBody, JsonRpcErrorCode, type RpcMethods } from './jsonRpc.ts'

/** op-node's `--rpc.addr` default is 127.0.0.1 as well. */
export const DEFAULT_RPC_ADDR = '127.0.0.1'
/** op-node's `--rpc.port` default. */
export const DEFAULT_RPC_PORT = 9545
/** Largest request body read; status calls are a few hundred bytes. */
export const MAX_RPC_REQUEST_BODY_SIZE_BYTES = 1024 * 1024
/**
 * After a 413 the rest of an oversized body is read and dropped (so the client sees the answer,
 * not a reset) up to this many bytes in total; past it the connection is cut.
 */
export const MAX_RPC_DRAIN_SIZE_BYTES = 16 * 1024 * 1024
/** Time allowed to receive a whole request. */
export const RPC_REQUEST_TIMEOUT_MS = 10_000
/** Time allowed to receive the request headers. */
export const RPC_HEADERS_TIMEOUT_MS = 5_000
/** Connections held at once (status calls come from a few local tools). */
export const MAX_RPC_CONNECTIONS = 64
export const HEALTHZ_PATH = '/healthz'

export interface RpcServerOptions {
  /** @default DEFAULT_RPC_ADDR */
  host?: string
  /** 0 = any free port. @default DEFAULT_RPC_PORT */
  port?: number
  /** @default MAX_RPC_REQUEST_BODY_SIZE_BYTES */
  maxBodySizeBytes?: number
  /** @default RPC_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number
  /** @default RPC_HEADERS_TIMEOUT_MS */
  headersTimeoutMs?: number
  /** @default MAX_RPC_CONNECTIONS */
  maxConnections?: number
}

export interface RpcServerModules {
  methods: RpcMethods
  /** Answers GET /healthz; 404 there when absent */
  health?: HealthMonitor | null
  log?: Logger
}

export interface RpcServer extends Startable {
  /** The bound address once started (port 0 resolved), else null */
  readonly address: BoundAddress | null
  /** e.g. http://127.0.0.1:9545 once started, else null */
  readonly url: string | null
}

function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  extraHeaders: Record<string, string> = {},
): void {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extraHeaders,
  })
  res.end(body)
}

/** The server, not listening yet: start() binds it, stop() closes it (both safe to repeat). */
export function createRpcServer(opts: RpcServerOptions, modules: RpcServerModules): RpcServer {
  const log = modules.log ?? silentLogger
  const maxBody = opts.maxBodySizeBytes ?? MAX_RPC_REQUEST_BODY_SIZE_BYTES
  // Aborts the calls in flight when the server stops; renewed on each start.
  let stopping = new AbortController()

  function tooLarge(req: IncomingMessage, res: ServerResponse): void {
    // The rest of the body is read and dropped first so the client reads the answer; a body
    // past the drain bound (or declared so) is answered at once and the connection closed.
    answerAfterBody(req, MAX_RPC_DRAIN_SIZE_BYTES, () =>
      sendJson(
        res,
        413,
        errorResponse(
          null,
          JsonRpcErrorCode.INVALID_REQUEST,
          `request body too large (limit ${maxBody} bytes)`,
        ),
        { connection: 'close' },
      ),
    )
  }

  function handleHealth(req: IncomingMessage, res: ServerResponse): void {
    req.resume()
    if (modules.health == null) {
      sendJson(res, 404, { status: 'unknown', reasons: ['health check not configured'] })
      return
    }
    const report = modules.health.check()
    sendJson(res, report.healthy ? 200 : 503, report)
  }

  function handleRpc(req: IncomingMessage, res: ServerResponse): void {
    const declared = Number(req.headers['content-length'] ?? Number.NaN)
    if (Number.isFinite(declared) && declared > maxBody) {
      tooLarge(req, res)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let rejected = false
    req.on('data', (chunk: Buffer) => {
      if (rejected) return
      size += chunk.length
      if (size > maxBody) {
        rejected = true
        chunks.length = 0
        tooLarge(req, res)
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (rejected) return
      const clientGone = new AbortController()
      res.on('close', () => clientGone.abort())
      const signal = AbortSignal.any([stopping.signal, clientGone.signal])
      handleJsonRpcBody(Buffer.concat(chunks).toString('utf8'), modules.methods, { signal })
        .then((response) => {
          if (res.writableEnded || res.destroyed) return
          if (response === null) res.writeHead(204).end()
          else sendJson(res, 200, response)
        })
        .catch((err: unknown) => {
          // handleJsonRpcBody turns every failure into an error object; this is a last resort.
          log.error({ err: (err as Error)?.message }, 'status RPC request failed')
          if (!res.headersSent)
            sendJson(
              res,
              500,
              errorResponse(null, JsonRpcErrorCode.INTERNAL_ERROR, 'internal error'),
            )
        })
    })
    req.on('error', () => res.destroy())
  }

  const limits = {
    requestTimeoutMs: opts.requestTimeoutMs ?? RPC_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: opts.headersTimeoutMs ?? RPC_HEADERS_TIMEOUT_MS,
    maxConnections: opts.maxConnections ?? MAX_RPC_CONNECTIONS,
  }
  const server = createBoundedHttpServer(limits, (req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === HEALTHZ_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      handleHealth(req, res)
      return
    }
    if (req.method === 'POST') {
      handleRpc(req, res)
      return
    }
    req.resume()
    sendJson(
      res,
      405,
      errorResponse(
        null,
        JsonRpcErrorCode.INVALID_REQUEST,
        'JSON-RPC needs POST; health is GET /healthz',
      ),
      { allow: 'POST' },
    )
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
      if (stopping.signal.aborted) stopping = new AbortController()
      address = await listenHttp(
        server,
        opts.host ?? DEFAULT_RPC_ADDR,
        opts.port ?? DEFAULT_RPC_PORT,
      )
      const url = httpUrl(address)
      log.info({ url, healthz: `${url}${HEALTHZ_PATH}` }, 'status RPC listening')
    },
    async stop() {
      address = null
      stopping.abort()
      await closeHttp(server)
    },
  }
}
