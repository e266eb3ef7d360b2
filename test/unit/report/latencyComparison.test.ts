import { describe, expect, it } from 'vitest'
import { renderComparisonReport } from '../../../src/report/comparisonReport.ts'
import {
  COMPARISON_METRICS,
  compareRuns,
  comparisonCells,
  comparisonTextCdf,
  formatComparisonTable,
  type LabelledResult,
  labelOfFile,
  labelResults,
  relativeChange,
} from '../../../src/report/latencyComparison.ts'
import type { LoadedResult } from '../../../src/report/latencyResultFile.ts'
import {
  quantileFraction,
  renderTextCdf,
  sampleFraction,
  TEXT_CDF_COLUMNS,
  TEXT_CDF_ROWS,
} from '../../../src/report/textCdf.ts'
import { syntheticLatencyRun } from './syntheticLatencyRun.ts'

function loaded(source: string, opts: Parameters<typeof syntheticLatencyRun>[0] = {}) {
  const run = syntheticLatencyRun(opts)
  return { source, result: run.result, samples: run.samples } satisfies LoadedResult
}

const base = loaded('A/result.json')
const slow = loaded('B/result.json', { slowdown: 2, seed: 2 })

describe('report / latencyComparison', () => {
  it('labels runs by file, by directory for result.json, or by --label', () => {
    expect(labelOfFile('runs/A/result.json')).toBe('runs/A')
    expect(labelOfFile('result.json')).toBe('result')
    expect(labelOfFile('b.json')).toBe('b')
    expect(labelOfFile('c.jsonl')).toBe('c')
    const big = loaded('C.jsonl', { blockBytes: 1_000_000 })
    const runs = labelResults([
      { path: 'A/result.json', results: [base] },
      { path: 'C.jsonl', results: [base, big] },
    ])
    expect(runs.map((r) => r.label)).toEqual(['A', 'C 100 KB', 'C 1000 KB'])
    const named = labelResults([{ path: 'A/result.json', results: [base] }], ['before'])
    expect(named[0]?.label).toBe('before')
  })

  it('derives every column from the result', () => {
    const [a] = compareRuns([{ ...base, label: 'A' }]).runs
    const r = base.result
    expect(a).toMatchObject({
      label: 'A',
      source: 'A/result.json',
      nodes: 12,
      blocks: 60,
      blockKb: 100,
      delivery: r.delivery,
      e2eMs: r.e2eMs,
      hopMs: r.hopMs,
      duplicatesPerNodePerBlock: r.duplicatesPerNodePerBlock,
      kbSentPerNodePerBlock: Math.round(r.bytesPerNodePerBlock.sent / 100) / 10,
      hasSamples: true,
    })
    const cpuMean = r.perNode.reduce((s, n) => s + n.cpuSeconds, 0) / r.perNode.length / 60
    expect(a?.cpuMsPerSecond.mean).toBeCloseTo(cpuMean * 1000, 1)
    expect(a?.rssMb.max).toBeCloseTo(Math.max(...r.perNode.map((n) => n.rssBytes)) / 1e6, 1)
  })

  it('formats relative changes', () => {
    expect(relativeChange(10, 12.5)).toBe('+25%')
    expect(relativeChange(10, 9.5)).toBe('-5.0%')
    expect(relativeChange(0, 0)).toBe('0%')
    expect(relativeChange(0, 1)).toBe('')
    expect(relativeChange(null, 1)).toBe('')
  })

  it('prints a side-by-side table, with a change column for two runs', () => {
    const runs: LabelledResult[] = [
      { ...base, label: 'A' },
      { ...slow, label: 'B' },
    ]
    const { header, rows } = comparisonCells(compareRuns(runs))
    expect(header).toEqual(['metric', 'A', 'B', 'change'])
    expect(rows.map((r) => r[0])).toEqual(COMPARISON_METRICS.map((m) => m.name))
    const p50 = rows.find((r) => r[0] === 'e2e ms p50') as string[]
    expect(p50[1]).toBe(base.result.e2eMs.p50.toFixed(2))
    expect(p50[3]).toMatch(/^\+\d+%$/)
    const three = comparisonCells(compareRuns([...runs, { ...base, label: 'C' }]))
    expect(three.header).toEqual(['metric', 'A', 'B', 'C'])

    const lines = formatComparisonTable(compareRuns(runs))
    expect(lines[0]).toMatch(/^metric +A +B +change$/)
    // numbers right-aligned: every row as long as the header, or shorter only by a blank change
    const width = (lines[0] as string).length
    for (const line of lines.slice(1, 1 + rows.length)) {
      expect(line.length).toBeLessThanOrEqual(width)
    }
    expect(lines.at(-1)).toBe('files: A = A/result.json; B = B/result.json')
  })

  it('prints n/a for duplicates a host did not count', () => {
    const uncounted = { ...base, result: { ...base.result, duplicatesPerNodePerBlock: null } }
    const { rows } = comparisonCells(compareRuns([{ ...uncounted, label: 'A' }]))
    expect(rows.find((r) => r[0] === 'duplicates /node/block')?.[1]).toBe('n/a')
  })

  it('renders a self-contained HTML page with the table and overlaid CDFs', () => {
    const runs: LabelledResult[] = [
      { ...base, label: 'A' },
      { ...slow, label: '<B>', samples: null },
    ]
    const html = renderComparisonReport(runs, compareRuns(runs), {
      command: 'op-gossip bench compare a b',
      generatedAt: 'g',
    })
    expect(html).toContain('<th>&lt;B&gt;</th>')
    expect(html).toContain('End-to-end latency CDF')
    expect(html).toContain('&lt;B&gt;, from percentiles')
    expect(html.match(/<svg /g)).toHaveLength(2)
    expect(html).not.toMatch(/<script|<link|src="http|href="http/)
  })
})

