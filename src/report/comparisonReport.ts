/**
 * The HTML page of `op-gossip bench compare --report DIR`: the side-by-side table, the runs'
 * end-to-end CDFs overlaid and their median latency per block overlaid. Self-contained like the
 * latency report (inline SVG and CSS, no script, nothing fetched).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderFigure, renderPage, renderTable } from './htmlPage.ts'
import { comparisonBlockChart, comparisonCdfChart } from './latencyCharts.ts'
import { type Comparison, comparisonCells, type LabelledResult } from './latencyComparison.ts'
import { escapeXml } from './svgFrame.ts'

export interface ComparisonReportMeta {
  /** The command line that produced the page */
  command: string
  /** ISO time */
  generatedAt: string
}

/** The comparison page. */
export function renderComparisonReport(
  runs: readonly LabelledResult[],
  comparison: Comparison,
  meta: ComparisonReportMeta,
): string {
  const { header, rows } = comparisonCells(comparison)
  const sources = renderTable(
    ['run', 'file', 'CDF drawn from'],
    comparison.runs.map((r) => [
      r.label,
      r.source,
      r.hasSamples ? 'samples' : 'percentiles (no samples in the file)',
    ]),
  )
  const cdfCaption =
    'Markers at p50, p90 and p99 for runs with samples; at the fastest delivery, p50, p90, p99 and max for runs drawn from percentiles.'
  return renderPage(
    'op-gossip bench compare',
    `<h1>op-gossip latency comparison</h1>
<p><code>${escapeXml(meta.command)}</code><br>${escapeXml(meta.generatedAt)}</p>
${renderTable(header, rows)}
<div class="row">${renderFigure(comparisonCdfChart(runs), cdfCaption)}${renderFigure(comparisonBlockChart(runs))}</div>
<h3>Runs</h3>${sources}`,
  )
}

/** Writes index.html into `dir` (created); returns its path. */
export function writeComparisonReport(
  dir: string,
  runs: readonly LabelledResult[],
  comparison: Comparison,
  meta: ComparisonReportMeta,
): string {
  mkdirSync(dir, { recursive: true })
  const html = join(dir, 'index.html')
  writeFileSync(html, renderComparisonReport(runs, comparison, meta))
  return html
}
