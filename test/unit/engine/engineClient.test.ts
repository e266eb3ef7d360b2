import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { checkChainId, createEngineClient } from '../../../src/engine/engineClient.ts'
import { EngineError, isTransientEngineError, RpcErrorCode } from '../../../src/engine/errors.ts'
import { verifyJwtAuthorization } from '../../../src/engine/jwt.ts'
import { createRpcClient, scrubUrl } from '../../../src/engine/rpcClient.ts'
import { ZERO_HASH } from '../../../src/engine/schema.ts'
import {
  rpcError,
  rpcResult,
  STAGGERED_CHAIN,
  sampleEnvelope,
  startCaptureServer,
  VALID_STATUS,
} from './helpers.ts'

const SECRET = new Uint8Array(32).fill(3)
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

async function server(...args: Parameters<typeof startCaptureServer>) {
  const s = await startCaptureServer(...args)
  closers.push(s.close)
  return s
}

function client(url: string, extra: { timeoutMs?: number; retries?: number } = {}) {
  return createEngineClient({ url, jwtSecret: SECRET, chain: STAGGERED_CHAIN, ...extra })
}

async function caught(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError)
    return err as EngineError
  }
  throw new Error('expected a rejection')
}

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

describe('engine / engineClient', () => {
  it('signs every request with a fresh HS256 JWT the EL can verify', async () => {
    const s = await server((req) => rpcResult(req.id, '0x1092'))
    await client(s.url).chainId()
    await client(s.url).chainId()
    for (const r of s.requests) {
      expect(verifyJwtAuthorization(r.headers.authorization, SECRET, Date.now()).ok).toBe(true)
      expect(r.headers['content-type']).toBe('application/json')
    }
  })

  it('HTTP 401 is ENGINE_AUTH_FAILED naming 401 and the JWT secret, not retried', async () => {
    const s = await server(() => ({ status: 401, body: 'signature is invalid' }))
    const err = await caught(client(s.url).chainId())
    expect(err.code).toBe('ENGINE_AUTH_FAILED')
    expect(err.httpStatus).toBe(401)
    expect(err.message).toMatch(/HTTP 401/)
    expect(err.message).toMatch(/signature is invalid/)
    expect(err.message).toMatch(/JWT secret/)
    expect(s.requests).toHaveLength(1)
  })

  it('a JSON-RPC error keeps its numeric code and is not retried', async () => {
    const s = await server((req) => rpcError(req.id, -38002, 'Invalid forkchoice state'))
    const err = await caught(
      client(s.url).forkchoiceUpdated({
        headBlockHash: ZERO_HASH,
        safeBlockHash: ZERO_HASH,
        finalizedBlockHash: ZERO_HASH,
      }),
    )
    expect(err.code).toBe('ENGINE_RPC_ERROR')
    expect(err.rpcCode).toBe(RpcErrorCode.INVALID_FORKCHOICE_STATE)
    expect(err.message).toMatch(/Invalid forkchoice state \(code -38002\)/)
    expect(isTransientEngineError(err)).toBe(false)
    expect(s.requests).toHaveLength(1)
  })

  it('retries with backoff after dropped connections, then succeeds', async () => {
    const s = await server((req, n) => (n <= 2 ? 'destroy' : rpcResult(req.id, '0x1092')))
    expect(await client(s.url, { retries: 2 }).chainId()).toBe(4242)
    expect(s.requests).toHaveLength(3)
  })

  it('gives up after its retries with ENGINE_TRANSPORT (connection refused)', async () => {
    const port = await deadPort()
    const err = await caught(client(`http://127.0.0.1:${port}`, { retries: 1 }).chainId())
    expect(err.code).toBe('ENGINE_TRANSPORT')
    expect(err.message).toMatch(/ECONNREFUSED/)
    expect(isTransientEngineError(err)).toBe(true)
  })

  it('a call without an answer in time is ENGINE_TIMEOUT', async () => {
    const s = await server(async (req) => {
      await new Promise((r) => setTimeout(r, 500))
      return rpcResult(req.id, '0x1')
    })
    const err = await caught(client(s.url, { timeoutMs: 50, retries: 0 }).chainId())
    expect(err.code).toBe('ENGINE_TIMEOUT')
  })

  it('wrong chain id is ENGINE_WRONG_CHAIN with both ids', async () => {
    const s = await server((req) => rpcResult(req.id, '0xa'))
    const err = await caught(checkChainId(client(s.url), 4242))
    expect(err.code).toBe('ENGINE_WRONG_CHAIN')
    expect(err.message).toMatch(/reports chain id 10, but the chain config says 4242/)
    await expect(checkChainId(client(s.url), 10)).resolves.toBeUndefined()
  })

  it('newPayload returns statuses (INVALID, SYNCING) instead of throwing', async () => {
    const statuses = [
      {
        status: 'INVALID',
        latestValidHash: `0x${'11'.repeat(32)}`,
        validationError: 'bad state root',
      },
      { status: 'SYNCING', latestValidHash: null, validationError: null },
      { status: 'ACCEPTED', latestValidHash: null, validationError: null },
    ]
    const s = await server((req, n) => rpcResult(req.id, statuses[n - 1]))
    const c = client(s.url)
    expect(await c.newPayload(sampleEnvelope(4))).toEqual(statuses[0])
    expect((await c.newPayload(sampleEnvelope(4))).status).toBe('SYNCING')
    expect((await c.newPayload(sampleEnvelope(4))).status).toBe('ACCEPTED')
  })

  it('an unknown status or a malformed answer is ENGINE_BAD_RESPONSE', async () => {
    const s = await server((req, n) => {
      if (n === 1) return rpcResult(req.id, { status: 'PERHAPS' })
      if (n === 2) return { body: 'not json' }
      return { body: { jsonrpc: '2.0', id: 999, result: VALID_STATUS } } // answer to another call
    })
    const c = client(s.url)
    for (let i = 0; i < 3; i++) {
      expect((await caught(c.newPayload(sampleEnvelope(2)))).code).toBe('ENGINE_BAD_RESPONSE')
    }
  })

  it('reads heads, treating geth\'s "block not found" for safe / finalized as absent', async () => {
    const latest = {
      hash: `0x${'ab'.repeat(32)}`,
      number: '0x64',
      parentHash: `0x${'aa'.repeat(32)}`,
      timestamp: '0x10',
    }
    const s = await server((req) => {
      const tag = (req.params as unknown[])[0]
      if (tag === 'latest') return rpcResult(req.id, latest)
      return rpcError(req.id, -32000, `${tag as string} block not found`)
    })
    const heads = await client(s.url).readHeads()
    expect(heads).toEqual({
      latest: { hash: latest.hash, number: 100, parentHash: latest.parentHash, timestamp: 16 },
      safe: null,
      finalized: null,
    })
  })

  it('HTTP 5xx is retried; other HTTP errors are ENGINE_HTTP_ERROR', async () => {
    const s = await server((req, n) =>
      n === 1 ? { status: 503, body: 'busy' } : rpcResult(req.id, '0x1092'),
    )
    expect(await client(s.url).chainId()).toBe(4242)
    const s2 = await server(() => ({ status: 404, body: 'nope' }))
    const err = await caught(client(s2.url).chainId())
    expect(err.code).toBe('ENGINE_HTTP_ERROR')
    expect(err.httpStatus).toBe(404)
  })

  it('sends URL credentials as HTTP Basic auth, never in messages', async () => {
    const s = await server((req) => rpcResult(req.id, '0x1'))
    const withCreds = s.url.replace('http://', 'http://user:p%40ss@')
    await createRpcClient({ url: withCreds }).call('eth_chainId', [])
    expect(s.requests[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
    )
    expect(scrubUrl('http://user:pw@127.0.0.1:8551/x')).toBe('http://127.0.0.1:8551/x')
    const port = await deadPort()
    const rpc = createRpcClient({ url: `http://user:pw@127.0.0.1:${port}`, retries: 0 })
    const err = await caught(rpc.call('eth_chainId', []))
    expect(err.message).not.toContain('pw')
  })
})
