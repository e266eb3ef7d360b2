/**
 * The latency charts of the benchmark reports, built from results: the e2e and per-hop CDF,
 * latency per block in send order (warm-up shows as a slope at the start), latency against block
 * size, the end-to-end CDF of each road (`--transport redis|both`), and the overlaid charts of
 * `bench compare`.
 */
import type { LatencyBenchRun } from '../devnet/latencyBench.ts'
import { DEVNET_ROADS, type RoadLatency } from '../devnet/latencyByRoad.ts'
import type { LabelledResult } from './latencyComparison.ts'
import {
  blockLatencySeries,
  e2eQuantilePoints,
  type LatencyResultFields,
  toKb,
} from './latencyFigures.ts'
import { type CdfSeries, renderCdfSvg } from './svgCharts.ts'
import type { MarkerShape, SeriesStyle } from './svgFrame.ts'
import { type LineSeries, renderLineChartSvg } from './svgLineChart.ts'

/**
 * End-to-end is drawn last, thin and solid, over a wide dashed per-hop line: where the two
 * coincide (most deliveries are one hop) the hop line still shows on both sides of it.
 */
export const E2E_STYLE: SeriesStyle = { color: '#1f5fa8', strokeWidth: 2, marker: 'circle' }
export const HOP_STYLE: SeriesStyle = {
  color: '#e0513a',
  strokeWidth: 5,
  dash: '9 5',
  marker: 'square',
}
const MEDIAN_STYLE: SeriesStyle = { color: '#1f5fa8', strokeWidth: 2, marker: 'circle' }
const SLOWEST_STYLE: SeriesStyle = { color: '#e0513a', marker: 'triangle' }
const SPREAD_COLOR = '#1f5fa8'

/** A ratio from which an axis goes logarithmic */
const DECADE = 10

/** Colours, dashes and markers of the runs in a comparison (cycled past the end). */
const RUN_COLORS = ['#1f5fa8', '#e0513a', '#2a9d4b', '#8e5cc2', '#e08a1e', '#6b4c3b'] as const
const RUN_DASHES = [undefined, '8 4', '2 3', '12 4 2 4'] as const
const RUN_MARKERS: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond']

export function runStyle(k: number): SeriesStyle {
  const dash = RUN_DASHES[k % RUN_DASHES.length]
  return {
    color: RUN_COLORS[k % RUN_COLORS.length] as string,
    marker: RUN_MARKERS[k % RUN_MARKERS.length] as MarkerShape,
    ...(dash === undefined ? {} : { dash }),
  }
}

/** The CDF of one run's end-to-end and per-hop latency. */
export function latencyCdfChart(run: LatencyBenchRun): string {
  return renderCdfSvg(
    [
      { name: 'per hop', values: run.samples.hopMs, ...HOP_STYLE },
      { name: 'end-to-end', values: run.samples.e2eMs, ...E2E_STYLE },
    ],
    {
      title: `Delivery latency CDF (${toKb(run.result.blockBytes).toFixed(1)} KB blocks)`,
      unit: 'ms (log scale)',
      logX: true,
    },
  )
}

/** A road's CDF points; a result saved before they were kept gives its percentiles. */
export function roadCdfPoints(road: RoadLatency): Array<{ fraction: number; value: number }> {
  if (road.e2eCdf !== undefined && road.e2eCdf.length > 0) return road.e2eCdf
  const p = road.e2eMs
  return [
    { fraction: 0.5, value: p.p50 },
    { fraction: 0.9, value: p.p90 },
    { fraction: 0.99, value: p.p99 },
    { fraction: 1, value: p.max },
  ]
}

/** One end-to-end CDF per road, overlaid (each road keeps its colour across sizes). */
export function roadCdfChart(r: LatencyResultFields & Pick<LatencyBenchRun['result'], 'roads'>) {
  const series: CdfSeries[] = DEVNET_ROADS.flatMap((name, k) => {
    const road = r.roads?.[name]
    if (road === undefined) return []
    return [
      {
        name: `${name} (${road.nodes})`,
        values: [],
        quantiles: roadCdfPoints(road),
        ...runStyle(k),
      },
    ]
  })
  return renderCdfSvg(series, {
    title: `End-to-end latency CDF by road (${toKb(r.blockBytes).toFixed(1)} KB blocks)`,
    unit: 'ms (log scale)',
    logX: true,
  })
}

