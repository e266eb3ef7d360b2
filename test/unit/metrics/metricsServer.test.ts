import { afterEach, describe, expect, it } from 'vitest'
import { createMetricsRegistry } from '../../../src/metrics/metricsRegistry.ts'
import {
  createMetricsServer,
  MAX_METRICS_CONNECTIONS,
  MAX_METRICS_DISCARDED_BODY_BYTES,
  METRICS_HEADERS_TIMEOUT_MS,
  METRICS_REQUEST_TIMEOUT_MS,
  type MetricsServer,
} from '../../../src/metrics/metricsServer.ts'
import { createNodeMetrics } from '../../../src/metrics/nodeMetrics.ts'
import { started } from '../../../src/util/lifecycle.ts'
import { holdConnection, postBody } from '../../utils/httpProbe.ts'
import { metricValue, parseMetrics } from './promText.ts'

const servers: MetricsServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()))
})

async function start() {
  const registry = createMetricsRegistry({ processMetrics: false })
  const metrics = createNodeMetrics(registry, { chainName: 'devnet', chainId: 901, version: 't' })
  const server = await started(createMetricsServer({ host: '127.0.0.1', port: 0 }, { registry }))
  servers.push(server)
  return { server, metrics, registry }
}

describe('metrics / metricsServer', () => {
  it('serves the registry in the Prometheus text format on GET /metrics', async () => {
    const { server, metrics } = await start()
    expect(server.address?.port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${server.address?.port}`)
    metrics.onBan('score')
    const res = await fetch(`${server.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const samples = parseMetrics(await res.text())
    expect(metricValue(samples, 'op_gossip_peer_bans_total', { reason: 'score' })).toBe(1)
    const head = await fetch(`${server.url}/metrics`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('answers 404 elsewhere and 405 for other methods', async () => {
    const { server } = await start()
    expect((await fetch(`${server.url}/`)).status).toBe(404)
    expect((await fetch(`${server.url}/metricsx`)).status).toBe(404)
    const post = await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x'.repeat(100_000) })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
  })

  it('answers 500 (and keeps serving) when a collector fails', async () => {
    const { server, registry } = await start()
    const { Gauge } = await import('prom-client')
    let fail = true
    new Gauge({
      name: 'op_gossip_test_flaky',
      help: 'fails once',
      registers: [registry],
      collect() {
        if (fail) {
          fail = false
          throw new Error('collector broke')
        }
        this.set(1)
      },
    })
    expect((await fetch(`${server.url}/metrics`)).status).toBe(500)
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200)
  })

  it('refuses a port already in use with the listen error', async () => {
    const { server, registry } = await start()
    await expect(
      started(
        createMetricsServer(
          { host: '127.0.0.1', port: Number(server.address?.port) },
          { registry },
        ),
      ),
    ).rejects.toMatchObject({
      code: 'EADDRINUSE',
    })
  })
})

describe('metrics / metricsServer limits', () => {
  async function startWith(opts: Parameters<typeof createMetricsServer>[0]) {
    const registry = createMetricsRegistry({ processMetrics: false })
    const server = await started(
      createMetricsServer({ host: '127.0.0.1', port: 0, ...opts }, { registry }),
    )
    servers.push(server)
    return server.url as string
  }

  it('buffers no body: drops one up to the bound, answers 413 past it (declared or not)', async () => {
    expect(MAX_METRICS_DISCARDED_BODY_BYTES).toBe(128 * 1024)
    const url = await startWith({})
    expect(await postBody(`${url}/metrics`, MAX_METRICS_DISCARDED_BODY_BYTES)).toBe(405)
    expect(await postBody(`${url}/metrics`, MAX_METRICS_DISCARDED_BODY_BYTES + 1)).toBe(413)
    // A 10 GiB body is never read: the answer comes after one byte.
    const huge = await holdConnection(
      url,
      `POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * 2 ** 30}\r\n\r\n{`,
    )
    await huge.closed
    expect(huge.received()).toMatch(/^HTTP\/1\.1 413/)
    expect((await fetch(`${url}/metrics`)).status).toBe(200)
  })

  it('cuts a slow client after the request timeout', async () => {
    expect(METRICS_REQUEST_TIMEOUT_MS).toBe(10_000)
    expect(METRICS_HEADERS_TIMEOUT_MS).toBe(5_000)
    const url = await startWith({ requestTimeoutMs: 300, headersTimeoutMs: 200 })
    const slow = await holdConnection(url, 'GET /metrics HTTP/1.1\r\nHost: x\r\n')
    expect(await slow.closed).toBeLessThan(3_000)
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408/)
  })

  it('refuses connections past the cap', async () => {
    expect(MAX_METRICS_CONNECTIONS).toBe(32)
    const url = await startWith({ maxConnections: 1 })
    const held = await holdConnection(url)
    const past = await holdConnection(url, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(await past.closed).toBeLessThan(2_000)
    expect(past.received()).toBe('')
    held.socket.destroy()
    await held.closed
    await new Promise((r) => setTimeout(r, 50))
    expect((await fetch(`${url}/metrics`)).status).toBe(200)
  })
})
