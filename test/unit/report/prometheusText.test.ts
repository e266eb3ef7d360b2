import { describe, expect, it } from 'vitest'
import {
  histogramDelta,
  histogramMaxBound,
  histogramQuantile,
  histogramSeries,
  MAX_METRICS_TEXT_BYTES,
  MetricsParseError,
  parsePrometheusText,
} from '../../../src/report/prometheusText.ts'

const PAGE = `# HELP op_gossip_block_arrival_delay_seconds First seen minus timestamp
# TYPE op_gossip_block_arrival_delay_seconds histogram
op_gossip_block_arrival_delay_seconds_bucket{le="0.1"} 2
op_gossip_block_arrival_delay_seconds_bucket{le="0.25"} 6
op_gossip_block_arrival_delay_seconds_bucket{le="0.5"} 10
op_gossip_block_arrival_delay_seconds_bucket{le="+Inf"} 10
op_gossip_block_arrival_delay_seconds_sum 2.1
op_gossip_block_arrival_delay_seconds_count 10
op_gossip_block_stage_delay_seconds_bucket{stage="validated",le="0.1"} 1
op_gossip_block_stage_delay_seconds_bucket{stage="validated",le="+Inf"} 3
op_gossip_block_stage_delay_seconds_sum{stage="validated"} 9
op_gossip_block_stage_delay_seconds_count{stage="validated"} 3
op_gossip_block_stage_delay_seconds_bucket{le="0.1",stage="fcu"} 0
op_gossip_block_stage_delay_seconds_bucket{le="+Inf",stage="fcu"} 0
op_gossip_info{version="0.1.0",chain="a \\"quoted\\" name"} 1 1700000000000
process_start_time_seconds 1.7e9
`

describe('report / prometheusText', () => {
  it('parses samples, labels with escapes, timestamps and special values', () => {
    const samples = parsePrometheusText(`${PAGE}x_nan NaN\nx_inf -Inf\n`)
    const info = samples.find((s) => s.name === 'op_gossip_info')
    expect(info?.labels).toEqual({ version: '0.1.0', chain: 'a "quoted" name' })
    expect(info?.value).toBe(1)
    expect(samples.find((s) => s.name === 'process_start_time_seconds')?.value).toBe(1.7e9)
    expect(samples.find((s) => s.name === 'x_nan')?.value).toBeNaN()
    expect(samples.find((s) => s.name === 'x_inf')?.value).toBe(Number.NEGATIVE_INFINITY)
  })

  it('rejects malformed lines with a typed error', () => {
    expect(() => parsePrometheusText('no_value\n')).toThrow(MetricsParseError)
    expect(() => parsePrometheusText('x{a="unterminated} 1\n')).toThrow(MetricsParseError)
    expect(() => parsePrometheusText('x abc\n')).toThrow(MetricsParseError)
  })

  it('refuses a page over the size limit and accepts one at it', () => {
    const sample = 'x 1\n'
    // one long comment pads the page to exactly the limit
    const atLimit = `# ${'c'.repeat(MAX_METRICS_TEXT_BYTES - sample.length - 3)}\n${sample}`
    expect(atLimit.length).toBe(MAX_METRICS_TEXT_BYTES)
    expect(parsePrometheusText(atLimit)).toEqual([{ name: 'x', labels: {}, value: 1 }])
    expect(() => parsePrometheusText(`${atLimit} `)).toThrow(/over/)
  })

  it('groups histogram series by labels and estimates quantiles like histogram_quantile', () => {
    const samples = parsePrometheusText(PAGE)
    const [arrival] = histogramSeries(samples, 'op_gossip_block_arrival_delay_seconds')
    expect(arrival?.count).toBe(10)
    expect(arrival?.sum).toBe(2.1)
    expect(arrival?.buckets.map((b) => b.le)).toEqual([0.1, 0.25, 0.5, Number.POSITIVE_INFINITY])
    // rank 5: bucket (0.1, 0.25] holds ranks 3..6 → 0.1 + 0.15 * (5 - 2) / 4
    expect(histogramQuantile(arrival!, 0.5)).toBeCloseTo(0.2125, 10)
    // rank 1 in the first bucket: interpolated from 0
    expect(histogramQuantile(arrival!, 0.1)).toBeCloseTo(0.05, 10)
    expect(histogramMaxBound(arrival!)).toBe(0.5)

    const stages = histogramSeries(samples, 'op_gossip_block_stage_delay_seconds')
    expect(stages.map((s) => s.labels)).toEqual([{ stage: 'validated' }, { stage: 'fcu' }])
    const validated = stages[0]!
    // 2 of 3 observations above the last finite bound: quantile = that bound, max = +Inf
    expect(histogramQuantile(validated, 0.9)).toBe(0.1)
    expect(histogramMaxBound(validated)).toBe(Number.POSITIVE_INFINITY)
    expect(histogramQuantile(stages[1]!, 0.5)).toBeNaN()
  })

  it('takes the difference of two scrapes', () => {
    const before = histogramSeries(
      parsePrometheusText(PAGE),
      'op_gossip_block_arrival_delay_seconds',
    )[0]
    const after = histogramSeries(
      parsePrometheusText(
        PAGE.replace('{le="0.5"} 10', '{le="0.5"} 14')
          .replace('{le="+Inf"} 10', '{le="+Inf"} 14')
          .replace('_count 10', '_count 14')
          .replace('_sum 2.1', '_sum 3.7'),
      ),
      'op_gossip_block_arrival_delay_seconds',
    )[0]!
    const delta = histogramDelta(before, after)
    expect(delta.count).toBe(4)
    expect(delta.sum).toBeCloseTo(1.6, 10)
    expect(delta.buckets.map((b) => b.count)).toEqual([0, 0, 4, 4])
    expect(histogramQuantile(delta, 0.5)).toBeCloseTo(0.375, 10)
  })
})
