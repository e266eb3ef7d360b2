/**
 * The frame shared by the report's hand-written SVG charts: scales (linear from 0, or whole
 * decades), axes with grid lines, series markers and the legend. Written by hand because the
 * report must open offline with no script or network access.
 */

export interface ChartSize {
  /** @default DEFAULT_CHART_WIDTH px */
  width?: number
  /** @default DEFAULT_CHART_HEIGHT px */
  height?: number
}

export const DEFAULT_CHART_WIDTH = 640
export const DEFAULT_CHART_HEIGHT = 320
/** Space around the plot area for the title, tick labels and axis labels, px */
export const MARGIN = { left: 56, right: 16, top: 32, bottom: 44 } as const
/** Intervals on a linear axis */
const LINEAR_TICKS = 5
/** Legend rows are this far apart, px */
const LEGEND_ROW_PX = 16
/** Width of the line sample in a legend row, px */
const LEGEND_SAMPLE_PX = 36
/** Opacity of a band's legend sample (the band itself is drawn translucent) */
const LEGEND_AREA_OPACITY = 0.35
/** Space under the last legend row, px */
const LEGEND_PADDING_PX = 6
/** Approximate width of one legend character at font size 11, px (for laying entries out) */
const LEGEND_CHAR_PX = 6.2

/** Marker shapes, so series differ by more than their colour. */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond'

/** What tells one series from another: colour, dash pattern and marker shape. */
export interface SeriesStyle {
  /** CSS colour */
  color: string
  /** SVG stroke-dasharray, e.g. '6 4'; solid when absent */
  dash?: string
  /** @default 2 px */
  strokeWidth?: number
  marker?: MarkerShape
}

/** Linear from 0 to `max`, or logarithmic over whole decades from `min` to `max`. */
export type Scale = { kind: 'linear'; max: number } | { kind: 'log'; min: number; max: number }

/** Escapes text for SVG/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/**
 * Largest and smallest of a sample without spreading it into arguments (a run's samples can
 * exceed the engine's argument limit). -Infinity / Infinity when empty.
 */
export function maxOf(values: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY
  for (const v of values) if (v > max) max = v
  return max
}

export function minOf(values: readonly number[]): number {
  let min = Number.POSITIVE_INFINITY
  for (const v of values) if (v < min) min = v
  return min
}

/** A "nice" axis maximum (1, 2, 2.5 or 5 times a power of ten) at or above `x`. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(x))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p
  return 10 * p
}

/** A tick or value label: no trailing zeros, fewer decimals for larger numbers. */
export function formatNumber(x: number): string {
  if (x === 0) return '0'
  if (Math.abs(x) >= 100) return x.toFixed(0)
  if (Math.abs(x) >= 10) return x.toFixed(1).replace(/\.0$/, '')
  return x.toFixed(2).replace(/0+$/, '').replace(/\.$/, '')
}

/**
 * Axis maxima whose fifths are still round (tick labels stay short), closer together than
 * niceCeil's: for counts such as blocks, where 60 should not become 100.
 */
const FINE_MULTIPLES = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] as const