/** Latency per measured block in send order: median node, slowest node, first-to-last spread. */
export function blockLatencyChart(r: LatencyResultFields): string {
  const { points } = blockLatencySeries(r)
  const note = (p: (typeof points)[number], what: string, ms: number) =>
    `block ${p.number} (#${p.index}): ${what} ${ms} ms`
  return renderLineChartSvg(
    [
      {
        name: 'slowest node',
        dotsOnly: true,
        ...SLOWEST_STYLE,
        points: points.map((p) => ({ x: p.index, y: p.lastMs, note: note(p, 'last', p.lastMs) })),
      },
      {
        name: 'median node',
        ...MEDIAN_STYLE,
        points: points.map((p) => ({
          x: p.index,
          y: p.medianMs,
          note: note(p, 'median', p.medianMs),
        })),
      },
    ],
    {
      title: 'Latency per block (send order)',
      xLabel: 'measured block (1 = first after warm-up)',
      yLabel: 'end-to-end ms',
      band: {
        name: 'first → last node',
        color: SPREAD_COLOR,
        points: points.map((p) => ({ x: p.index, lo: p.firstMs, hi: p.lastMs })),
      },
    },
  )
}

/** End-to-end and per-hop latency against block size (results of several sizes). */
export function sizeLatencyChart(results: readonly LatencyResultFields[]): string {
  const sorted = [...results].sort((a, b) => a.blockBytes - b.blockBytes)
  const sizes = sorted.map((r) => toKb(r.blockBytes))
  const series = (name: string, style: SeriesStyle, pick: (r: LatencyResultFields) => number) => ({
    name,
    ...style,
    points: sorted.map((r, k) => ({ x: sizes[k] as number, y: pick(r) })),
  })
  const spansDecade = Math.max(...sizes) >= DECADE * Math.min(...sizes)
  // latency grows with size: on a linear axis the small sizes would sit on the floor
  const latencies = sorted.flatMap((r) => [r.hopMs.p50, r.e2eMs.p99]).filter((v) => v > 0)
  const latencySpansDecade = Math.max(...latencies) >= DECADE * Math.min(...latencies)
  return renderLineChartSvg(
    [
      series('hop p50', { color: '#e0513a', dash: '2 3', marker: 'square' }, (r) => r.hopMs.p50),
      series('e2e p99', { color: '#8e5cc2', dash: '8 4', marker: 'triangle' }, (r) => r.e2eMs.p99),
      series('e2e p50', { color: '#1f5fa8', marker: 'circle' }, (r) => r.e2eMs.p50),
    ],
    {
      title: 'Latency against block size',
      xLabel: spansDecade ? 'block KB (log scale)' : 'block KB',
      yLabel: latencySpansDecade ? 'ms (log scale)' : 'ms',
      logX: spansDecade,
      logY: latencySpansDecade,
    },
  )
}

/** Overlaid end-to-end CDFs of the compared runs (from percentiles when a file has no samples). */
export function comparisonCdfChart(runs: readonly LabelledResult[]): string {
  const series: CdfSeries[] = runs.map((run, k) => {
    const style = runStyle(k)
    if (run.samples !== null) return { name: run.label, values: run.samples.e2eMs, ...style }
    return {
      name: `${run.label}, from percentiles`,
      values: [],
      quantiles: e2eQuantilePoints(run.result),
      ...style,
    }
  })
  return renderCdfSvg(series, {
    title: 'End-to-end latency CDF',
    unit: 'ms (log scale)',
    logX: true,
  })
}

/** Overlaid median latency per block (send order) of the compared runs. */
export function comparisonBlockChart(runs: readonly LabelledResult[]): string {
  const series: LineSeries[] = runs.map((run, k) => ({
    name: run.label,
    ...runStyle(k),
    points: blockLatencySeries(run.result).points.map((p) => ({ x: p.index, y: p.medianMs })),
  }))
  return renderLineChartSvg(series, {
    title: 'Median latency per block (send order)',
    xLabel: 'measured block (1 = first after warm-up)',
    yLabel: 'end-to-end ms',
  })
}
