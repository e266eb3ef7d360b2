/**
 * The report's distribution charts: an empirical CDF of one or more samples, and a histogram.
 * Frame, scales and legend come from svgFrame.ts.
 */
import {
  type ChartSize,
  createFrame,
  escapeXml,
  type Frame,
  formatNumber,
  linearScaleFor,
  logScaleFor,
  MARGIN,
  maxOf,
  niceCeil,
  renderAxes,
  renderLegend,
  renderMarker,
  type Scale,
  type SeriesStyle,
  scaleStart,
  strokeAttributes,
  wrapSvg,
} from './svgFrame.ts'

export interface CdfSeries extends SeriesStyle {
  name: string
  /** Samples (any order) */
  values: readonly number[]
  /**
   * Known points of the distribution instead of samples (a saved result without its samples):
   * drawn as straight segments with a marker at each, when `values` is empty
   */
  quantiles?: ReadonlyArray<{ fraction: number; value: number }>
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

/** Points drawn per CDF series at most (larger samples are thinned evenly). */
export const MAX_CDF_POINTS = 2000
/** Where a series with a marker shape gets its markers on a CDF. */
export const CDF_MARKER_QUANTILES = [0.5, 0.9, 0.99] as const

/** Nearest-rank index of quantile `q` in a sorted sample of `n` values. */
function rankIndex(n: number, q: number): number {
  return Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))
}

/** The step path of one sorted sample. */
function cdfPath(sorted: readonly number[], x: (v: number) => number, y: (v: number) => number) {
  const n = sorted.length
  const step = Math.max(1, Math.ceil(n / MAX_CDF_POINTS))
  let d = ''
  for (let i = 0; i < n; i += step) {
    const px = x(sorted[i] as number).toFixed(1)
    d += ` L${px},${y(i / n).toFixed(1)} L${px},${y(Math.min(i + step, n) / n).toFixed(1)}`
  }
  return d
}

function renderQuantileLine(
  s: CdfSeries,
  quantiles: NonNullable<CdfSeries['quantiles']>,
  f: Frame,
  unit: string,
): string {
  const points = quantiles.map((q) => `${f.x(q.value).toFixed(1)},${f.y(q.fraction).toFixed(1)}`)
  const markers = quantiles.map((q) =>
    s.marker === undefined
      ? ''
      : `<g>${renderMarker(s.marker, f.x(q.value), f.y(q.fraction), s.color)}<title>${escapeXml(`${s.name} ${q.fraction * 100}%: ${formatNumber(q.value)} ${unit}`)}</title></g>`,
  )
  return `<polyline points="${points.join(' ')}" fill="none" ${strokeAttributes(s)}/>${markers.join('')}`
}

/**
 * Empirical CDF (a step line per series) of one or more samples on a shared x axis. Later
 * series are drawn on top; each keeps its colour, dash and (at p50, p90, p99) marker, so two
 * series that coincide stay distinguishable when the lower one is drawn wider.
 */
export function renderCdfSvg(series: readonly CdfSeries[], opts: CdfChartOptions): string {
  const all = series.flatMap((s) =>
    s.values.length > 0 ? s.values : (s.quantiles ?? []).map((q) => q.value),
  )
  const scale: Scale = opts.logX === true ? logScaleFor(all) : linearScaleFor(all)
  const legend = series.map((s) => ({
    label:
      s.values.length === 0 && s.quantiles !== undefined
        ? s.name
        : `${s.name} (n=${s.values.length})`,
    style: s,
  }))
  const f = createFrame(opts, scale, { kind: 'linear', max: 1 }, legend)
  const parts = [renderAxes(f, { title: opts.title, x: opts.unit, y: 'fraction of deliveries' })]
  for (const s of series) {
    if (s.values.length === 0 && s.quantiles !== undefined) {
      parts.push(renderQuantileLine(s, s.quantiles, f, opts.unit))
      continue
    }
    const sorted = Array.from(Float64Array.from(s.values).sort())
    if (sorted.length === 0) continue
    const start = `M${f.x(scaleStart(scale)).toFixed(1)},${f.y(0).toFixed(1)}`
    parts.push(
      `<path d="${start}${cdfPath(sorted, f.x, f.y)}" fill="none" ${strokeAttributes(s)}/>`,
    )
    if (s.marker === undefined) continue
    for (const q of CDF_MARKER_QUANTILES) {
      const i = rankIndex(sorted.length, q)
      const v = sorted[i] as number
      parts.push(
        `<g>${renderMarker(s.marker, f.x(v), f.y((i + 1) / sorted.length), s.color)}<title>${escapeXml(`${s.name} p${q * 100}: ${formatNumber(v)} ${opts.unit}`)}</title></g>`,
      )
    }
  }
  parts.push(renderLegend(f))
  return wrapSvg(f, parts.join(''), opts.title)
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
  const top = values.length === 0 ? 1 : maxOf(values)
  const xMax = niceCeil(opts.clipAt === undefined ? top : Math.min(top, opts.clipAt))
  const clipped = values.filter((v) => v > xMax).length
  const counts = histogramCounts(values, xMax, bins)
  const yMax = niceCeil(Math.max(1, ...counts))
  const f = createFrame(opts, { kind: 'linear', max: xMax }, { kind: 'linear', max: yMax })
  const parts = [renderAxes(f, { title: opts.title, x: opts.unit, y: 'count' })]
  const color = escapeXml(opts.color ?? '#3b7dd8')
  const binW = f.plotW / bins
  counts.forEach((c, i) => {
    if (c === 0) return
    const y = f.y(c)
    const range =
      i === bins - 1 && clipped > 0
        ? `≥ ${formatNumber((i * xMax) / bins)}`
        : `${formatNumber((i * xMax) / bins)}–${formatNumber(((i + 1) * xMax) / bins)}`
    parts.push(
      `<rect x="${(MARGIN.left + i * binW + 0.5).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, binW - 1).toFixed(1)}" height="${(MARGIN.top + f.plotH - y).toFixed(1)}" fill="${color}"><title>${range} ${escapeXml(opts.unit)}: ${c}</title></rect>`,
    )
  })
  if (clipped > 0) {
    parts.push(
      `<text x="${MARGIN.left + f.plotW - 4}" y="${MARGIN.top + 14}" text-anchor="end" font-size="11">${clipped} above ${formatNumber(xMax)} ${escapeXml(opts.unit)} in the last bar</text>`,
    )
  }
  return wrapSvg(f, parts.join(''), opts.title)
}