/** A fine axis maximum at or above `x` (see FINE_MULTIPLES). */
export function fineCeil(x: number): number {
  if (!(x > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(x))
  for (const m of FINE_MULTIPLES) if (m * p >= x) return m * p
  return 10 * p
}

/** A linear scale from 0 to a nice (or, with `fine`, a closer) ceiling of the largest value. */
export function linearScaleFor(values: readonly number[], fine = false): Scale {
  const top = values.length === 0 ? 1 : maxOf(values)
  return { kind: 'linear', max: fine ? fineCeil(top) : niceCeil(top) }
}

/** A log scale covering `values` (non-positive values are drawn at the low edge). */
export function logScaleFor(values: readonly number[]): { kind: 'log'; min: number; max: number } {
  const positive = values.filter((v) => v > 0)
  const lo = positive.length === 0 ? 0.1 : minOf(positive)
  const hi = positive.length === 0 ? 1 : maxOf(positive)
  const min = 10 ** Math.floor(Math.log10(lo))
  const max = 10 ** Math.ceil(Math.log10(hi))
  return { kind: 'log', min, max: max > min ? max : min * 10 }
}

/** The lowest value a scale shows. */
export function scaleStart(scale: Scale): number {
  return scale.kind === 'log' ? scale.min : 0
}

function ticksOf(scale: Scale): number[] {
  if (scale.kind === 'linear') {
    return Array.from({ length: LINEAR_TICKS + 1 }, (_, i) => (scale.max * i) / LINEAR_TICKS)
  }
  const l0 = Math.log10(scale.min)
  const decades = Math.round(Math.log10(scale.max) - l0)
  return Array.from({ length: decades + 1 }, (_, i) => 10 ** (l0 + i))
}

/** Maps a value to [0, 1] along the scale (clamped at the low end of a log scale). */
function fraction(scale: Scale, v: number): number {
  if (scale.kind === 'linear') return v / scale.max
  const l0 = Math.log10(scale.min)
  return (Math.log10(Math.max(v, scale.min)) - l0) / (Math.log10(scale.max) - l0)
}

export interface Frame {
  width: number
  height: number
  plotW: number
  plotH: number
  /** Legend entries with their place under the plot */
  legend: ReadonlyArray<{ entry: LegendEntry; x: number; y: number }>
  xScale: Scale
  yScale: Scale
  /** Pixel x of a value */
  x(v: number): number
  /** Pixel y of a value */
  y(v: number): number
}

/**
 * Legend entries flowed left to right in rows under the x-axis label (never over the data: any
 * corner of a latency chart may hold a warm-up spike or a fast curve).
 */
function layoutLegend(entries: readonly LegendEntry[], width: number, top: number) {
  const right = width - MARGIN.right
  let x = MARGIN.left
  let row = 0
  const placed = entries.map((entry) => {
    const w = legendEntryWidth(entry)
    if (x > MARGIN.left && x + w > right) {
      x = MARGIN.left
      row++
    }
    const at = { entry, x, y: top + row * LEGEND_ROW_PX + LEGEND_ROW_PX / 2 }
    x += w
    return at
  })
  return { placed, rows: entries.length === 0 ? 0 : row + 1 }
}

/** A frame; the legend below the plot makes the chart taller, never the plot smaller. */
export function createFrame(
  size: ChartSize,
  xScale: Scale,
  yScale: Scale,
  legend: readonly LegendEntry[] = [],
): Frame {
  const width = size.width ?? DEFAULT_CHART_WIDTH
  const plotH = (size.height ?? DEFAULT_CHART_HEIGHT) - MARGIN.top - MARGIN.bottom
  const legendTop = MARGIN.top + plotH + MARGIN.bottom
  const { placed, rows } = layoutLegend(legend, width, legendTop)
  const height = legendTop + rows * LEGEND_ROW_PX + (rows > 0 ? LEGEND_PADDING_PX : 0)
  const plotW = width - MARGIN.left - MARGIN.right
  return {
    width,
    height,
    plotW,
    plotH,
    legend: placed,
    xScale,
    yScale,
    x: (v) => MARGIN.left + fraction(xScale, v) * plotW,
    y: (v) => MARGIN.top + plotH - fraction(yScale, v) * plotH,
  }
}

export interface AxisLabels {
  title: string
  x: string
  y: string
  /** Formats y tick labels. @default formatNumber */
  yFormat?: (v: number) => string
}

/** Title, grid, tick labels, plot border and axis labels. */
export function renderAxes(f: Frame, labels: AxisLabels): string {
  const yFormat = labels.yFormat ?? formatNumber
  const parts: string[] = [
    `<text x="${f.width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(labels.title)}</text>`,
  ]
  for (const xv of ticksOf(f.xScale)) {
    const x = f.x(xv).toFixed(1)
    parts.push(
      `<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + f.plotH}" stroke="#e5e5e5"/>`,
      `<text x="${x}" y="${MARGIN.top + f.plotH + 16}" text-anchor="middle" font-size="11">${formatNumber(xv)}</text>`,
    )
  }
  for (const yv of ticksOf(f.yScale)) {
    const y = f.y(yv).toFixed(1)
    parts.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + f.plotW}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${yFormat(yv)}</text>`,
    )
  }
  const midY = MARGIN.top + f.plotH / 2
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${f.plotW}" height="${f.plotH}" fill="none" stroke="#888"/>`,
    `<text x="${MARGIN.left + f.plotW / 2}" y="${MARGIN.top + f.plotH + MARGIN.bottom - 8}" text-anchor="middle" font-size="12">${escapeXml(labels.x)}</text>`,
    `<text x="14" y="${midY}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${midY})">${escapeXml(labels.y)}</text>`,
  )
  return parts.join('')
}

