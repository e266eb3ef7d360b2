/**
 * Listen / close helpers shared by the metrics endpoint and the status RPC server: resolve once
 * the socket is bound (port 0 picks a free port), and close without waiting for idle
 * keep-alive connections. Also what both servers bound: request and header timeouts, open
 * connections, and the bytes of a body they read only to drop it.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface BoundAddress {
  host: string
  port: number
}

/** How often Node checks the request and header timeouts (its default is 30 s). */
export const HTTP_TIMEOUT_CHECK_INTERVAL_MS = 1000

export interface HttpLimits {
  /** Time allowed to receive a whole request (headers and body) */
  requestTimeoutMs: number
  /** Time allowed to receive the headers; at most requestTimeoutMs */
  headersTimeoutMs: number
  /** Connections held at once; past it a new connection is closed at once */
  maxConnections: number
}

/** An HTTP server with every limit set: a slow or idle client is cut, connections are capped. */
export function createBoundedHttpServer(limits: HttpLimits, listener: RequestListener): Server {
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(
        HTTP_TIMEOUT_CHECK_INTERVAL_MS,
        Math.max(1, Math.floor(limits.headersTimeoutMs / 2)),
      ),
    },
    listener,
  )
  server.maxConnections = limits.maxConnections
  return server
}

/**
 * Reads and drops a request body the server will not use, then calls `answer(false)`: the
 * client has sent everything, so the answer reaches it (answering while it is still sending
 * and then closing makes its kernel see a reset, and the client an EPIPE instead of the
 * answer). A body larger than `maxDrainBytes`, declared or as it streams, is not read further:
 * `answer(true)` runs at once and the caller closes the connection after it.
 */
export function answerAfterBody(
  req: IncomingMessage,
  maxDrainBytes: number,
  answer: (cut: boolean) => void,
): void {
  const declared = Number(req.headers['content-length'] ?? Number.NaN)
  if (declared > maxDrainBytes) {
    answer(true)
    return
  }
  let drained = 0
  let answered = false
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length
    if (!answered && drained > maxDrainBytes) {
      answered = true
      answer(true)
    }
  })
  req.on('end', () => {
    if (answered) return
    answered = true
    answer(false)
  })
  req.resume()
}

export function listenHttp(server: Server, host: string, port: number): Promise<BoundAddress> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      const addr = server.address() as AddressInfo
      resolve({ host: addr.address, port: addr.port })
    })
  })
}

export function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve()
      return
    }
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** `http://host:port` with IPv6 hosts bracketed. */
export function httpUrl(addr: BoundAddress): string {
  return addr.host.includes(':')
    ? `http://[${addr.host}]:${addr.port}`
    : `http://${addr.host}:${addr.port}`
}
