import { describe, expect, it } from 'vitest'
import {
  createFrame,
  DEFAULT_CHART_HEIGHT,
  fineCeil,
  type LegendEntry,
  linearScaleFor,
  MARGIN,
  renderLegend,
  renderMarker,
} from '../../../src/report/svgFrame.ts'

const entry = (label: string): LegendEntry => ({ label, style: { color: '#123456' } })

describe('report / svgFrame', () => {
  it('fine axis maxima stay close to the data with round fifths', () => {
    expect([0, 0.7, 11, 60, 61, 240, 999].map(fineCeil)).toEqual([1, 0.8, 15, 60, 80, 250, 1000])
    expect(linearScaleFor([12, 60], true)).toEqual({ kind: 'linear', max: 60 })
    expect(linearScaleFor([12, 60])).toEqual({ kind: 'linear', max: 100 })
    expect(linearScaleFor([])).toEqual({ kind: 'linear', max: 1 })
  })

  it('maps values onto the plot area, log scales by decade', () => {
    const f = createFrame(
      { width: 400, height: 200 },
      { kind: 'log', min: 1, max: 100 },
      {
        kind: 'linear',
        max: 1,
      },
    )
    expect(f.x(1)).toBe(MARGIN.left)
    expect(f.x(10)).toBeCloseTo(MARGIN.left + f.plotW / 2)
    // below the scale: clamped to its left edge
    expect(f.x(0.01)).toBe(MARGIN.left)
    expect(f.y(0)).toBe(MARGIN.top + f.plotH)
    expect(f.y(1)).toBe(MARGIN.top)
  })

  it('puts the legend under the plot, wrapping into rows and growing the chart', () => {
    const linear = { kind: 'linear', max: 1 } as const
    const none = createFrame({}, linear, linear)
    expect(none.height).toBe(DEFAULT_CHART_HEIGHT)
    expect(renderLegend(none)).toBe('')
    const one = createFrame({}, linear, linear, [entry('a'), entry('b')])
    expect(new Set(one.legend.map((p) => p.y)).size).toBe(1)
    const many = createFrame({ width: 300 }, linear, linear, [
      entry('a rather long series name'),
      entry('another long series name'),
      entry('and a third one'),
    ])
    expect(new Set(many.legend.map((p) => p.y)).size).toBe(3)
    expect(many.height).toBeGreaterThan(one.height)
    expect(Math.min(...many.legend.map((p) => p.y))).toBeGreaterThan(many.plotH + MARGIN.top)
    expect(many.plotH).toBe(none.plotH)
    const svg = renderLegend(many)
    expect(svg.match(/<line /g)?.length).toBe(3)
    expect(svg).toContain('>and a third one</text>')
  })

  it('draws each marker shape centred on its point', () => {
    expect(renderMarker('circle', 10, 20, '#000')).toBe(
      '<circle cx="10.0" cy="20.0" r="4" fill="#000"/>',
    )
    expect(renderMarker('square', 10, 20, '#000', 2)).toContain('x="8.0" y="18.0" width="4"')
    expect(renderMarker('triangle', 10, 20, '#000')).toMatch(/^<polygon points="10.0,15.0 /)
    expect(renderMarker('diamond', 10, 20, '"')).toContain('fill="&quot;"')
  })
})
