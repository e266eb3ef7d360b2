import { describe, expect, it } from 'vitest'
import { CDF_MARKER_QUANTILES, renderCdfSvg } from '../../../src/report/svgCharts.ts'

const polylines = (svg: string) => svg.match(/<polyline points="[^"]+"[^>]*>/g) ?? []
const markers = (svg: string) => svg.match(/<g><(circle|rect|polygon) /g)?.length ?? 0

describe('report / svgCharts', () => {
  it('keeps each series apart by colour, dash, width and quantile markers, in drawing order', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    const svg = renderCdfSvg(
      [
        { name: 'hop', values, color: '#e00', dash: '9 5', strokeWidth: 5, marker: 'square' },
        { name: 'e2e', values, color: '#00e', marker: 'circle' },
      ],
      { title: 'CDF', unit: 'ms', logX: true },
    )
    const paths = [...svg.matchAll(/<path d="[^"]+" fill="none" ([^/]+)\/>/g)].map((m) => m[1])
    expect(paths).toEqual([
      'stroke="#e00" stroke-width="5" stroke-dasharray="9 5"',
      'stroke="#00e" stroke-width="2"',
    ])
    expect(markers(svg)).toBe(2 * CDF_MARKER_QUANTILES.length)
    expect(svg).toContain('<title>e2e p99: 99 ms</title>')
    expect(svg).toContain('>hop (n=100)</text>')
  })

  it('draws a series known only by its quantiles as a polyline through them', () => {
    const svg = renderCdfSvg(
      [
        {
          name: 'saved',
          values: [],
          color: '#0a0',
          marker: 'diamond',
          quantiles: [
            { fraction: 0, value: 2 },
            { fraction: 0.5, value: 5 },
            { fraction: 1, value: 40 },
          ],
        },
      ],
      { title: 'CDF', unit: 'ms', logX: true },
    )
    expect(polylines(svg)).toHaveLength(1)
    expect(markers(svg)).toBe(3)
    expect(svg).toContain('>saved</text>')
    expect(svg).toContain('>100</text>')
    expect(svg).not.toContain('<path')
  })
})
