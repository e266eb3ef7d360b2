/**
 * Overlaid CDFs drawn with characters, for `bench compare` in a terminal: log-scale x (ms), one
 * symbol per run, `#` where runs coincide.
 */
import { formatNumber, logScaleFor } from './svgFrame.ts'

export interface TextCdfSeries {
  label: string
  /** Fraction of deliveries at or below `ms` */
  fractionAt(ms: number): number
  /** Values that bound the series (for the x range) */
  extent: readonly number[]
}

/** @default plot size in characters */
export const TEXT_CDF_COLUMNS = 64
export const TEXT_CDF_ROWS = 11
/** Symbols of the runs, in order (cycled past the end) */
const SYMBOLS = ['o', 'x', '+', '*', '@', '%'] as const
const OVERLAP = '#'
const Y_LABEL_WIDTH = 5

/** A sample's CDF: the fraction of values at or below `ms`. */
export function sampleFraction(values: readonly number[]): (ms: number) => number {
  const sorted = Float64Array.from(values).sort()
  return (ms) => {
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((sorted[mid] as number) <= ms) lo = mid + 1
      else hi = mid
    }
    return sorted.length === 0 ? 0 : lo / sorted.length
  }
}

/** A CDF through known points, linear in log(ms) between them. */
export function quantileFraction(
  points: ReadonlyArray<{ fraction: number; value: number }>,
): (ms: number) => number {
  const pts = [...points].sort((a, b) => a.value - b.value)
  const log = (v: number) => Math.log10(Math.max(v, 1e-3))
  return (ms) => {
    const first = pts[0]
    const last = pts[pts.length - 1]
    if (first === undefined || last === undefined || ms < first.value) return 0
    if (ms >= last.value) return 1
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1] as (typeof pts)[number]
      const b = pts[i] as (typeof pts)[number]
      if (ms > b.value) continue
      const span = log(b.value) - log(a.value)
      const t = span > 0 ? (log(ms) - log(a.value)) / span : 1
      return a.fraction + t * (b.fraction - a.fraction)
    }
    return 1
  }
}

/** The chart as lines (y axis: fraction 0..1; x axis: ms on whole decades), then a legend. */
export function renderTextCdf(
  series: readonly TextCdfSeries[],
  columns = TEXT_CDF_COLUMNS,
  rows = TEXT_CDF_ROWS,
): string[] {
  const scale = logScaleFor(series.flatMap((s) => s.extent))
  const l0 = Math.log10(scale.min)
  const span = Math.log10(scale.max) - l0
  const msAt = (col: number) => 10 ** (l0 + (span * (col + 0.5)) / columns)
  const grid = Array.from({ length: rows }, () => new Array<string>(columns).fill(' '))
  series.forEach((s, k) => {
    const symbol = SYMBOLS[k % SYMBOLS.length] as string
    const fractions = Array.from({ length: columns }, (_, col) => s.fractionAt(msAt(col)))
    for (let col = 0; col < columns; col++) {
      const f = fractions[col] as number
      // only the curve: not the flat 0 before it rises, nor the flat 1 after it ends
      if (f === 0 && (fractions[col + 1] ?? 0) === 0) continue
      if (f === 1 && (fractions[col - 1] ?? 1) === 1) continue
      const row = rows - 1 - Math.round(f * (rows - 1))
      const line = grid[row] as string[]
      line[col] = line[col] === ' ' || line[col] === symbol ? symbol : OVERLAP
    }
  })
  const out = grid.map((line, i) => {
    const fraction = 1 - i / (rows - 1)
    const label = i === 0 || i === rows - 1 || i === (rows - 1) / 2 ? fraction.toFixed(1) : ''
    return `${label.padStart(Y_LABEL_WIDTH - 1)} |${line.join('')}`.trimEnd()
  })
  out.push(`${' '.repeat(Y_LABEL_WIDTH)}+${'-'.repeat(columns)}`)
  // decade labels under their column
  const axis = new Array<string>(columns + Y_LABEL_WIDTH + 8).fill(' ')
  for (let d = 0; d <= Math.round(span); d++) {
    const text = formatNumber(10 ** (l0 + d))
    const col = Y_LABEL_WIDTH + 1 + Math.round((d / span) * (columns - 1))
    const start = Math.max(0, col - Math.floor(text.length / 2))
    for (let i = 0; i < text.length; i++) axis[start + i] = text[i] as string
  }
  out.push(`${axis.join('').trimEnd()}  ms (log scale)`)
  const legend = series.map((s, k) => `${SYMBOLS[k % SYMBOLS.length]} ${s.label}`)
  out.push(`${' '.repeat(Y_LABEL_WIDTH + 1)}${legend.join('   ')}   ${OVERLAP} overlap`)
  return out
}
