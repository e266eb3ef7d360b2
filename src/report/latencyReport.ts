/**
 * The HTML report of `op-gossip bench latency --report DIR`: one self-contained page (inline
 * SVG and CSS, no script, nothing fetched at view time). It leads with the headline figures of
 * each block size in large type, then latency against block size (when several ran), then per
 * size: the e2e and per-hop CDF, latency per block in send order, a per-hop histogram, where a
 * hop's time goes, gossip and Redis side by side (with `--transport redis|both`), and per-node
 * and per-block tables. result.json is written next to it.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LatencyBenchResult, LatencyBenchRun } from '../devnet/latencyBench.ts'
import { DEVNET_ROADS } from '../devnet/latencyByRoad.ts'
import type { Percentiles } from '../devnet/latencyStats.ts'
import {
  type HeadlineFigure,
  renderFigure,
  renderHeadline,
  renderPage,
  renderTable,
} from './htmlPage.ts'
import {
  blockLatencyChart,
  latencyCdfChart,
  roadCdfChart,
  sizeLatencyChart,
} from './latencyCharts.ts'
import {
  blockLatencySeries,
  cpuMsPerSecond,
  hasSeveralSizes,
  resourceFigures,
} from './latencyFigures.ts'
import { type LatencyReportMeta, serializeResultFile } from './latencyResultFile.ts'
import { renderHistogramSvg } from './svgCharts.ts'
import { escapeXml, formatNumber } from './svgFrame.ts'

const h = escapeXml

const CDF_CAPTION =
  'End-to-end: publish → first seen at a node. The wide dashed line is per hop; markers at p50, p90 and p99.'
const PER_BLOCK_CAPTION =
  'Warm-up and stalls show as raised points; the band spans the first to the last node per block.'

function p4(p: Percentiles): string {
  return `${p.p50} / ${p.p90} / ${p.p99} / ${p.max}`
}

function kb(bytes: number | null): string {
  return bytes === null ? 'n/a' : (bytes / 1000).toFixed(1)
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(0)
}

/** The large-type figures of one block size. */
export function headlineFigures(r: LatencyBenchResult): HeadlineFigure[] {
  const resources = resourceFigures(r)
  const pairs = r.nodes * r.blocks
  return [
    {
      name: 'delivery ratio',
      value: r.delivery.toFixed(3),
      detail: `${Math.round(r.delivery * pairs)} / ${pairs} deliveries`,
    },
    { name: 'end-to-end p50', value: formatNumber(r.e2eMs.p50), unit: 'ms' },
    {
      name: 'end-to-end p99',
      value: formatNumber(r.e2eMs.p99),
      unit: 'ms',
      detail: `max ${r.e2eMs.max} ms`,
    },
    {
      name: 'per-hop p50',
      value: formatNumber(r.hopMs.p50),
      unit: 'ms',
      detail: `p99 ${r.hopMs.p99} ms`,
    },
    {
      name: 'CPU per follower',
      value: formatNumber(resources.cpuMsPerSecond.mean),
      unit: 'ms/s',
      detail: `busiest node ${resources.cpuMsPerSecond.max} ms/s`,
    },
    {
      name: 'max RSS per node',
      value: resources.rssMb.max.toFixed(0),
      unit: 'MB',
      detail: `mean ${resources.rssMb.mean.toFixed(0)} MB`,
    },
  ]
}

const ROAD_CAPTION =
  'End-to-end per road: publish → first seen at the followers of that road only. A Redis-only follower gets the block through the publishing gossip follower, so its latency includes that hop.'

/** What each road means, for the table. */
const ROAD_MEANING: Record<string, string> = {
  gossip: 'libp2p gossip only',
  redis: 'Redis stream only (subscriber)',
  'gossip+redis': 'gossip, publishing to the stream',
}

/** Gossip and Redis side by side: empty for a gossip-only run. */
export function roadsSection(r: LatencyBenchResult): string {
  if (r.transport === undefined || r.transport === 'gossip' || r.roads === undefined) return ''
  const rows = DEVNET_ROADS.flatMap((name) => {
    const road = r.roads?.[name]
    if (road === undefined) return []
    const pairs = road.nodes * r.blocks
    return [
      [
        name,
        ROAD_MEANING[name] ?? '',
        String(road.nodes),
        `${road.delivery.toFixed(3)} (${Math.round(road.delivery * pairs)} / ${pairs})`,
        String(road.e2eMs.p50),
        String(road.e2eMs.p90),
        String(road.e2eMs.p99),
        String(road.e2eMs.max),
      ],
    ]
  })
  const table = renderTable(
    [
      'road',
      'followers get blocks by',
      'nodes',
      'delivery',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
    ],
    rows,
  )
  return `<h3 id="roads-${r.blockBytes}">By road (--transport ${h(r.transport)})</h3>
<div class="row">${renderFigure(roadCdfChart(r), ROAD_CAPTION)}<div class="roads">${table}</div></div>`
}

function section(run: LatencyBenchRun): string {
  const r = run.result
  const details = renderTable(
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
  const breakdown = renderTable(
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
  const cdf = latencyCdfChart(run)
  const { undelivered } = blockLatencySeries(r)
  const perBlockCaption =
    undelivered === 0
      ? PER_BLOCK_CAPTION
      : `${PER_BLOCK_CAPTION} ${undelivered} block(s) reached no node and are not drawn.`
  const hist = renderHistogramSvg(run.samples.hopMs, {
    title: 'Per-hop latency',
    unit: 'ms',
    bins: 40,
    // the tail beyond p99 goes into the last bar, so the body of the distribution stays visible
    clipAt: r.hopMs.p99,
  })
  const nodes = renderTable(
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
      'CPU ms/s',
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
      cpuMsPerSecond(n.cpuSeconds, r.blocks * r.blockTime).toFixed(1),
    ]),
  )
  const blocks = renderTable(
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
<div class="row">${renderFigure(cdf, CDF_CAPTION)}${renderFigure(blockLatencyChart(r), perBlockCaption)}</div>
${roadsSection(r)}
<div class="row">${renderFigure(hist)}<div>${breakdown}
<p class="note">A hop is: first seen at a node minus first seen at the peer it got the block from
(the publish time when that peer is the sequencer). gossipsub forwards a block only after it was
validated, so the sender's queue wait and validation are part of the next hop.</p></div></div>
<h3>Details</h3>${details}
<h3>Per node</h3>${nodes}
<details><summary>Per block</summary>${blocks}</details>
</section>`
}

/** The report page. */
export function renderLatencyReport(
  runs: readonly LatencyBenchRun[],
  meta: LatencyReportMeta,
): string {
  const results = runs.map((r) => r.result)
  const headlines = results
    .map((r) => renderHeadline(`${kb(r.blockBytes)} KB blocks`, headlineFigures(r)))
    .join('\n')
  const sizes = hasSeveralSizes(results)
    ? `<div class="row">${renderFigure(sizeLatencyChart(results))}</div>`
    : ''
  return renderPage(
    'op-gossip bench latency',
    `<h1>op-gossip gossip-latency benchmark</h1>
<p><code>${h(meta.command)}</code><br>${h(meta.generatedAt)} · ${h(meta.machine)}</p>
${headlines}
${sizes}
${runs.map(section).join('\n')}`,
  )
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
  writeFileSync(join(dir, 'result.json'), serializeResultFile(runs, meta))
  return html
}
