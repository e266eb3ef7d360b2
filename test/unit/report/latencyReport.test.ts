import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { LatencyBenchRun } from '../../../src/devnet/latencyBench.ts'
import { summarizeLatency } from '../../../src/devnet/latencyStats.ts'
import { E2E_STYLE, HOP_STYLE } from '../../../src/report/latencyCharts.ts'
import {
  headlineFigures,
  renderLatencyReport,
  writeLatencyReport,
} from '../../../src/report/latencyReport.ts'
import {
  histogramCounts,
  MAX_CDF_POINTS,
  renderCdfSvg,
  renderHistogramSvg,
} from '../../../src/report/svgCharts.ts'
import { escapeXml, logScaleFor, niceCeil } from '../../../src/report/svgFrame.ts'
import { syntheticLatencyRun } from './syntheticLatencyRun.ts'

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
      perNode: perNode.map((p, index) => ({
        index: index + 1,
        ...p,
        cpuMsPerBlock: null,
        idleCpuMsPerSecond: null,
      })),
      cpuMsPerBlock: null,
      idleCpuMsPerSecond: null,
      perMinute: [],
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

  const meta = { command: 'c', generatedAt: 'g', machine: 'm' }

  it('leads with the headline figures of each size in large type', () => {
    const r = syntheticLatencyRun().result
    const figures = headlineFigures(r)
    expect(figures.map((f) => f.name)).toEqual([
      'delivery ratio',
      'end-to-end p50',
      'end-to-end p99',
      'per-hop p50',
      'CPU per follower',
      'max RSS per node',
    ])
    expect(figures[0]).toMatchObject({ value: '0.999', detail: '719 / 720 deliveries' })
    const html = renderLatencyReport([syntheticLatencyRun()], meta)
    const headline = html.indexOf('class="headline"')
    expect(headline).toBeGreaterThan(0)
    expect(headline).toBeLessThan(html.indexOf('<svg'))
    expect(html).toContain(`<div class="value">${figures[1]?.value}<span class="unit">ms</span>`)
  })

  it('draws per-hop first (wide, dashed) and end-to-end last, so neither hides the other', () => {
    const html = renderLatencyReport([syntheticLatencyRun({ directPeers: 12 })], meta)
    const cdf = html.slice(html.indexOf('aria-label="Delivery latency CDF'))
    const hop = cdf.indexOf(`stroke="${HOP_STYLE.color}" stroke-width="5" stroke-dasharray="9 5"`)
    const e2e = cdf.indexOf(`stroke="${E2E_STYLE.color}" stroke-width="2"/>`)
    expect(hop).toBeGreaterThan(0)
    expect(e2e).toBeGreaterThan(hop)
    expect(cdf).toContain('>per hop (n=')
    expect(cdf).toContain('>end-to-end (n=')
  })

  it('draws latency per block in send order, and against size only when sizes differ', () => {
    const one = renderLatencyReport([syntheticLatencyRun()], meta)
    expect(one).toContain('Latency per block (send order)')
    const perBlock = one.slice(one.indexOf('aria-label="Latency per block'))
    const points = /<polyline points="([^"]+)"/.exec(perBlock)?.[1]?.split(' ') ?? []
    expect(points).toHaveLength(60)
    expect(one).not.toContain('Latency against block size')
    const sizes = renderLatencyReport(
      [syntheticLatencyRun(), syntheticLatencyRun({ blockBytes: 1_000_000 })],
      meta,
    )
    expect(sizes).toContain('Latency against block size')
    expect(sizes.indexOf('Latency against block size')).toBeLessThan(
      sizes.indexOf('Delivery latency CDF'),
    )
  })

  it('says how many blocks reached no node', () => {
    const run = syntheticLatencyRun()
    const perBlock = run.result.perBlock.map((b, i) =>
      i === 0 ? { ...b, received: 0, firstMs: null, medianMs: null, lastMs: null } : b,
    )
    const html = renderLatencyReport([{ ...run, result: { ...run.result, perBlock } }], meta)
    expect(html).toContain('1 block(s) reached no node and are not drawn.')
  })

  it('keeps the raw samples in result.json for bench compare', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opg-report-'))
    try {
      const run = syntheticLatencyRun()
      writeLatencyReport(dir, [run], meta)
      const json = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'))
      expect(json.samples[0].e2eMs).toHaveLength(run.samples.e2eMs.length)
      expect(json.samples[0].hopMs).toHaveLength(run.samples.hopMs.length)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
