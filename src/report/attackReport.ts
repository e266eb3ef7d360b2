/**
 * The `bench attack --report DIR` page: one self-contained HTML file with the per-phase table
 * (the same columns as the terminal table), the per-follower detail, the recovery and soak
 * samples, and result.json beside it (the --json object).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AttackBenchResult } from '../devnet/attackBench.ts'
import type { PhaseResult } from '../devnet/attackStats.ts'
import { renderHeadline, renderPage, renderTable } from './htmlPage.ts'
import type { ReportMeta } from './reportMeta.ts'
import { escapeXml } from './svgFrame.ts'

export type AttackReportMeta = ReportMeta

const orNa = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined ? 'n/a' : v.toFixed(digits)

/** The phase table's header and rows: shared by the terminal table and the page. */
export function attackTable(result: AttackBenchResult): { header: string[]; rows: string[][] } {
  const header = [
    'phase',
    'blocks',
    'delivery',
    'e2e p50/p99 ms',
    'p99/base',
    'queue p99',
    'sent',
    'disconnect ms',
    'CPU ms/s max',
    'RSS MB max/end',
    'queue full',
    'rate limited',
    'rejected',
    'target',
  ]
  const rows = result.phases.map((p: PhaseResult) => [
    p.phase,
    String(p.published),
    p.delivery.toFixed(3),
    `${p.e2eP50Ms.toFixed(1)}/${p.e2eP99Ms.toFixed(1)}`,
    p.p99VsBaseline === null ? '-' : `${p.p99VsBaseline.toFixed(2)}x`,
    p.queueWaitP99Ms.toFixed(1),
    String(p.attackers.sent),
    orNa(p.attackers.timeToDisconnectMs),
    orNa(Math.max(0, ...p.followers.map((f) => f.cpuMsPerSecond ?? 0))),
    `${Math.max(0, ...p.followers.map((f) => f.rssMaxMb)).toFixed(0)}/${Math.max(0, ...p.followers.map((f) => f.rssEndMb ?? 0)).toFixed(0)}`,
    String(p.queueFull),
    String(p.rateLimited),
    String(p.rejected),
    p.pass ? 'PASS' : 'FAIL',
  ])
  return { header, rows }
}

/** The recovery line: seconds back within the target, or why not. */
export function recoveryLine(result: AttackBenchResult): string | null {
  const r = result.recovery
  if (r === null) return null
  const per = r.recoveredAfterSeconds.map((s, i) => `${i + 1}: ${s === null ? 'no' : `${s} s`}`)
  return `RSS recovery (within 1.5x of pre-attack ${r.preAttackMb.join('/')} MB, peak ${r.peakMb.join('/')} MB): ${r.secondsToRecover === null ? 'not within the time' : `${r.secondsToRecover} s`} (${per.join(', ')}) → ${r.pass ? 'PASS' : 'FAIL'}`
}

/** One line per attack phase: its slowest blocks, when in the phase (s) and how slow (ms). */
export function slowestBlockLines(result: AttackBenchResult): string[] {
  return result.phases
    .filter((p) => p.phase !== 'baseline' && p.slowestBlocks.length > 0)
    .map(
      (p) =>
        `${p.phase}: slowest blocks (published s into the phase: slowest follower's e2e ms) ${p.slowestBlocks.map((b) => `${(b.publishedAfterMs / 1000).toFixed(1)}: ${b.e2eMaxMs}`).join(', ')}`,
    )
}

