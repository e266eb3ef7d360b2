/**
 * JSON-RPC 2.0 over HTTP, optionally JWT-authenticated: the transport of the Engine API client,
 * the follow source and the admin RPC sink. Per-call timeout, retries with exponential backoff
 * on transport errors only (a JSON-RPC error is an answer, not a transport failure).
 */
import { scrubUrl } from '../util/scrubUrl.ts'
import { EngineError, isTransientEngineError } from './errors.ts'
import { createJwtAuthorizer } from './jwt.ts'

/** Engine API spec timeout for newPayload and forkchoiceUpdated (engine-sync.md §2.2). */
export const ENGINE_CALL_TIMEOUT_MS = 8_000

/** Largest JSON-RPC response body accepted (a 10 MiB payload is ~20 MiB of hex). */
export const MAX_RPC_RESPONSE_SIZE_BYTES = 64 * 2 ** 20

export interface RpcClientOptions {
  /** http(s) URL of the JSON-RPC endpoint */
  url: string
  /** 32-byte secret: when set every request carries a fresh HS256 JWT. @default none */
  jwtSecret?: Uint8Array
  /** Per-attempt timeout. @default 8000 (ms) */
  timeoutMs?: number
  /** Extra attempts after a transport error or timeout. @default 2 */
  retries?: number
  /** First backoff delay, doubled per attempt. @default 100 (ms) */
  retryBaseDelayMs?: number
  /** Backoff ceiling. @default 2000 (ms) */
  retryMaxDelayMs?: number
}

export const defaultRpcClientOptions = {
  timeoutMs: ENGINE_CALL_TIMEOUT_MS,
  retries: 2,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 2_000,
} as const

export interface RpcCallOptions {
  /** Overrides the client's per-attempt timeout (ms) */
  timeoutMs?: number
  /** Overrides the client's retry count */
  retries?: number
  /** Aborts waiting and retrying (e.g. on stop) */
  signal?: AbortSignal
}

export interface RpcClient {
  /** The URL with any credentials removed: safe for logs and error messages */
  readonly url: string
  call(method: string, params: unknown[], opts?: RpcCallOptions): Promise<unknown>
}

export { scrubUrl } from '../util/scrubUrl.ts'

function basicAuthOf(url: string): string | null {
  try {
    const u = new URL(url)
    if (u.username === '' && u.password === '') return null
    const user = decodeURIComponent(u.username)
    const password = decodeURIComponent(u.password)
    return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
  } catch {
    return null
  }
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

async function readBody(res: Response, limit: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0')
  if (declared > limit) throw new Error(`response of ${declared} bytes exceeds ${limit}`)
  if (res.body === null) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body) {
    size += chunk.byteLength
    if (size > limit) throw new Error(`response exceeds ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function transportError(err: unknown, method: string, url: string): EngineError {
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new EngineError('ENGINE_TIMEOUT', `${method} to ${url}: no answer in time`, {
      method,
      cause: err,
    })
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  const detail = cause?.code ?? cause?.message ?? (err as Error).message
  return new EngineError('ENGINE_TRANSPORT', `${method} to ${url}: ${detail}`, {
    method,
    cause: err,
  })
}

export function createRpcClient(opts: RpcClientOptions): RpcClient {
  const timeoutMs = opts.timeoutMs ?? defaultRpcClientOptions.timeoutMs
  const retries = opts.retries ?? defaultRpcClientOptions.retries
  const baseDelayMs = opts.retryBaseDelayMs ?? defaultRpcClientOptions.retryBaseDelayMs
  const maxDelayMs = opts.retryMaxDelayMs ?? defaultRpcClientOptions.retryMaxDelayMs
  const authorize = opts.jwtSecret === undefined ? null : createJwtAuthorizer(opts.jwtSecret)
  // fetch refuses URLs with credentials: send user:password as HTTP Basic auth instead
  // (hosted RPCs use it); a JWT, when configured, takes the Authorization header.
  const basicAuth = basicAuthOf(opts.url)
  const target = scrubUrl(opts.url)
  const url = target
  let nextId = 1

  async function attempt(
    method: string,
    params: unknown[],
    callTimeoutMs: number,
    signal?: AbortSignal,
  ) {
    const id = nextId++
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (authorize !== null) headers.authorization = authorize()
    else if (basicAuth !== null) headers.authorization = basicAuth
    const timeout = AbortSignal.timeout(callTimeoutMs)
    let res: Response
    let text: string
    try {
      res = await fetch(target, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
        signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
      })
      text = await readBody(res, MAX_RPC_RESPONSE_SIZE_BYTES)
    } catch (err) {
      throw transportError(err, method, url)
    }
    if (res.status === 401) {
      throw new EngineError(
        'ENGINE_AUTH_FAILED',
        `${method} to ${url}: HTTP 401 (${text.trim().slice(0, 100) || 'unauthorized'}): the EL rejected our JWT; the JWT secret file must hold the same 32 bytes as the EL's --authrpc.jwtsecret, and both clocks must be within 60 s`,
        { method, httpStatus: 401 },
      )
    }
    if (res.status < 200 || res.status >= 300) {
      throw new EngineError(
        'ENGINE_HTTP_ERROR',
        `${method} to ${url}: HTTP ${res.status} ${text.trim().slice(0, 200)}`,
        { method, httpStatus: res.status },
      )
    }
    let body: {
      id?: unknown
      result?: unknown
      error?: { code?: unknown; message?: unknown; data?: unknown }
    }
    try {
      body = JSON.parse(text)
    } catch (err) {
      throw new EngineError('ENGINE_BAD_RESPONSE', `${method} to ${url}: answer is not JSON`, {
        method,
        cause: err,
      })
    }
    if (typeof body !== 'object' || body === null || body.id !== id) {
      throw new EngineError(
        'ENGINE_BAD_RESPONSE',
        `${method} to ${url}: not a JSON-RPC answer to this call`,
        {
          method,
        },
      )
    }
    if (body.error !== undefined && body.error !== null) {
      const code = typeof body.error.code === 'number' ? body.error.code : 0
      const message = typeof body.error.message === 'string' ? body.error.message : 'unknown error'
      throw new EngineError('ENGINE_RPC_ERROR', `${method}: ${message} (code ${code})`, {
        method,
        rpcCode: code,
        rpcData: body.error.data,
      })
    }
    if (!('result' in body)) {
      throw new EngineError('ENGINE_BAD_RESPONSE', `${method} to ${url}: answer has no result`, {
        method,
      })
    }
    return body.result
  }

  return {
    url,
    async call(method, params, callOpts = {}) {
      const maxRetries = callOpts.retries ?? retries
      for (let n = 0; ; n++) {
        try {
          return await attempt(method, params, callOpts.timeoutMs ?? timeoutMs, callOpts.signal)
        } catch (err) {
          if (
            n >= maxRetries ||
            !isTransientEngineError(err) ||
            callOpts.signal?.aborted === true
          ) {
            throw err
          }
          await delay(Math.min(maxDelayMs, baseDelayMs * 2 ** n), callOpts.signal)
        }
      }
    },
  }
}
