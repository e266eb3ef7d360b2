import { describe, expect, it } from 'vitest'
import {
  blockLatencySeries,
  cpuMsPerSecond,
  e2eQuantilePoints,
  hasSeveralSizes,
  type LatencyResultFields,
  resourceFigures,
  toKb,
} from '../../../src/report/latencyFigures.ts'

function result(overrides: Partial<LatencyResultFields> = {}): LatencyResultFields {
  return {
    nodes: 2,
    blocks: 3,
    blockBytes: 100_000,
    blockTime: 2,
    delivery: 5 / 6,
    e2eMs: { p50: 4, p90: 9, p99: 12, max: 12 },
    hopMs: { p50: 3, p90: 5, p99: 6, max: 6 },
    duplicatesPerNodePerBlock: 1,
    bytesPerNodePerBlock: { sent: 1000, received: 2000 },
    perNode: [
      { rssBytes: 100e6, cpuSeconds: 0.6 },
      { rssBytes: 150e6, cpuSeconds: 1.2 },
    ],
    perBlock: [
      { number: 10, firstMs: 3, medianMs: 7, lastMs: 12 },
      { number: 11, firstMs: null, medianMs: null, lastMs: null },
      { number: 12, firstMs: 2.5, medianMs: 4, lastMs: 5 },
    ],
    ...overrides,
  }
}

describe('report / latencyFigures', () => {
  it('turns CPU seconds into ms per second of the window (blocks × block time)', () => {
    const f = resourceFigures(result())
    expect(f.windowSeconds).toBe(6)
    expect(f.cpuMsPerSecond).toEqual({ mean: 150, max: 200 })
    expect(f.rssMb).toEqual({ mean: 125, max: 150 })
    expect(cpuMsPerSecond(1, 0)).toBe(0)
    expect(resourceFigures(result({ perNode: [] })).cpuMsPerSecond).toEqual({ mean: 0, max: 0 })
  })

  it('lists blocks in send order and counts those no node received', () => {
    const { points, undelivered } = blockLatencySeries(result())
    expect(points).toEqual([
      { index: 1, number: 10, firstMs: 3, medianMs: 7, lastMs: 12 },
      { index: 3, number: 12, firstMs: 2.5, medianMs: 4, lastMs: 5 },
    ])
    expect(undelivered).toBe(1)
  })

  it('gives CDF points from the fastest first arrival through the percentiles', () => {
    expect(e2eQuantilePoints(result())).toEqual([
      { fraction: 0, value: 2.5 },
      { fraction: 0.5, value: 4 },
      { fraction: 0.9, value: 9 },
      { fraction: 0.99, value: 12 },
      { fraction: 1, value: 12 },
    ])
  })

  it('knows when several sizes ran', () => {
    expect(hasSeveralSizes([{ blockBytes: 1 }, { blockBytes: 1 }])).toBe(false)
    expect(hasSeveralSizes([{ blockBytes: 1 }, { blockBytes: 2 }])).toBe(true)
    expect(toKb(12_345)).toBe(12.3)
  })
})
