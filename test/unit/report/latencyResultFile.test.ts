import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  missingResultField,
  parseResultFile,
  RESULT_FILE_ERROR_CODE,
  readResultFile,
  serializeResultFile,
} from '../../../src/report/latencyResultFile.ts'
import { exitStatusOf, OpGossipError } from '../../../src/util/errors.ts'
import { syntheticLatencyRun } from './syntheticLatencyRun.ts'

const meta = { command: 'op-gossip bench latency', generatedAt: 'g', machine: 'm' }
const runs = [syntheticLatencyRun(), syntheticLatencyRun({ blockBytes: 1_000_000 })]

/** The error `parse` throws (it must throw an OpGossipError). */
function errorOf(parse: () => unknown): OpGossipError {
  try {
    parse()
  } catch (err) {
    expect(err).toBeInstanceOf(OpGossipError)
    return err as OpGossipError
  }
  throw new Error('did not throw')
}

describe('report / latencyResultFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opg-result-file-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes result.json with the meta, the results and their samples, and reads it back', () => {
    const text = serializeResultFile(runs, meta)
    const json = JSON.parse(text)
    expect(Object.keys(json)).toEqual(['command', 'generatedAt', 'machine', 'results', 'samples'])
    expect(json.results[1].blockBytes).toBe(runs[1]?.result.blockBytes)
    const loaded = parseResultFile(text, 'A/result.json')
    expect(loaded).toHaveLength(2)
    expect(loaded[0]?.source).toBe('A/result.json')
    expect(loaded[0]?.result.e2eMs).toEqual(runs[0]?.result.e2eMs)
    // samples are kept to 10 µs
    const e2e = runs[0]?.samples.e2eMs ?? []
    expect(loaded[0]?.samples?.e2eMs).toHaveLength(e2e.length)
    expect(loaded[0]?.samples?.e2eMs[3]).toBeCloseTo(e2e[3] as number, 2)
  })

  it('reads an older result.json without samples', () => {
    const text = JSON.stringify({ ...meta, results: runs.map((r) => r.result) })
    expect(parseResultFile(text, 'old.json').map((r) => r.samples)).toEqual([null, null])
  })

  it('reads saved --json output: lines, one object or an array', () => {
    const lines = `${runs.map((r) => JSON.stringify(r.result)).join('\n')}\n`
    expect(parseResultFile(lines, 'out.jsonl').map((r) => r.result.blockBytes)).toEqual(
      runs.map((r) => r.result.blockBytes),
    )
    const one = JSON.stringify(runs[0]?.result, null, 2)
    expect(parseResultFile(one, 'one.json')).toHaveLength(1)
    const array = JSON.stringify(runs.map((r) => r.result))
    expect(parseResultFile(array, 'a.json')[1]?.samples).toBeNull()
  })

  it('names the first missing field of an invalid result', () => {
    const r = runs[0]?.result as unknown as Record<string, unknown>
    expect(missingResultField(r)).toBeNull()
    expect(missingResultField([])).toBe('the result is not an object')
    expect(missingResultField({ ...r, delivery: '1' })).toBe(`'delivery' is not a number`)
    expect(missingResultField({ ...r, hopMs: { p50: 1 } })).toBe(
      `'hopMs' is not { p50, p90, p99, max }`,
    )
    expect(missingResultField({ ...r, duplicatesPerNodePerBlock: null })).toBeNull()
    expect(missingResultField({ ...r, perNode: [{ rssBytes: 1 }] })).toBe(
      `'perNode' lacks 'cpuSeconds'`,
    )
    expect(missingResultField({ ...r, perBlock: [{ number: 1 }] })).toMatch(/^'perBlock'/)
  })

  it('rejects what is not a result as a configuration error (exit status 2)', () => {
    const cases: Array<[string, string]> = [
      ['', 'x.json: holds no result'],
      ['{"a":1}\nnot json', 'x.json: not JSON (line 2)'],
      ['{"results":[]}', `x.json: 'results' is not a non-empty list`],
      ['{"nodes":3}', `x.json: not a bench latency result (result 1: 'blocks' is not a number)`],
      [
        JSON.stringify({ results: [runs[0]?.result], samples: [] }),
        `x.json: 'samples' is not one { e2eMs, hopMs } list per result`,
      ],
    ]
    for (const [text, message] of cases) {
      const err = errorOf(() => parseResultFile(text, 'x.json'))
      expect(err.message).toBe(message)
      expect(err.code).toBe(RESULT_FILE_ERROR_CODE)
      expect(exitStatusOf(err)).toBe(2)
    }
  })

  it('reads files, and an unreadable one is one line naming it', () => {
    const path = join(dir, 'result.json')
    writeFileSync(path, serializeResultFile(runs, meta))
    expect(readResultFile(path)).toHaveLength(2)
    const missing = join(dir, 'missing.json')
    const err = errorOf(() => readResultFile(missing))
    expect(err.message).toBe(`${missing}: cannot read (ENOENT)`)
    expect(exitStatusOf(err)).toBe(2)
  })
})
