import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { LatencyBenchRun } from '../../../src/devnet/latencyBench.ts'
import { summarizeLatency } from '../../../src/devnet/latencyStats.ts'
import { renderLatencyReport, writeLatencyReport } from '../../../src/report/latencyReport.ts'
import {
  escapeXml,
  histogramCounts,
  logScaleFor,
  MAX_CDF_POINTS,
  niceCeil,
  renderCdfSvg,
  renderHistogramSvg,
} from '../../../src/report/svgCharts.ts'

function run(): LatencyBenchRun {
  const { summary, samples } = summarizeLatency({
    sequencerPeerId: 'seq',
    blocks: [
      { blockHash: 'b1', number: 7, publishedMs: 0, bytes: 100_000, compressedBytes: 77_000 },
    ],
    nodes: ['A', 'B'].map((peerId, k) => ({
      peerId,
      countersAtStart: { bytesSent: 0, bytesReceived: 0, duplicates: 0 },
      countersAtEnd: { bytesSent: 1000, bytesReceived: 80_000, duplicates: 1 },
      arrivals: [
        {
          blockHash: 'b1',
          firstSeenMs: 3 + k * 4,
          fromPeer: k === 0 ? 'seq' : 'A',
          queueMs: 0.2,
          validationMs: 2,
        },
      ],
      rssBytes: 120e6,
      cpuSeconds: 0.5,
    })),
  })
  const { perNode, perBlock, ...rest } = summary
  return {
    result: {
      ...rest,
      blockTime: 1,
      mesh: { d: 8, lo: 6, hi: 12 },
      network: 'loopback <test>',
      compiled: false,
      machine: { cores: 2, loadAverage: { start: 0.5, end: 1 } },
      perNode: perNode.map((p, index) => ({ index: index + 1, ...p })),
      sequencer: { rssBytes: 1, cpuSeconds: 1, bytesSentPerBlock: 1 },
      perBlock,
    },
    samples,
  }
}

describe('report / svgCharts', () => {
  it('rounds axis maxima to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 0.7, 3, 21, 240, 251, 999].map(niceCeil)).toEqual([1, 1, 5, 25, 250, 500, 1000])
  })

  it('bins values with the maximum in the last bin', () => {
    expect(histogramCounts([0, 0.5, 1, 9.99, 10], 10, 10)).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0, 2])
  })

  it('draws a CDF path per series with escaped names and a bounded number of points', () => {
    const values = Array.from({ length: MAX_CDF_POINTS * 3 }, (_, i) => i / 100)
    const svg = renderCdfSvg([{ name: '<e2e>', values, color: '#123456' }], {
      title: 'T & t',
      unit: 'ms',
    })
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg).toContain('&lt;e2e&gt; (n=6000)')
    expect(svg).toContain('T &amp; t')
    const path = /<path d="([^"]+)"/.exec(svg)?.[1] ?? ''
    // one move plus two line segments per drawn point
    expect(path.split(' L').length - 1).toBeLessThanOrEqual(2 * MAX_CDF_POINTS)
    expect(escapeXml(`"'`)).toBe('&quot;&#39;')
  })

  it('puts a log-scale CDF on whole decades', () => {
    expect(logScaleFor([0.3, 2, 450])).toEqual({ kind: 'log', min: 0.1, max: 1000 })
    expect(logScaleFor([0, -1])).toEqual({ kind: 'log', min: 0.1, max: 1 })
    const svg = renderCdfSvg([{ name: 'e2e', values: [0.3, 2, 450], color: '#000' }], {
      title: 't',
      unit: 'ms',
      logX: true,
    })
    for (const tick of ['0.1', '1', '10', '100', '1000']) expect(svg).toContain(`>${tick}</text>`)
  })

  it('clips a long tail into the last bar and says so', () => {
    const svg = renderHistogramSvg([1, 2, 3, 500, 900], {
      title: 'h',
      unit: 'ms',
      bins: 10,
      clipAt: 5,
    })
    expect(svg).toContain('2 above 5 ms in the last bar')
    expect(svg).toContain('≥ 4.5 ms: 2')
  })

  it('draws one bar per non-empty bin', () => {
    const svg = renderHistogramSvg([1, 1, 2, 9], { title: 'h', unit: 'ms', bins: 10 })
    // bars carry a tooltip; the plot frame does not
    expect(svg.match(/<\/title><\/rect>/g)?.length).toBe(3)
  })
})

describe('report / latencyReport', () => {
  it('renders a self-contained page with both charts and writes it with the JSON', () => {
    const html = renderLatencyReport([run()], {
      command: 'op-gossip bench latency --nodes 2',
      generatedAt: '2025-01-01T00:00:00Z',
      machine: '2 cores',
    })
    expect(html).toContain('<!doctype html>')
    expect(html).toContain('Delivery latency CDF')
    expect(html).toContain('Per-hop latency')
    expect(html).toContain('loopback &lt;test&gt;')
    // nothing fetched at view time
    expect(html).not.toMatch(/<script|<link|src="http|href="http/)
    const dir = mkdtempSync(join(tmpdir(), 'opg-report-'))
    try {
      const path = writeLatencyReport(join(dir, 'r'), [run()], {
        command: 'c',
        generatedAt: 'g',
        machine: 'm',
      })
      expect(readFileSync(path, 'utf8')).toContain('<svg')
      const json = JSON.parse(readFileSync(join(dir, 'r', 'result.json'), 'utf8'))
      expect(json.results[0].nodes).toBe(2)
      expect(json.results[0].e2eMs.max).toBe(7)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
