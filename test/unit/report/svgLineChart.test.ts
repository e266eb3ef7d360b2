import { describe, expect, it } from 'vitest'
import { MAX_LINE_MARKERS, renderLineChartSvg } from '../../../src/report/svgLineChart.ts'

const polylines = (svg: string) =>
  [...svg.matchAll(/<polyline points="([^"]+)"[^>]*>/g)].map((m) => m[0] as string)
const markers = (svg: string) => svg.match(/<g><(circle|rect|polygon) /g)?.length ?? 0

describe('report / svgLineChart', () => {
  it('draws one polyline per line series, dots without a line, and a band', () => {
    const svg = renderLineChartSvg(
      [
        {
          name: 'slowest',
          color: '#e00',
          marker: 'triangle',
          dotsOnly: true,
          points: [
            { x: 1, y: 30 },
            { x: 2, y: 12 },
          ],
        },
        {
          name: 'median',
          color: '#00e',
          marker: 'circle',
          dash: '4 2',
          points: [
            { x: 1, y: 20, note: 'block <7>' },
            { x: 2, y: 10 },
          ],
        },
      ],
      {
        title: 'Per block',
        xLabel: 'block',
        yLabel: 'ms',
        band: {
          name: 'spread',
          color: '#00e',
          points: [
            { x: 1, lo: 5, hi: 30 },
            { x: 2, lo: 4, hi: 12 },
          ],
        },
      },
    )
    const lines = polylines(svg)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('stroke-dasharray="4 2"')
    expect(svg).toMatch(/<polygon points="[^"]+" fill="#00e" fill-opacity="0.22"/)
    expect(markers(svg)).toBe(4)
    expect(svg).toContain('<title>block &lt;7&gt;</title>')
    // legend: band, dots, line, in that order, under the plot
    expect(svg.indexOf('>spread</text>')).toBeLessThan(svg.indexOf('>slowest</text>'))
    expect(svg.indexOf('>slowest</text>')).toBeLessThan(svg.indexOf('>median</text>'))
    expect(svg).toContain('aria-label="Per block"')
  })

  it('drops markers on long lines but keeps them on dot series', () => {
    const points = Array.from({ length: MAX_LINE_MARKERS + 1 }, (_, i) => ({ x: i, y: i }))
    const line = renderLineChartSvg([{ name: 'l', color: '#000', marker: 'circle', points }], {
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
    })
    expect(markers(line)).toBe(0)
    const dots = renderLineChartSvg(
      [{ name: 'd', color: '#000', marker: 'circle', dotsOnly: true, points }],
      { title: 't', xLabel: 'x', yLabel: 'y' },
    )
    expect(markers(dots)).toBe(points.length)
    expect(dots).toContain('r="2.5"')
  })

  it('puts log axes on whole decades', () => {
    const svg = renderLineChartSvg(
      [
        {
          name: 'p50',
          color: '#000',
          points: [
            { x: 100, y: 3 },
            { x: 9000, y: 400 },
          ],
        },
      ],
      { title: 't', xLabel: 'KB', yLabel: 'ms', logX: true, logY: true },
    )
    for (const tick of ['100', '1000', '10000', '1', '10']) expect(svg).toContain(`>${tick}</text>`)
  })
})