/** The soak lines: memory after each cycle and the trend of RSS and of each part of it. */
export function soakLines(result: AttackBenchResult): string[] {
  const s = result.soak
  if (s === null) return []
  const mean = (xs: readonly number[]) =>
    (xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(1)
  return [
    `soak ${s.minutes} min (${s.cycles} cycles), followers' mean post-recovery MB: ${s.samples.map((x) => `${x.minute}m RSS ${mean(x.rssMb)} heap ${mean(x.heapUsedMb)} external ${mean(x.externalMb)}`).join(', ')}`,
    `soak trend MB/min: RSS ${s.slopeMbPerMin}, heap used ${s.heapUsedSlopeMbPerMin}, external ${s.externalSlopeMbPerMin}, rest of RSS ${s.otherSlopeMbPerMin} → ${s.pass ? 'PASS' : 'FAIL'}`,
  ]
}

export function renderAttackReport(result: AttackBenchResult, meta: AttackReportMeta): string {
  const { header, rows } = attackTable(result)
  const attacks = result.phases.filter((p) => p.phase !== 'baseline')
  const headline = renderHeadline('under attack', [
    {
      name: 'worst delivery',
      value: Math.min(1, ...attacks.map((p) => p.delivery)).toFixed(3),
    },
    {
      name: 'worst p99 / baseline',
      value: Math.max(0, ...attacks.map((p) => p.p99VsBaseline ?? 0)).toFixed(2),
      unit: 'x',
    },
    {
      name: 'RSS back within 1.5x',
      value: orNa(result.recovery?.secondsToRecover ?? null),
      unit: 's',
    },
    { name: 'verdict', value: result.pass ? 'PASS' : 'FAIL' },
  ])
  const followerRows = result.phases.flatMap((p) =>
    p.followers.map((f) => [
      p.phase,
      String(f.index),
      orNa(f.cpuMsPerSecond),
      f.rssMaxMb.toFixed(0),
      orNa(f.rssEndMb),
      orNa(f.messagesReceived),
      orNa(f.rejected),
      orNa(f.ignored),
      orNa(f.queueFull),
      orNa(f.rateLimited),
    ]),
  )
  const attackerRows = result.phases.map((p) => [
    p.phase,
    String(p.attackers.sent),
    String(p.attackers.heldBack),
    String(p.attackers.identities),
    String(p.attackers.dialsFailed),
    String(p.attackers.disconnected),
    orNa(p.attackers.firstDisconnectMs),
    orNa(p.attackers.timeToDisconnectMs),
    String(p.attackers.honestReceived),
  ])
  const recovery = recoveryLine(result)
  const soak = result.soak
  const body = [
    `<h1>op-gossip bench attack</h1>`,
    `<p class="note">${escapeXml(meta.command)} · ${escapeXml(meta.generatedAt)} · ${escapeXml(meta.machine)} · network ${escapeXml(result.network)} · ${result.nodes} followers, ${result.attackers} attackers at ${result.ratePerSecond} msg/s each, ${result.phaseSeconds} s phases, ${result.blockBytes} B blocks every ${result.blockTime} s</p>`,
    headline,
    '<h2>Phases</h2>',
    renderTable(header, rows),
    '<p class="note">Target (docs/attack.md): delivery 1.0 and honest e2e p99 at most 2x the baseline under every flood.</p>',
    recovery === null ? '' : `<h2>Memory</h2><p>${escapeXml(recovery)}</p>`,
    soak === null
      ? ''
      : `<h2>Soak</h2>${renderTable(
          [
            'minute',
            'RSS MB per follower',
            'heap used MB per follower',
            'external MB per follower',
          ],
          soak.samples.map((s) => [
            s.minute.toFixed(1),
            s.rssMb.join(' / '),
            s.heapUsedMb.join(' / '),
            s.externalMb.join(' / '),
          ]),
        )}<p>${escapeXml(soakLines(result)[1] ?? '')}</p>`,
    '<h2>Followers</h2>',
    renderTable(
      [
        'phase',
        'node',
        'CPU ms/s',
        'RSS max MB',
        'RSS end MB',
        'received',
        'rejected',
        'ignored',
        'queue full',
        'rate limited',
      ],
      followerRows,
    ),
    '<h2>Attackers</h2>',
    renderTable(
      [
        'phase',
        'sent',
        'held back',
        'identities',
        'dials failed',
        'disconnected',
        'first disconnect ms',
        'median disconnect ms',
        'honest blocks received',
      ],
      attackerRows,
    ),
  ].join('\n')
  return renderPage('op-gossip bench attack', body)
}

/** Writes index.html and result.json to `dir`; returns the page's path. */
export function writeAttackReport(
  dir: string,
  result: AttackBenchResult,
  meta: AttackReportMeta,
): string {
  mkdirSync(dir, { recursive: true })
  const html = join(dir, 'index.html')
  writeFileSync(html, renderAttackReport(result, meta))
  writeFileSync(join(dir, 'result.json'), `${JSON.stringify({ meta, result }, null, 2)}\n`)
  return html
}
