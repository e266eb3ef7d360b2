/**
 * The per-road part of the latency report (`bench latency --transport redis|both --report`):
 * gossip and Redis side by side in a table and one CDF per road; nothing for a gossip-only run.
 */
import { describe, expect, it } from 'vitest'
import { roadCdf } from '../../../src/devnet/latencyByRoad.ts'
import { percentiles } from '../../../src/devnet/latencyStats.ts'
import { roadCdfChart, roadCdfPoints, runStyle } from '../../../src/report/latencyCharts.ts'
import { renderLatencyReport, roadsSection } from '../../../src/report/latencyReport.ts'
import { syntheticLatencyRun } from './syntheticLatencyRun.ts'

const META = { command: 'op-gossip bench latency', generatedAt: 'now', machine: 'test' }
const GOSSIP = [3.1, 4.2, 4.4, 5, 6.5, 9.9]
const REDIS = [8.8, 10.1, 12.5, 13, 20.4, 31.7]

function road(samples: number[], nodes: number, delivery: number) {
  return { nodes, delivery, e2eMs: percentiles(samples), e2eCdf: roadCdf(samples) }
}

function bothRun() {
  const run = syntheticLatencyRun({ nodes: 3, blocks: 20 })
  run.result.transport = 'both'
  run.result.roads = { gossip: road(GOSSIP, 1, 1), redis: road(REDIS, 1, 0.95) }
  return run
}

/** The text of each cell of the table that follows the per-road heading. */
function roadRows(html: string): string[][] {
  const part = html.slice(html.indexOf('By road'))
  const body = /<tbody>(.*?)<\/tbody>/s.exec(part)?.[1] ?? ''
  return [...body.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) =>
    [...(m[1] ?? '').matchAll(/<td>(.*?)<\/td>/g)].map((c) => c[1] ?? ''),
  )
}

describe('report / latency by road', () => {
  it('puts gossip and Redis side by side: delivery and p50/p90/p99/max per road', () => {
    const html = renderLatencyReport([bothRun()], META)
    expect(html).toContain('By road (--transport both)')
    const rows = roadRows(html)
    expect(rows.map((r) => r[0])).toEqual(['gossip', 'redis'])
    expect(rows[0]?.slice(2)).toEqual(['1', '1.000 (20 / 20)', '4.4', '9.9', '9.9', '9.9'])
    expect(rows[1]?.slice(2)).toEqual(['1', '0.950 (19 / 20)', '12.5', '31.7', '31.7', '31.7'])
  })

  it('draws one CDF per road in its own colour, from the fastest to the slowest delivery', () => {
    const run = bothRun()
    const svg = roadCdfChart(run.result)
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg).toContain('gossip (1)')
    expect(svg).toContain('redis (1)')
    // the roads keep the colours of DEVNET_ROADS order: gossip first, redis second
    expect(svg).toContain(runStyle(0).color)
    expect(svg).toContain(runStyle(1).color)
    expect(svg).not.toContain(runStyle(2).color)
    const redis = run.result.roads?.redis
    if (redis === undefined) throw new Error('no redis road')
    const points = roadCdfPoints(redis)
    expect(points[0]).toEqual({ fraction: 0, value: 8.8 })
    expect(points.at(-1)).toEqual({ fraction: 1, value: 31.7 })
  })

  it('falls back to the percentiles for a result saved without CDF points', () => {
    const points = roadCdfPoints({ nodes: 2, delivery: 1, e2eMs: percentiles(REDIS) })
    expect(points).toEqual([
      { fraction: 0.5, value: 12.5 },
      { fraction: 0.9, value: 31.7 },
      { fraction: 0.99, value: 31.7 },
      { fraction: 1, value: 31.7 },
    ])
  })

  it('shows nothing by road for a gossip-only run', () => {
    const run = syntheticLatencyRun({ nodes: 3, blocks: 20 })
    run.result.transport = 'gossip'
    run.result.roads = { gossip: road(GOSSIP, 3, 1) }
    expect(roadsSection(run.result)).toBe('')
    expect(renderLatencyReport([run], META)).not.toContain('By road')
  })
})
