import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { histogramLine } from '../../../src/cli/commands/benchObserve.ts'
import {
  MAX_RPC_ANSWER_BYTES,
  ObserveError,
  observeMetrics,
  observeSyncStatus,
  parseUnsafeHead,
  summarizeHistogram,
} from '../../../src/report/observe.ts'
import type { HistogramSeries } from '../../../src/report/prometheusText.ts'

const servers: Server[] = []

async function serve(
  handler: (body: string, path: string) => { status?: number; body: string },
): Promise<string> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      const answer = handler(body, req.url ?? '/')
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain' })
      res.end(answer.body)
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

function metricsPage(n: { le100: number; le250: number; total: number; sum: number }): string {
  return [
    '# TYPE op_gossip_block_arrival_delay_seconds histogram',
    `op_gossip_block_arrival_delay_seconds_bucket{le="0.1"} ${n.le100}`,
    `op_gossip_block_arrival_delay_seconds_bucket{le="0.25"} ${n.le250}`,
    `op_gossip_block_arrival_delay_seconds_bucket{le="+Inf"} ${n.total}`,
    `op_gossip_block_arrival_delay_seconds_sum ${n.sum}`,
    `op_gossip_block_arrival_delay_seconds_count ${n.total}`,
    '',
  ].join('\n')
}

