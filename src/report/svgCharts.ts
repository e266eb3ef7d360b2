/**
 * Two small self-contained SVG charts for benchmark reports: an empirical CDF and a histogram.
 * Written by hand because the report must open offline with no script or network access, and a
 * charting library would either need a runtime in the page or a headless browser to render.
 */

export interface ChartSize {
  /** @default 640 px */
  width?: number
  /** @default 320 px */
  height?: number
}

export interface CdfSeries {
  name: string
  /** Samples (any order) */
  values: readonly number[]
  /** CSS colour */
  color: string
}

export interface CdfChartOptions extends ChartSize {
  title: string
  /** x-axis label, e.g. 'ms' */
  unit: string
  /** Logarithmic x axis (decades), for latencies spanning orders of magnitude. @default false */
  logX?: boolean
}

export interface HistogramOptions extends ChartSize {
  title: string
  unit: string
  /** @default 30 */
  bins?: number
  /** @default '#3b7dd8' */
  color?: string
  /** Values above this go into the last bar (so a long tail does not flatten the rest). */
  clipAt?: number
}

const MARGIN = { left: 56, right: 16, top: 32, bottom: 44 } as const
const TICKS = 5
/** Points drawn per CDF series at most (larger samples are thinned evenly). */
export const MAX_CDF_POINTS = 2000

/** Escapes text for SVG/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** A "nice" axis maximum (1, 2, 2.5 or 5 times a power of ten) at or above `x`. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(x))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p
  return 10 * p
}

function fmt(x: number): string {
  if (x === 0) return '0'
  if (Math.abs(x) >= 100) return x.toFixed(0)
  if (Math.abs(x) >= 10) return x.toFixed(1).replace(/\.0$/, '')
  return x.toFixed(2).replace(/0+$/, '').replace(/\.$/, '')
}

interface Frame {
  width: number
  height: number
  plotW: number
  plotH: number
  /** x-axis tick values */
  xTicks: number[]
  yMax: number
  x(v: number): number
  y(v: number): number
}

/** The x scale: linear from 0 to xMax, or logarithmic over whole decades around [min, max]. */
type XScale = { kind: 'linear'; max: number } | { kind: 'log'; min: number; max: number }

/** A log scale covering `values` (non-positive values are drawn at the left edge). */
export function logScaleFor(values: readonly number[]): { kind: 'log'; min: number; max: number } {
  const positive = values.filter((v) => v > 0)
  const lo = positive.length === 0 ? 0.1 : Math.min(...positive)
  const hi = positive.length === 0 ? 1 : Math.max(...positive)
  const min = 10 ** Math.floor(Math.log10(lo))
  const max = 10 ** Math.ceil(Math.log10(hi))
  return { kind: 'log', min, max: max > min ? max : min * 10 }
}

function frame(size: ChartSize, scale: XScale, yMax: number): Frame {
  const width = size.width ?? 640
  const height = size.height ?? 320
  const plotW = width - MARGIN.left - MARGIN.right
  const plotH = height - MARGIN.top - MARGIN.bottom
  let x: (v: number) => number
  let xTicks: number[]
  if (scale.kind === 'linear') {
    x = (v) => MARGIN.left + (v / scale.max) * plotW
    xTicks = Array.from({ length: TICKS + 1 }, (_, i) => (scale.max * i) / TICKS)
  } else {
    const l0 = Math.log10(scale.min)
    const span = Math.log10(scale.max) - l0
    x = (v) => MARGIN.left + ((Math.log10(Math.max(v, scale.min)) - l0) / span) * plotW
    xTicks = Array.from({ length: Math.round(span) + 1 }, (_, i) => 10 ** (l0 + i))
  }
  return {
    width,
    height,
    plotW,
    plotH,
    xTicks,
    yMax,
    x,
    y: (v) => MARGIN.top + plotH - (v / yMax) * plotH,
  }
}

function axes(
  f: Frame,
  title: string,
  xLabel: string,
  yLabel: string,
  yFmt: (v: number) => string,
) {
  const parts: string[] = []
  parts.push(
    `<text x="${f.width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  )
  for (const xv of f.xTicks) {
    const x = f.x(xv).toFixed(1)
    parts.push(
      `<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + f.plotH}" stroke="#e5e5e5"/>`,
      `<text x="${x}" y="${MARGIN.top + f.plotH + 16}" text-anchor="middle" font-size="11">${fmt(xv)}</text>`,
    )
  }
  for (let i = 0; i <= TICKS; i++) {
    const yv = (f.yMax * i) / TICKS
    const y = f.y(yv).toFixed(1)
    parts.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + f.plotW}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${yFmt(yv)}</text>`,
    )
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${f.plotW}" height="${f.plotH}" fill="none" stroke="#888"/>`,
    `<text x="${MARGIN.left + f.plotW / 2}" y="${f.height - 8}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`,
    `<text x="14" y="${MARGIN.top + f.plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${MARGIN.top + f.plotH / 2})">${escapeXml(yLabel)}</text>`,
  )
  return parts.join('')
}