/** A marker centred on (x, y), `r` px from centre to edge. */
export function renderMarker(shape: MarkerShape, x: number, y: number, color: string, r = 4) {
  const c = escapeXml(color)
  const at = (dx: number, dy: number) => `${(x + dx).toFixed(1)},${(y + dy).toFixed(1)}`
  switch (shape) {
    case 'circle':
      return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${c}"/>`
    case 'square':
      return `<rect x="${(x - r).toFixed(1)}" y="${(y - r).toFixed(1)}" width="${2 * r}" height="${2 * r}" fill="${c}"/>`
    case 'triangle':
      return `<polygon points="${at(0, -r - 1)} ${at(r + 1, r)} ${at(-r - 1, r)}" fill="${c}"/>`
    case 'diamond':
      return `<polygon points="${at(0, -r - 1)} ${at(r + 1, 0)} ${at(0, r + 1)} ${at(-r - 1, 0)}" fill="${c}"/>`
  }
}

/** The stroke attributes of a series line. */
export function strokeAttributes(style: SeriesStyle): string {
  const dash = style.dash === undefined ? '' : ` stroke-dasharray="${escapeXml(style.dash)}"`
  return `stroke="${escapeXml(style.color)}" stroke-width="${style.strokeWidth ?? 2}"${dash}`
}

export interface LegendEntry {
  label: string
  style: SeriesStyle
  /** Draw the sample as a filled box (a band) instead of a line */
  area?: boolean
  /** Draw only the marker (a series of dots) */
  dotsOnly?: boolean
}

function legendSample(e: LegendEntry, x1: number, y: number): string {
  const x2 = x1 + LEGEND_SAMPLE_PX
  const parts: string[] = []
  if (e.area === true) {
    parts.push(
      `<rect x="${x1}" y="${y - 5}" width="${LEGEND_SAMPLE_PX}" height="10" fill="${escapeXml(e.style.color)}" fill-opacity="${LEGEND_AREA_OPACITY}"/>`,
    )
  } else if (e.dotsOnly !== true) {
    parts.push(`<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" ${strokeAttributes(e.style)}/>`)
  }
  if (e.style.marker !== undefined) {
    parts.push(renderMarker(e.style.marker, (x1 + x2) / 2, y, e.style.color))
  }
  parts.push(
    `<text x="${x2 + 6}" y="${y}" dominant-baseline="middle" font-size="11">${escapeXml(e.label)}</text>`,
  )
  return parts.join('')
}

/** Width of one legend entry laid out in a row, px */
function legendEntryWidth(e: LegendEntry): number {
  return LEGEND_SAMPLE_PX + 6 + e.label.length * LEGEND_CHAR_PX + 18
}

/** The legend laid out by createFrame. */
export function renderLegend(f: Frame): string {
  return f.legend.map((p) => legendSample(p.entry, p.x, p.y)).join('')
}

/** Wraps chart content in a standalone, scalable <svg> element. */
export function wrapSvg(f: Frame, body: string, ariaLabel: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" font-family="sans-serif" role="img" aria-label="${escapeXml(ariaLabel)}">${body}</svg>`
}