describe('report / observe', () => {
  it('summarises what the arrival-delay histogram gained over the window (real HTTP)', async () => {
    let scrapes = 0
    const url = await serve(() => {
      scrapes++
      // before: 5 old observations; after: 4 more, 2 in (0, 0.1], 2 in (0.1, 0.25]
      return {
        body:
          scrapes === 1
            ? metricsPage({ le100: 5, le250: 5, total: 5, sum: 0.3 })
            : metricsPage({ le100: 7, le250: 9, total: 9, sum: 0.9 }),
      }
    })
    const o = await observeMetrics(
      { url: `${url}/metrics`, windowMs: 10 },
      { sleep: async () => {} },
    )
    expect(scrapes).toBe(2)
    const [h] = o.histograms
    expect(o.histograms).toHaveLength(1)
    expect(h).toMatchObject({
      name: 'op_gossip_block_arrival_delay_seconds',
      count: 4,
      unit: 'ms',
      maxBound: 250,
      overflow: false,
    })
    expect(h?.mean).toBeCloseTo(150, 6)
    // rank 2 of 4 ends the first bucket: 100 ms; rank 3.6 (p90) is 0.8 into (100, 250]
    expect(h?.p50).toBeCloseTo(100, 6)
    expect(h?.p90).toBeCloseTo(220, 6)
  })

  it('fails clearly when the endpoint has none of the histograms or is down', async () => {
    const url = await serve(() => ({ body: 'some_other_metric 1\n' }))
    await expect(
      observeMetrics({ url, windowMs: 1 }, { sleep: async () => {} }),
    ).rejects.toMatchObject({
      code: 'OBSERVE_NO_DATA',
    })
    const bad = await serve(() => ({ status: 500, body: 'oops' }))
    await expect(observeMetrics({ url: bad, windowMs: 1 })).rejects.toMatchObject({
      code: 'OBSERVE_HTTP_FAILED',
    })
  })

  it('times new unsafe heads from optimism_syncStatus polls and counts skipped ones', async () => {
    // unsafe head by poll: 10, 10, 11, 13, 13 (12 skipped); timestamps 2 s apart from t=1000 s
    const heads = [10, 10, 11, 13, 13]
    let poll = 0
    const url = await serve((body) => {
      const req = JSON.parse(body) as { method: string; id: number }
      expect(req.method).toBe('optimism_syncStatus')
      const n = heads[Math.min(poll++, heads.length - 1)] as number
      return {
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: req.id,
          result: { unsafe_l2: { number: n, timestamp: 1000 + 2 * n, hash: '0x00' } },
        }),
      }
    })
    // fake clock: each poll happens 100 ms after the previous, starting at t = 1022.0 s
    let clock = 1_022_000
    const o = await observeSyncStatus(
      { url, windowMs: 400, intervalMs: 100 },
      {
        now: () => clock,
        sleep: async (ms) => {
          clock += ms
        },
      },
    )
    expect(o.blocks).toBe(2)
    expect(o.skipped).toBe(1)
    // head 11 (ts 1022 s) seen between polls at +100 and +200 → midpoint 1022.15 s → 150 ms
    // head 13 (ts 1026 s) seen between +200 and +300 → 1022.25 s → negative (clock skew): kept
    expect(o.arrivalDelayMs.p50).toBe(-3750)
    expect(o.arrivalDelayMs.max).toBe(150)
    expect(o.lastHead).toEqual({ number: 13, timestamp: 1026 })
  })

  it('parses unsafe_l2 and rejects answers without it', () => {
    expect(parseUnsafeHead('{"result":{"unsafe_l2":{"number":5,"timestamp":7}}}', 'u')).toEqual({
      number: 5,
      timestamp: 7,
    })
    expect(() => parseUnsafeHead('{"error":{"message":"method not found"}}', 'u')).toThrow(
      /method not found/,
    )
    expect(() => parseUnsafeHead('{"result":{}}', 'u')).toThrow(ObserveError)
    expect(() => parseUnsafeHead('not json', 'u')).toThrow(/JSON/)
  })

  it('stops reading an RPC answer past the size limit', async () => {
    const url = await serve(() => ({ body: 'x'.repeat(MAX_RPC_ANSWER_BYTES + 1) }))
    await expect(observeSyncStatus({ url, windowMs: 1, intervalMs: 1 })).rejects.toThrow(
      /more than/,
    )
    const ok = JSON.stringify({ result: { unsafe_l2: { number: 1, timestamp: 1 } } })
    const atLimit = await serve(() => ({ body: ok + ' '.repeat(MAX_RPC_ANSWER_BYTES - ok.length) }))
    const o = await observeSyncStatus({ url: atLimit, windowMs: 1, intervalMs: 1 })
    expect(o.blocks).toBe(0)
  })

  describe('every observation in one bucket: its bounds, not made-up percentiles', () => {
    /** Delay buckets (seconds) like the node's: 1 ms, 2.5 ms, 5 ms, then 10 s and +Inf. */
    const LE = [0.001, 0.0025, 0.005, 10, Number.POSITIVE_INFINITY]
    const series = (perBucket: number[], sum: number): HistogramSeries => {
      let cumulative = 0
      const buckets = LE.map((le, i) => {
        cumulative += perBucket[i] ?? 0
        return { le, count: cumulative }
      })
      return { labels: {}, buckets, sum, count: cumulative }
    }
    const NAME = 'op_gossip_block_arrival_delay_seconds'

    it('all in the first bucket: "< 1 ms"', () => {
      const h = summarizeHistogram(NAME, series([7, 0, 0, 0, 0], 0.0035))
      expect(h.singleBucket).toEqual({ above: null, atMost: 1, text: '< 1 ms' })
      // The JSON fields stay; the terminal line says the bound instead of percentiles.
      expect(h.p50).not.toBeNull()
      expect(histogramLine(h)).toBe(`  ${NAME}: n=7 mean 0.5 ms, all < 1 ms (one bucket)`)
    })

    it('all above the last finite bound: "> 10 s"', () => {
      const h = summarizeHistogram(NAME, series([0, 0, 0, 0, 3], 36))
      expect(h.singleBucket).toEqual({ above: 10_000, atMost: null, text: '> 10 s' })
      expect(histogramLine(h)).toBe(`  ${NAME}: n=3 mean 12000 ms, all > 10 s (one bucket)`)
    })

    it('all in a middle bucket: both of its bounds', () => {
      const h = summarizeHistogram(NAME, series([0, 0, 2, 0, 0], 0.008))
      expect(h.singleBucket?.text).toBe('2.5 ms – 5 ms')
      expect(summarizeHistogram(NAME, series([0, 0, 0, 1, 0], 6)).singleBucket?.text).toBe(
        '5 ms – 10 s',
      )
    })

    it('two buckets or none: percentiles as before, no single bucket', () => {
      const two = summarizeHistogram(NAME, series([1, 1, 0, 0, 0], 0.002))
      expect(two.singleBucket).toBeNull()
      expect(histogramLine(two)).toMatch(/ p50 1 p90 2\.2 p99 2\.4\d* max<=2\.5 ms$/)
      expect(summarizeHistogram(NAME, series([0, 0, 0, 0, 0], 0)).singleBucket).toBeNull()
    })

    it('a histogram not in seconds prints bare bounds', () => {
      const h = summarizeHistogram('queue_length', series([0, 4, 0, 0, 0], 0.008))
      expect(h.singleBucket?.text).toBe('0.001 – 0.0025')
    })
  })
})
