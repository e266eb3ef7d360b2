import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { HealthMonitor } from '../../../src/rpc/health.ts'
import type { RpcMethods } from '../../../src/rpc/jsonRpc.ts'
import {
  createRpcServer,
  DEFAULT_RPC_ADDR,
  DEFAULT_RPC_PORT,
  MAX_RPC_CONNECTIONS,
  MAX_RPC_DRAIN_SIZE_BYTES,
  MAX_RPC_REQUEST_BODY_SIZE_BYTES,
  RPC_HEADERS_TIMEOUT_MS,
  RPC_REQUEST_TIMEOUT_MS,
  type RpcServer,
} from '../../../src/rpc/rpcServer.ts'
import { curlPostBody, holdConnection, postBody } from '../../utils/httpProbe.ts'

const servers: RpcServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()))
})

const methods: RpcMethods = {
  echo: (params) => params[0] ?? null,
  slow: (_params, ctx) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => resolve('late'), 30_000)
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(t)
        reject(new Error('aborted'))
      })
    }),
}

async function start(opts: { maxBodySizeBytes?: number; health?: HealthMonitor } = {}) {
  const server = createRpcServer(
    {
      host: '127.0.0.1',
      port: 0,
      ...(opts.maxBodySizeBytes ? { maxBodySizeBytes: opts.maxBodySizeBytes } : {}),
    },
    { methods, health: opts.health ?? null },
  )
  servers.push(server)
  await server.start()
  return { url: server.url as string, stop: () => server.stop() }
}

function post(url: string, body: RequestInit['body'], headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    duplex: 'half',
  } as RequestInit)
}

/** A JSON-RPC call padded with spaces to exactly `size` bytes. */
function paddedCall(size: number): string {
  const call = '{"jsonrpc":"2.0","id":1,"method":"echo","params":["ok"]}'
  return call + ' '.repeat(size - call.length)
}

