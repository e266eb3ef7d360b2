/**
 * el-sim's HTTP side: one node:http server per port, POST only, the JWT check geth and reth make
 * on the authenticated port (401 with the reason), a body size limit (413), JSON parsing and
 * batches. What a request means is the JSON-RPC method table's business (elSimRpc.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type Logger, silentLogger } from '../util/logger.ts'
import { RpcErrorCode } from './errors.ts'
import { JWT_IAT_MAX_SKEW_SECONDS, verifyJwtAuthorization } from './jwt.ts'

/** Largest request body accepted (a 10 MiB payload is ~20 MiB of JSON hex). */
export const ELSIM_MAX_REQUEST_SIZE_BYTES = 32 * 2 ** 20

/** 'auth' = the JWT port (engine_* and reads), 'http' = the open port (reads only) */
export type ElSimPort = 'auth' | 'http'

export interface ElSimServerOptions {
  port: ElSimPort
  host: string
  /** 0: any free port */
  listenPort: number
  /** The secret every request on the 'auth' port must be signed with */
  jwtSecret: Uint8Array
  /** Allowed |now - iat|. @default 60 (s) */
  jwtMaxSkewSeconds?: number
}

export interface ElSimServerModules {
  /** Answers one JSON-RPC request object (as parsed, not yet checked) */
  answer: (port: ElSimPort, request: unknown) => Promise<unknown>
  log?: Logger
}

/** Starts listening; resolves once the port is bound. */
export function listenElSimServer(
  opts: ElSimServerOptions,
  modules: ElSimServerModules,
): Promise<Server> {
  const log = modules.log ?? silentLogger
  const server = createServer((req, res) => {
    handle(opts, modules, req, res).catch((err: unknown) => {
      log.error({ err: (err as Error).message }, 'el-sim: request failed')
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.listenPort, opts.host, () => {
      server.off('error', reject)
      resolve(server)
    })
  })
}

/** Closes a server and drops its open (keep-alive) connections, as a stopped process would. */
export function closeElSimServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

async function handle(
  opts: ElSimServerOptions,
  modules: ElSimServerModules,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { 'content-type': 'text/plain' }).end('method not allowed\n')
    return
  }
  if (opts.port === 'auth') {
    const auth = verifyJwtAuthorization(
      req.headers.authorization,
      opts.jwtSecret,
      Date.now(),
      opts.jwtMaxSkewSeconds ?? JWT_IAT_MAX_SKEW_SECONDS,
    )
    if (!auth.ok) {
      req.resume()
      res.writeHead(401, { 'content-type': 'text/plain' }).end(`${auth.reason}\n`)
      return
    }
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > ELSIM_MAX_REQUEST_SIZE_BYTES) {
      res.writeHead(413, { 'content-type': 'text/plain' }).end('request too large\n')
      req.destroy()
      return
    }
    chunks.push(chunk)
  }
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    reply(res, {
      jsonrpc: '2.0',
      id: null,
      error: { code: RpcErrorCode.PARSE_ERROR, message: 'parse error' },
    })
    return
  }
  const answer = Array.isArray(body)
    ? await Promise.all(body.map((r) => modules.answer(opts.port, r)))
    : await modules.answer(opts.port, body)
  reply(res, answer)
}

function reply(res: ServerResponse, answer: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
}
