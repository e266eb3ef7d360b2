/**
 * The reports as a reader sees them: rendered by headless Chromium from synthetic results,
 * checked on the screenshot (size, ink, the colours of both CDF series) and on the DOM the
 * browser built (every chart an <svg> with drawn paths, the headline text). Set
 * OP_GOSSIP_SCREENSHOT_DIR=<dir> to keep the screenshots and look at them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROAD_CDF_FRACTIONS, roadCdf } from '../../../src/devnet/latencyByRoad.ts'
import { percentiles, roundPercentiles } from '../../../src/devnet/latencyStats.ts'
import { writeComparisonReport } from '../../../src/report/comparisonReport.ts'
import {
  E2E_STYLE,
  HOP_STYLE,
  latencyCdfChart,
  runStyle,
} from '../../../src/report/latencyCharts.ts'
import { compareRuns, type LabelledResult } from '../../../src/report/latencyComparison.ts'
import { writeLatencyReport } from '../../../src/report/latencyReport.ts'
import { syntheticLatencyRun } from '../../unit/report/syntheticLatencyRun.ts'
import { CHROMIUM, chromiumAvailable, dumpDom, INSTALL_HINT, screenshot } from './chromium.ts'
import { countColor, countInk, decodePng, pngSize } from './png.ts'

const PAGE_WIDTH = 1280
const PAGE_HEIGHT = 2400
/** A real page screenshot compresses to well over this; a blank or broken one to far less */
const MIN_PNG_BYTES = 50_000
/**
 * Pixels of a series colour that prove its line is drawn: a 2 px line across a chart gives ~1000;
 * a series hidden under another still shows ~120 (its legend sample and markers)
 */
const MIN_SERIES_PIXELS = 400
/** Keep the screenshots here (to look at them) instead of in a removed temporary directory */
const KEEP_DIR_ENV = 'OP_GOSSIP_SCREENSHOT_DIR'

const available = chromiumAvailable()
const required = process.env.CI === 'true'
if (!available && !required) {
  console.warn(`skipping report screenshots: ${CHROMIUM} is missing (${INSTALL_HINT})`)
}

/** Every <svg> in a DOM dump with its aria-label, in page order. */
function svgsOf(dom: string): Array<{ label: string; body: string }> {
  return [...dom.matchAll(/<svg\b[^>]*aria-label="([^"]*)"[^>]*>([\s\S]*?)<\/svg>/g)].map((m) => ({
    label: m[1] as string,
    body: m[2] as string,
  }))
}

/** The body of the first <svg> labelled `label`. */
function svgLabelled(dom: string, label: string): string {
  const found = svgsOf(dom).find((s) => s.label === label)
  if (found === undefined) throw new Error(`no <svg> labelled '${label}'`)
  return found.body
}

/** Histogram bars (they carry a tooltip; the plot frame does not). */
function barsOf(svg: string): number {
  return svg.match(/<rect\b[^>]*>\s*<title>/g)?.length ?? 0
}

/** Drawn lines in an SVG body: path segments and polyline points per element. */
function linesOf(svg: string): number[] {
  const paths = [...svg.matchAll(/<path\b[^>]*\bd="([^"]*)"/g)].map(
    (m) => (m[1] as string).split('L').length - 1,
  )
  const polylines = [...svg.matchAll(/<polyline\b[^>]*\bpoints="([^"]*)"/g)].map(
    (m) => (m[1] as string).trim().split(/\s+/).length,
  )
  return [...paths, ...polylines]
}

