/**
 * `op-gossip bench compare` through the real CLI: saved results in both shapes (a report's
 * result.json and saved `--json` lines), the table, --label, --json, --report, and one line with
 * exit status 2 for a file it cannot use.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeLatencyReport } from '../../../src/report/latencyReport.ts'
import { syntheticLatencyRun } from '../../unit/report/syntheticLatencyRun.ts'
import { runCli } from '../../utils/cli.ts'

const CLI_TIMEOUT_MS = 60_000

describe('report / bench compare CLI', () => {
  let dir: string
  const meta = { command: 'op-gossip bench latency', generatedAt: 'g', machine: 'm' }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'op-gossip-compare-'))
    writeLatencyReport(join(dir, 'A'), [syntheticLatencyRun()], meta)
    writeLatencyReport(join(dir, 'B'), [syntheticLatencyRun({ slowdown: 2, seed: 2 })], meta)
    const lines = [100_000, 1_000_000].map((blockBytes) =>
      JSON.stringify(syntheticLatencyRun({ blockBytes, seed: 3 }).result),
    )
    writeFileSync(join(dir, 'sizes.jsonl'), `${lines.join('\n')}\n`)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const compare = (args: string[]) =>
    runCli(['bench', 'compare', ...args], { cwd: dir, timeoutMs: CLI_TIMEOUT_MS })

  it('prints the runs side by side with a change column and the overlaid CDFs', async () => {
    const { code, stdout, stderr } = await compare(['A/result.json', 'B/result.json'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const lines = stdout.split('\n')
    expect(lines[0]).toMatch(/^metric +A +B +change$/)
    expect(stdout).toMatch(/\ne2e ms p99 +[\d.]+ +[\d.]+ +\+\d+%\n/)
    for (const row of ['delivery ratio', 'hop ms p50', 'CPU ms/s per node (mean)', 'RSS MB']) {
      expect(stdout).toContain(row)
    }
    expect(stdout).toContain('files: A = A/result.json; B = B/result.json')
    expect(stdout).toContain('end-to-end latency CDF')
    expect(stdout).toContain('o A   x B   # overlap')
  })

  it('labels runs with --label and splits a file holding several sizes', async () => {
    const { code, stdout } = await compare([
      'A/result.json',
      'sizes.jsonl',
      '--label',
      'before,after',
      '--json',
    ])
    expect(code).toBe(0)
    const json = JSON.parse(stdout)
    expect(json.runs.map((r: { label: string }) => r.label)).toEqual([
      'before',
      'after 100 KB',
      'after 1000 KB',
    ])
    expect(json.runs[0]).toMatchObject({ source: 'A/result.json', nodes: 12, hasSamples: true })
    expect(json.runs[1].hasSamples).toBe(false)
    expect(Object.keys(json.runs[0].e2eMs)).toEqual(['p50', 'p90', 'p99', 'max'])
  })

  it('writes an HTML page with --report', async () => {
    const out = join(dir, 'cmp')
    const { code, stderr } = await compare(['A/result.json', 'sizes.jsonl', '--report', out])
    expect(code).toBe(0)
    expect(stderr).toBe(`report: ${join(out, 'index.html')}\n`)
    const html = readFileSync(join(out, 'index.html'), 'utf8')
    expect(html).toContain('End-to-end latency CDF')
    expect(html.match(/<svg /g)).toHaveLength(2)
  })

  it('exits 2 with one line for a file it cannot use', async () => {
    writeFileSync(join(dir, 'bad.json'), '{"results":[{"nodes":1}]}')
    writeFileSync(join(dir, 'text.txt'), 'hello\n')
    const cases: Array<[string[], string]> = [
      [['A/result.json', 'missing.json'], 'op-gossip: missing.json: cannot read (ENOENT)\n'],
      [
        ['bad.json'],
        `op-gossip: bad.json: not a bench latency result (result 1: 'blocks' is not a number)\n`,
      ],
      [['text.txt'], 'op-gossip: text.txt: not JSON (line 1)\n'],
      [
        ['A/result.json', '--label', 'a,b'],
        'op-gossip: --label: give one label per file: 2 label(s), 1 file(s)\n',
      ],
    ]
    for (const [args, line] of cases) {
      const { code, stdout, stderr } = await compare([...args, '--report', join(dir, 'no')])
      expect(stderr).toBe(line)
      expect(code).toBe(2)
      expect(stdout).toBe('')
    }
    expect(existsSync(join(dir, 'no'))).toBe(false)
  })
})