describe('rpc / rpcServer', () => {
  it("defaults to op-node's address and port", () => {
    expect(DEFAULT_RPC_ADDR).toBe('127.0.0.1')
    expect(DEFAULT_RPC_PORT).toBe(9545)
  })

  it('answers JSON-RPC over POST, batches included, and 204 for notifications only', async () => {
    const s = await start()
    const res = await post(s.url, '{"jsonrpc":"2.0","id":1,"method":"echo","params":[5]}')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 1, result: 5 })
    const batch = await post(
      s.url,
      '[{"jsonrpc":"2.0","id":1,"method":"echo","params":[1]},{"jsonrpc":"2.0","id":2,"method":"x"}]',
    )
    expect(await batch.json()).toMatchObject([
      { id: 1, result: 1 },
      { id: 2, error: { code: -32601 } },
    ])
    const note = await post(s.url, '{"jsonrpc":"2.0","method":"echo"}')
    expect(note.status).toBe(204)
  })

  it('answers malformed JSON and unknown methods with JSON-RPC errors (HTTP 200)', async () => {
    const s = await start()
    const bad = await post(s.url, '{"jsonrpc":"2.0",')
    expect(bad.status).toBe(200)
    expect(await bad.json()).toMatchObject({ id: null, error: { code: -32700 } })
    const binary = await post(s.url, new Uint8Array([0xff, 0xfe, 0x00, 0x80]))
    expect(await binary.json()).toMatchObject({ error: { code: -32700 } })
    const unknown = await post(s.url, '{"jsonrpc":"2.0","id":9,"method":"admin_stopSequencer"}')
    expect(await unknown.json()).toMatchObject({ id: 9, error: { code: -32601 } })
  })

  it('reads a body at the size limit and answers 413 / -32600 one byte past it', async () => {
    const s = await start({ maxBodySizeBytes: 1024 })
    const at = await post(s.url, paddedCall(1024))
    expect(await at.json()).toMatchObject({ result: 'ok' })
    const past = await post(s.url, paddedCall(1025))
    expect(past.status).toBe(413)
    expect(await past.json()).toMatchObject({
      id: null,
      error: { code: -32600, message: expect.stringMatching(/too large/) },
    })
    // Streamed without a content-length: cut off while reading.
    const chunks = [paddedCall(1000), ' '.repeat(100)]
    const stream = new ReadableStream({
      pull(controller) {
        const next = chunks.shift()
        if (next === undefined) controller.close()
        else controller.enqueue(new TextEncoder().encode(next))
      },
    })
    const streamed = await post(s.url, stream)
    expect(streamed.status).toBe(413)
    // The server is still fine afterwards.
    expect(await (await post(s.url, paddedCall(100))).json()).toMatchObject({ result: 'ok' })
  })

  it('enforces MAX_RPC_REQUEST_BODY_SIZE_BYTES by default', async () => {
    const s = await start()
    const at = await post(s.url, paddedCall(MAX_RPC_REQUEST_BODY_SIZE_BYTES))
    expect(await at.json()).toMatchObject({ result: 'ok' })
    const past = await post(s.url, paddedCall(MAX_RPC_REQUEST_BODY_SIZE_BYTES + 1))
    expect(past.status).toBe(413)
  })

  it('cuts a connection whose declared body is far too large without reading it all', async () => {
    const s = await start({ maxBodySizeBytes: 1024 })
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${s.url}/`,
        { method: 'POST', headers: { 'content-length': String(10 * 2 ** 30) } },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.write('{')
      // never finishes the 10 GiB body: the answer must come anyway
    })
    expect(status).toBe(413)
  })

  it('answers other HTTP methods with 405 and GET /healthz with 404 when no health check is set', async () => {
    const s = await start()
    const get = await fetch(s.url)
    expect(get.status).toBe(405)
    expect(await get.json()).toMatchObject({ error: { code: -32600 } })
    expect((await fetch(`${s.url}/healthz`)).status).toBe(404)
  })

  it('serves /healthz from the health monitor: 200 healthy, 503 with reasons', async () => {
    let peers = 1
    let now = 0
    const health = new HealthMonitor(
      { headWindowMs: 1000 },
      { peerCount: () => peers, head: () => ({ number: 1, hash: '0x01' }), now: () => now },
    )
    const s = await start({ health })
    const ok = await fetch(`${s.url}/healthz`)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({
      healthy: true,
      status: 'ok',
      peers: 1,
      head: { number: 1 },
    })
    peers = 0
    now = 5000
    const bad = await fetch(`${s.url}/healthz?verbose=1`)
    expect(bad.status).toBe(503)
    const body = (await bad.json()) as { reasons: string[] }
    expect(body.reasons).toEqual([
      'no connected peers',
      expect.stringMatching(/has not moved for 5 s/),
    ])
  })

  it('aborts running calls when it closes', async () => {
    const s = await start()
    const pending = post(s.url, '{"jsonrpc":"2.0","id":1,"method":"slow"}').then(
      (r) => r.status,
      () => 'connection closed',
    )
    await new Promise((r) => setTimeout(r, 50))
    const t0 = Date.now()
    await s.stop()
    servers.length = 0
    expect(Date.now() - t0).toBeLessThan(5_000)
    expect(await pending).toBe('connection closed')
  })
})

describe('rpc / rpcServer limits', () => {
  it('answers 413 to oversized bodies, which a real client reads (no reset)', async () => {
    const s = await start()
    for (const size of [
      MAX_RPC_REQUEST_BODY_SIZE_BYTES + 1,
      2 * 2 ** 20,
      4 * 2 ** 20,
      8 * 2 ** 20,
    ]) {
      expect(await postBody(s.url, size), `${size} bytes`).toBe(413)
    }
    // Up to the drain bound the whole body is read first; still 413 at the bound.
    expect(await postBody(s.url, MAX_RPC_DRAIN_SIZE_BYTES)).toBe(413)
    // curl (another process, the whole body written before reading) saw EPIPE at 4 MB and more.
    for (const size of [4 * 2 ** 20, 8 * 2 ** 20]) {
      expect(await curlPostBody(s.url, size), `curl, ${size} bytes`).toBe('413')
    }
    const ok = await post(s.url, paddedCall(100))
    expect(await ok.json()).toMatchObject({ result: 'ok' })
  })

  it('cuts a client that does not finish its request within the timeout', async () => {
    expect(RPC_REQUEST_TIMEOUT_MS).toBe(10_000)
    expect(RPC_HEADERS_TIMEOUT_MS).toBe(5_000)
    const server = createRpcServer(
      { host: '127.0.0.1', port: 0, requestTimeoutMs: 300, headersTimeoutMs: 200 },
      { methods },
    )
    servers.push(server)
    await server.start()
    const url = server.url as string
    // Headers never finished, and a body that stalls after one byte.
    const noHeaders = await holdConnection(url, 'POST / HTTP/1.1\r\nHost: x\r\n')
    const slowBody = await holdConnection(
      url,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{',
    )
    for (const held of [noHeaders, slowBody]) {
      const ms = await held.closed
      expect(ms).toBeLessThan(3_000)
      expect(held.received()).toMatch(/^HTTP\/1\.1 408/)
    }
  })

  it('refuses connections past the cap and serves again once one closes', async () => {
    expect(MAX_RPC_CONNECTIONS).toBe(64)
    const server = createRpcServer({ host: '127.0.0.1', port: 0, maxConnections: 2 }, { methods })
    servers.push(server)
    await server.start()
    const url = server.url as string
    const held = [await holdConnection(url), await holdConnection(url)]
    // At the cap, the next connection is closed at once without an answer.
    const past = await holdConnection(url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(await past.closed).toBeLessThan(2_000)
    expect(past.received()).toBe('')
    held[0]?.socket.destroy()
    await held[0]?.closed
    await new Promise((r) => setTimeout(r, 50))
    const again = await post(url, paddedCall(100))
    expect(await again.json()).toMatchObject({ result: 'ok' })
    held[1]?.socket.destroy()
  })
})