describe.skipIf(!available && !required)('report / screenshot in headless chromium', () => {
  let dir: string

  const keepDir = process.env[KEEP_DIR_ENV]

  beforeAll(() => {
    if (!available) throw new Error(`CI=true needs ${CHROMIUM}: ${INSTALL_HINT}`)
    if (keepDir !== undefined) mkdirSync(keepDir, { recursive: true })
    dir = keepDir ?? mkdtempSync(join(tmpdir(), 'op-gossip-report-shot-'))
  })
  afterAll(() => {
    if (dir !== undefined && keepDir === undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('renders gossip and Redis side by side: a table and one CDF per road, in its colour', async () => {
    const run = syntheticLatencyRun({ blockBytes: 100_000, nodes: 6 })
    // Three roads, each from its own share of the run's samples (Redis ones a few ms later).
    const e2e = run.samples.e2eMs
    const share = (k: number, extraMs: number) =>
      e2e.filter((_, i) => i % 3 === k).map((v) => v + extraMs)
    const road = (samples: number[]) => ({
      nodes: 2,
      delivery: 1,
      e2eMs: roundPercentiles(percentiles(samples)),
      e2eCdf: roadCdf(samples),
    })
    run.result.transport = 'both'
    run.result.roads = {
      gossip: road(share(0, 0)),
      redis: road(share(1, 8)),
      'gossip+redis': road(share(2, 2)),
    }
    const page = writeLatencyReport(join(dir, 'roads'), [run], {
      command: 'op-gossip bench latency --transport both',
      generatedAt: '2025-01-01T00:00:00Z',
      machine: '2 cores (synthetic)',
    })
    const [bytes, dom] = await Promise.all([
      screenshot(page, join(dir, 'roads.png'), PAGE_WIDTH, PAGE_HEIGHT),
      dumpDom(page, PAGE_WIDTH, PAGE_HEIGHT),
    ])
    const png = decodePng(bytes)
    for (const k of [1, 2]) {
      expect(countColor(png, runStyle(k).color), `road ${k}`).toBeGreaterThan(MIN_SERIES_PIXELS)
    }
    expect(dom).toContain('By road (--transport both)')
    expect(dom).toContain(`<td>${run.result.roads.redis?.e2eMs.p99}</td>`)
    const chart = linesOf(svgLabelled(dom, 'End-to-end latency CDF by road (100.0 KB blocks)'))
    expect(chart).toHaveLength(3)
    for (const segments of chart)
      expect(segments).toBeGreaterThanOrEqual(ROAD_CDF_FRACTIONS.length - 1)
  })

  it('renders the latency report: headline, CDF, per block, per size and histogram', async () => {
    const runs = [100_000, 1_000_000, 5_000_000].map((blockBytes) =>
      syntheticLatencyRun({ blockBytes }),
    )
    const page = writeLatencyReport(join(dir, 'latency'), runs, {
      command: 'op-gossip bench latency --block-bytes 100000,1000000,5000000',
      generatedAt: '2025-01-01T00:00:00Z',
      machine: '2 cores (synthetic)',
    })
    const pngPath = join(dir, 'latency.png')
    const [bytes, dom] = await Promise.all([
      screenshot(page, pngPath, PAGE_WIDTH, PAGE_HEIGHT),
      dumpDom(page, PAGE_WIDTH, PAGE_HEIGHT),
    ])
    expect(bytes.length).toBeGreaterThan(MIN_PNG_BYTES)
    expect(pngSize(bytes)).toEqual({ width: PAGE_WIDTH, height: PAGE_HEIGHT })
    const png = decodePng(bytes)
    expect(countInk(png)).toBeGreaterThan(0.05 * PAGE_WIDTH * PAGE_HEIGHT)
    expect(countColor(png, E2E_STYLE.color)).toBeGreaterThan(MIN_SERIES_PIXELS)
    expect(countColor(png, HOP_STYLE.color)).toBeGreaterThan(MIN_SERIES_PIXELS)

    for (const text of [
      'delivery ratio',
      'end-to-end p50',
      'end-to-end p99',
      'per-hop p50',
      'CPU per follower',
      'max RSS per node',
      `>${runs[0]?.result.e2eMs.p50}<`,
    ]) {
      expect(dom).toContain(text)
    }
    const svgs = svgsOf(dom)
    // the size chart, then per block size: CDF, per block, histogram
    expect(svgs.map((x) => x.label.replace(/\(\d.*KB blocks\)/, '(KB blocks)'))).toEqual([
      'Latency against block size',
      ...runs.flatMap(() => [
        'Delivery latency CDF (KB blocks)',
        'Latency per block (send order)',
        'Per-hop latency',
      ]),
    ])
    for (const svg of svgs) {
      const drawn = svg.label === 'Per-hop latency' ? barsOf(svg.body) : linesOf(svg.body).length
      expect(drawn, svg.label).toBeGreaterThan(0)
    }
    expect(linesOf(svgLabelled(dom, 'Latency against block size'))).toEqual([3, 3, 3])
    const cdf = linesOf(svgLabelled(dom, 'Delivery latency CDF (100.0 KB blocks)'))
    // hop and e2e steps (legend samples are <line>s)
    expect(cdf).toHaveLength(2)
    for (const segments of cdf) expect(segments).toBeGreaterThan(100)
    const perBlock = svgLabelled(dom, 'Latency per block (send order)')
    expect(linesOf(perBlock)).toEqual([60])
    expect(perBlock).toMatch(/<polygon\b[^>]*points="[^"]{100,}"/)
    expect(barsOf(svgLabelled(dom, 'Per-hop latency'))).toBeGreaterThan(5)
  })

  it('shows both CDF series when every delivery is one hop (hop = e2e)', async () => {
    const run = syntheticLatencyRun({ directPeers: 12 })
    expect(run.samples.hopMs).toEqual(run.samples.e2eMs)
    const page = join(dir, 'cdf.html')
    writeFileSync(page, `<!doctype html><body style="margin:0">${latencyCdfChart(run)}</body>`)
    const png = decodePng(await screenshot(page, join(dir, 'cdf.png'), 700, 400))
    expect(countColor(png, E2E_STYLE.color)).toBeGreaterThan(MIN_SERIES_PIXELS)
    expect(countColor(png, HOP_STYLE.color)).toBeGreaterThan(MIN_SERIES_PIXELS)
  })

  it('renders the comparison page with overlaid CDFs of every run', async () => {
    const runs: LabelledResult[] = [
      { ...syntheticLatencyRun(), label: 'base', source: 'A/result.json' },
      {
        ...syntheticLatencyRun({ slowdown: 1.5, seed: 2 }),
        label: 'slow',
        source: 'B/result.json',
      },
    ]
    // a saved --json line has no samples: its CDF is drawn from percentiles
    const first = runs[0] as LabelledResult
    runs.push({ ...first, label: 'json', source: 'c.json', samples: null })
    const page = writeComparisonReport(join(dir, 'compare'), runs, compareRuns(runs), {
      command: 'op-gossip bench compare',
      generatedAt: '2025-01-01T00:00:00Z',
    })
    const pngPath = join(dir, 'compare.png')
    const [bytes, dom] = await Promise.all([
      screenshot(page, pngPath, PAGE_WIDTH, 1200),
      dumpDom(page, PAGE_WIDTH, 1200),
    ])
    const png = decodePng(bytes)
    for (let k = 0; k < runs.length; k++) {
      expect(countColor(png, runStyle(k).color)).toBeGreaterThan(MIN_SERIES_PIXELS / 2)
    }
    const cdf = linesOf(svgLabelled(dom, 'End-to-end latency CDF'))
    // two sample step paths and one percentile polyline (5 points)
    expect(cdf).toHaveLength(3)
    expect(cdf[2]).toBe(5)
    expect(dom).toContain('e2e ms p99')
    expect(linesOf(svgLabelled(dom, 'Median latency per block (send order)'))).toEqual([60, 60, 60])
  })
})
