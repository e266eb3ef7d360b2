/**
 * The HTML report of `op-gossip bench latency --report DIR`: one self-contained page (inline
 * SVG and CSS, no script, nothing fetched at view time) with, per block size, the headline
 * numbers, a CDF of end-to-end delivery latency, a histogram of per-hop latency, where a hop's
 * time goes, and per-node and per-block tables. The JSON result is written next to it.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LatencyBenchRun } from '../devnet/latencyBench.ts'
import type { Percentiles } from '../devnet/latencyStats.ts'
import { escapeXml, renderCdfSvg, renderHistogramSvg } from './svgCharts.ts'

export interface LatencyReportMeta {
  /** The command line that produced the report */
  command: string
  /** ISO time */
  generatedAt: string
  /** e.g. "2 cores, Linux 6.1, Node v22.x" */
  machine: string
}

const CDF_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'] as const

const h = escapeXml

function p4(p: Percentiles): string {
  return `${p.p50} / ${p.p90} / ${p.p99} / ${p.max}`
}

function kb(bytes: number | null): string {
  return bytes === null ? 'n/a' : (bytes / 1000).toFixed(1)
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(0)
}

function table(header: string[], rows: string[][]): string {
  const th = header.map((c) => `<th>${h(c)}</th>`).join('')
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${h(c)}</td>`).join('')}</tr>`).join('')
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`
}

function section(run: LatencyBenchRun): string {
  const r = run.result
  const headline = table(
    ['metric', 'value'],
    [
      ['follower nodes', String(r.nodes)],
      ['measured blocks', String(r.blocks)],
      [
        'block size (decompressed / snappy)',
        `${kb(r.blockBytes)} KB / ${kb(r.compressedBytes)} KB`,
      ],
      ['block time', `${r.blockTime} s`],
      ['mesh D / Dlo / Dhi', `${r.mesh.d} / ${r.mesh.lo} / ${r.mesh.hi}`],
      ['network', r.network],
      ['node code', r.compiled ? 'compiled build' : 'TypeScript sources'],
      [
        'machine load (1-min average, start → end)',
        `${r.machine.loadAverage.start.toFixed(1)} → ${r.machine.loadAverage.end.toFixed(1)} on ${r.machine.cores} cores`,
      ],
      ['delivery ratio', r.delivery.toFixed(3)],
      ['end-to-end ms p50 / p90 / p99 / max', p4(r.e2eMs)],
      ['per-hop ms p50 / p90 / p99 / max', p4(r.hopMs)],
      ['hops from the sequencer p50 / p90 / p99 / max', p4(r.hops)],
      [
        'duplicates per node per block',
        r.duplicatesPerNodePerBlock === null ? 'not counted' : String(r.duplicatesPerNodePerBlock),
      ],
      [
        'KB sent / received per node per block',
        `${kb(r.bytesPerNodePerBlock.sent)} / ${kb(r.bytesPerNodePerBlock.received)}`,
      ],
      ['max follower RSS', `${mb(Math.max(0, ...r.perNode.map((n) => n.rssBytes)))} MB`],
    ],
  )
  const breakdown = table(
    ['part of a hop (medians)', 'ms'],
    [
      [
        'sender: first seen → validation start (dispatch, queue, event loop)',
        String(r.breakdown.senderQueueMs),
      ],
      ['sender: validation', String(r.breakdown.senderValidationMs)],
      [
        'transfer: forward, encrypt, TCP, decrypt, decode, receiver event loop',
        String(r.breakdown.transferMs),
      ],
      [
        "sequencer's publish call: its validation, then a send to each mesh peer",
        String(r.sequencerPublishMs.p50),
      ],
    ],
  )
  const cdf = renderCdfSvg(
    [
      { name: 'end-to-end', values: run.samples.e2eMs, color: CDF_COLORS[0] },
      { name: 'per hop', values: run.samples.hopMs, color: CDF_COLORS[1] },
    ],
    {
      title: `Delivery latency CDF (${kb(r.blockBytes)} KB blocks)`,
      unit: 'ms (log scale)',
      logX: true,
    },
  )
  const hist = renderHistogramSvg(run.samples.hopMs, {
    title: 'Per-hop latency',
    unit: 'ms',
    bins: 40,
    // the tail beyond p99 goes into the last bar, so the body of the distribution stays visible
    clipAt: r.hopMs.p99,
  })
  const nodes = table(
    [
      'node',
      'peer',
      'received',
      'e2e p50 ms',
      'e2e p99 ms',
      'dup/block',
      'KB sent/block',
      'KB recv/block',
      'RSS MB',
      'CPU s',
    ],
    r.perNode.map((n) => [
      String(n.index),
      `…${n.peerId.slice(-8)}`,
      String(n.received),
      String(n.e2eMs.p50),
      String(n.e2eMs.p99),
      r.duplicatesPerNodePerBlock === null ? 'n/a' : n.duplicatesPerBlock.toFixed(2),
      kb(n.bytesPerBlock.sent),
      kb(n.bytesPerBlock.received),
      mb(n.rssBytes),
      n.cpuSeconds.toFixed(2),
    ]),
  )
  const blocks = table(
    ['block', 'KB', 'snappy KB', 'nodes', 'first ms', 'median ms', 'last ms'],
    r.perBlock.map((b) => [
      String(b.number),
      kb(b.bytes),
      kb(b.compressedBytes),
      `${b.received}/${r.nodes}`,
      String(b.firstMs ?? '-'),
      String(b.medianMs ?? '-'),
      String(b.lastMs ?? '-'),
    ]),
  )
  return `<section>
<h2>${h(`${kb(r.blockBytes)} KB blocks`)}</h2>
<div class="row"><div>${headline}</div><div>${breakdown}
<p class="note">A hop is: first seen at a node minus first seen at the peer it got the block from
(the publish time when that peer is the sequencer). gossipsub forwards a block only after it was
validated, so the sender's queue wait and validation are part of the next hop.</p></div></div>
<div class="row"><figure>${cdf}</figure><figure>${hist}</figure></div>
<h3>Per node</h3>${nodes}
<details><summary>Per block</summary>${blocks}</details>
</section>`
}

/** The report page. */
export function renderLatencyReport(
  runs: readonly LatencyBenchRun[],
  meta: LatencyReportMeta,
): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>op-gossip bench latency</title>
<style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
figure{margin:0}.note{font-size:12px;color:#555;max-width:520px}
section{border-top:2px solid #ddd;margin-top:24px}
</style></head><body>
<h1>op-gossip gossip-latency benchmark</h1>
<p><code>${h(meta.command)}</code><br>${h(meta.generatedAt)} · ${h(meta.machine)}</p>
${runs.map(section).join('\n')}
</body></html>
`
}

/** Writes index.html and result.json into `dir` (created); returns the HTML path. */
export function writeLatencyReport(
  dir: string,
  runs: readonly LatencyBenchRun[],
  meta: LatencyReportMeta,
): string {
  mkdirSync(dir, { recursive: true })
  const html = join(dir, 'index.html')
  writeFileSync(html, renderLatencyReport(runs, meta))
  writeFileSync(
    join(dir, 'result.json'),
    `${JSON.stringify({ ...meta, results: runs.map((r) => r.result) }, null, 2)}\n`,
  )
  return html
}
