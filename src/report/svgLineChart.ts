/**
 * An x-y chart for the report: lines with markers, dot series and one shaded band (e.g. the
 * spread from the first to the last node per block). Frame and legend come from svgFrame.ts.
 */
import {
  type ChartSize,
  createFrame,
  escapeXml,
  formatNumber,
  linearScaleFor,
  logScaleFor,
  renderAxes,
  renderLegend,
  renderMarker,
  type Scale,
  type SeriesStyle,
  strokeAttributes,
  wrapSvg,
} from './svgFrame.ts'

export interface ChartPoint {
  x: number
  y: number
  /** Tooltip text of the point's marker */
  note?: string
}

export interface LineSeries extends SeriesStyle {
  name: string
  points: readonly ChartPoint[]
  /** Markers only, no connecting line */
  dotsOnly?: boolean
}

export interface BandSeries {
  name: string
  /** CSS colour (drawn translucent) */
  color: string
  points: ReadonlyArray<{ x: number; lo: number; hi: number }>
}

export interface LineChartOptions extends ChartSize {
  title: string
  xLabel: string
  yLabel: string
  /** Logarithmic x axis (decades). @default false */
  logX?: boolean
  /** Logarithmic y axis (decades). @default false */
  logY?: boolean
  /** Shaded area drawn under every line */
  band?: BandSeries
}

/** A line series gets a marker at each point only up to this many points (else it is a blur). */
export const MAX_LINE_MARKERS = 120
/** Radius of a marker on a line, and of a dot in a dense dot series, px */
const LINE_MARKER_PX = 4
const DENSE_DOT_PX = 2.5
const BAND_OPACITY = 0.22

function polylinePoints(
  points: readonly ChartPoint[],
  f: { x(v: number): number; y(v: number): number },
) {
  return points.map((p) => `${f.x(p.x).toFixed(1)},${f.y(p.y).toFixed(1)}`).join(' ')
}

/** Lines (in the given order, later on top) over an optional band, legend below the plot. */
export function renderLineChartSvg(series: readonly LineSeries[], opts: LineChartOptions): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.x))
  const ys = series.flatMap((s) => s.points.map((p) => p.y))
  if (opts.band !== undefined) {
    xs.push(...opts.band.points.map((p) => p.x))
    ys.push(...opts.band.points.map((p) => p.hi))
  }
  const xScale: Scale = opts.logX === true ? logScaleFor(xs) : linearScaleFor(xs, true)
  const band = opts.band
  const legend = [
    ...(band === undefined ? [] : [{ label: band.name, style: { color: band.color }, area: true }]),
    ...series.map((s) => ({ label: s.name, style: s, dotsOnly: s.dotsOnly === true })),
  ]
  const yScale: Scale = opts.logY === true ? logScaleFor(ys) : linearScaleFor(ys)
  const f = createFrame(opts, xScale, yScale, legend)
  const parts = [renderAxes(f, { title: opts.title, x: opts.xLabel, y: opts.yLabel })]
  if (band !== undefined && band.points.length > 0) {
    const upper = band.points.map((p) => `${f.x(p.x).toFixed(1)},${f.y(p.hi).toFixed(1)}`)
    const lower = band.points.map((p) => `${f.x(p.x).toFixed(1)},${f.y(p.lo).toFixed(1)}`)
    parts.push(
      `<polygon points="${[...upper, ...lower.reverse()].join(' ')}" fill="${escapeXml(band.color)}" fill-opacity="${BAND_OPACITY}" stroke="none"/>`,
    )
  }
  for (const s of series) {
    if (s.points.length === 0) continue
    if (s.dotsOnly !== true) {
      parts.push(
        `<polyline points="${polylinePoints(s.points, f)}" fill="none" stroke-linejoin="round" ${strokeAttributes(s)}/>`,
      )
    }
    const showMarkers =
      s.marker !== undefined && (s.dotsOnly === true || s.points.length <= MAX_LINE_MARKERS)
    if (!showMarkers || s.marker === undefined) continue
    const r = s.points.length > MAX_LINE_MARKERS ? DENSE_DOT_PX : LINE_MARKER_PX
    for (const p of s.points) {
      const tip = p.note ?? `${s.name}: ${formatNumber(p.y)} at ${formatNumber(p.x)}`
      parts.push(
        `<g>${renderMarker(s.marker, f.x(p.x), f.y(p.y), s.color, r)}<title>${escapeXml(tip)}</title></g>`,
      )
    }
  }
  parts.push(renderLegend(f))
  return wrapSvg(f, parts.join(''), opts.title)
}