describe('report / textCdf', () => {
  it('computes a sample CDF and one through known quantiles', () => {
    const f = sampleFraction([1, 2, 2, 4])
    expect([0.5, 1, 2, 3, 4, 9].map(f)).toEqual([0, 0.25, 0.75, 0.75, 1, 1])
    const q = quantileFraction([
      { fraction: 0, value: 1 },
      { fraction: 0.5, value: 10 },
      { fraction: 1, value: 100 },
    ])
    expect([0.5, 1, 10, 100, 200].map(q)).toEqual([0, 0, 0.5, 1, 1])
    // linear in log(ms) between points
    expect(q(Math.sqrt(10))).toBeCloseTo(0.25)
  })

  it('draws each run with its symbol, # where they coincide, on decade ticks', () => {
    const lines = renderTextCdf([
      { label: 'a', fractionAt: sampleFraction([2, 3, 4]), extent: [2, 4] },
      { label: 'b', fractionAt: sampleFraction([2, 30, 40]), extent: [2, 40] },
    ])
    expect(lines).toHaveLength(TEXT_CDF_ROWS + 3)
    expect(lines[0]).toMatch(/^ 1\.0 \|/)
    expect(lines[TEXT_CDF_ROWS - 1]).toMatch(/^ 0\.0 \|/)
    const plot = lines.slice(0, TEXT_CDF_ROWS).join('\n')
    expect(plot).toContain('o')
    expect(plot).toContain('x')
    expect(plot).toContain('#')
    expect(lines[TEXT_CDF_ROWS]).toBe(`     +${'-'.repeat(TEXT_CDF_COLUMNS)}`)
    expect(lines[TEXT_CDF_ROWS + 1]).toMatch(/^ +1 +10 +100 +ms \(log scale\)$/)
    expect(lines.at(-1)).toBe('      o a   x b   # overlap')
  })

  it('overlays the compared runs, from percentiles for files without samples', () => {
    const lines = comparisonTextCdf([
      { ...base, label: 'A' },
      { ...slow, label: 'B', samples: null },
    ])
    expect(lines.at(-1)).toContain('o A   x B (from percentiles)')
  })
})