function svg(f: Frame, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" font-family="sans-serif">${body}</svg>`
}

/** Empirical CDF (a step line per series) of one or more samples on a shared x axis. */
export function renderCdfSvg(series: readonly CdfSeries[], opts: CdfChartOptions): string {
  const all = series.flatMap((s) => s.values)
  const scale: XScale =
    opts.logX === true
      ? logScaleFor(all)
      : { kind: 'linear', max: niceCeil(all.length === 0 ? 1 : Math.max(...all)) }
  const f = frame(opts, scale, 1)
  const parts = [axes(f, opts.title, opts.unit, 'fraction of deliveries', (v) => fmt(v))]
  series.forEach((s, k) => {
    const sorted = Array.from(Float64Array.from(s.values).sort())
    if (sorted.length > 0) {
      const step = Math.max(1, Math.ceil(sorted.length / MAX_CDF_POINTS))
      let d = `M${f.x(scale.kind === 'log' ? scale.min : 0).toFixed(1)},${f.y(0).toFixed(1)}`
      for (let i = 0; i < sorted.length; i += step) {
        const v = sorted[i] as number
        d += ` L${f.x(v).toFixed(1)},${f.y(i / sorted.length).toFixed(1)}`
        d += ` L${f.x(v).toFixed(1)},${f.y(Math.min(i + step, sorted.length) / sorted.length).toFixed(1)}`
      }
      parts.push(`<path d="${d}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="2"/>`)
    }
    const ly = MARGIN.top + 14 + k * 16
    const lx = MARGIN.left + f.plotW - 150
    parts.push(
      `<rect x="${lx}" y="${ly - 8}" width="12" height="4" fill="${escapeXml(s.color)}"/>`,
      `<text x="${lx + 18}" y="${ly - 4}" dominant-baseline="middle" font-size="11">${escapeXml(`${s.name} (n=${s.values.length})`)}</text>`,
    )
  })
  return svg(f, parts.join(''))
}

/** Bin counts of `values` over [0, xMax) in `bins` equal bins; the last bin includes xMax. */
export function histogramCounts(values: readonly number[], xMax: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0)
  for (const v of values) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor((v / xMax) * bins)))
    counts[i] = (counts[i] as number) + 1
  }
  return counts
}

/**
 * Histogram with equal-width bins from 0 to a nice ceiling of the maximum (or of `clipAt`, the
 * last bar then also counting everything above).
 */
export function renderHistogramSvg(values: readonly number[], opts: HistogramOptions): string {
  const bins = opts.bins ?? 30
  const top = values.length === 0 ? 1 : Math.max(...values)
  const xMax = niceCeil(opts.clipAt === undefined ? top : Math.min(top, opts.clipAt))
  const clipped = values.filter((v) => v > xMax).length
  const counts = histogramCounts(values, xMax, bins)
  const yMax = niceCeil(Math.max(1, ...counts))
  const f = frame(opts, { kind: 'linear', max: xMax }, yMax)
  const parts = [axes(f, opts.title, opts.unit, 'count', (v) => fmt(v))]
  const color = escapeXml(opts.color ?? '#3b7dd8')
  const binW = f.plotW / bins
  counts.forEach((c, i) => {
    if (c === 0) return
    const y = f.y(c)
    const range =
      i === bins - 1 && clipped > 0
        ? `≥ ${fmt((i * xMax) / bins)}`
        : `${fmt((i * xMax) / bins)}–${fmt(((i + 1) * xMax) / bins)}`
    parts.push(
      `<rect x="${(MARGIN.left + i * binW + 0.5).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, binW - 1).toFixed(1)}" height="${(MARGIN.top + f.plotH - y).toFixed(1)}" fill="${color}"><title>${range} ${escapeXml(opts.unit)}: ${c}</title></rect>`,
    )
  })
  if (clipped > 0) {
    parts.push(
      `<text x="${MARGIN.left + f.plotW - 4}" y="${MARGIN.top + 14}" text-anchor="end" font-size="11">${clipped} above ${fmt(xMax)} ${escapeXml(opts.unit)} in the last bar</text>`,
    )
  }
  return svg(f, parts.join(''))
}
