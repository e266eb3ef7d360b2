import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { register } from '../../../src/cli/commands/bench.ts'
import type { AcceptedBlock } from '../../../src/gossip/types.ts'
import { createLatencyLog, LATENCY_LOG_CSV_HEADER } from '../../../src/metrics/latencyLog.ts'
import {
  LATENCY_LOG_FILE_ERROR_CODE,
  parseLatencyLog,
  readLatencyLog,
  summarizeLatencyLogs,
} from '../../../src/report/latencyLogFile.ts'
import { OpGossipError } from '../../../src/util/errors.ts'
import { failureInProcess } from '../../utils/cli.ts'

const hash = (k: number) => `0x${k.toString(16).padStart(64, '0')}`
const SEC = 1_725_271_882

/** A row received `delayMs` after block k was produced at SEC + k (+ millis). */
function row(k: number, delayMs: number, region: string, millis = 0): string {
  const recvNs = BigInt((SEC + k) * 1000 + millis) * 1_000_000n + BigInt(delayMs * 1e6)
  return `${recvNs},${100 + k},${hash(k)},${SEC + k},${millis},${region},16Uiu2HAmPeer`
}

const csv = (rows: string[]) => `${LATENCY_LOG_CSV_HEADER}\n${rows.join('\n')}\n`

describe('report / latencyLogFile', () => {
  it('computes first-seen latency per block (received − produced, with the millisecond part)', () => {
    const f = parseLatencyLog(
      csv([row(0, 40, 'eu'), row(1, 10, 'eu', 400), row(2, 20.5, 'eu'), row(1, 90, 'eu', 400)]),
      'eu.csv',
    )
    expect(f.rows).toBe(4)
    // block 1 logged twice (a restart appended): its earliest row counts
    expect(f.blocks.get(hash(1))?.recvMs).toBe((SEC + 1) * 1000 + 400 + 10)
    expect(summarizeLatencyLogs([f])).toEqual({
      files: [
        {
          source: 'eu.csv',
          regions: ['eu'],
          rows: 4,
          blocks: 3,
          firstBlock: 100,
          lastBlock: 102,
          firstSeenLatencyMs: { p50: 20.5, p90: 40, p99: 40, max: 40 },
        },
      ],
      joined: null,
    })
  })

  it('joins files by block hash: spread per block and each observer behind the first', () => {
    const eu = parseLatencyLog(csv([row(0, 10, 'eu'), row(1, 30, 'eu'), row(2, 5, 'eu')]), 'a')
    const us = parseLatencyLog(csv([row(0, 50, 'us'), row(1, 20, 'us'), row(3, 5, 'us')]), 'b')
    const { joined } = summarizeLatencyLogs([eu, us])
    expect(joined).toEqual({
      joinedBlocks: 2,
      spreadMs: { p50: 10, p90: 40, p99: 40, max: 40 },
      observers: [
        {
          source: 'a',
          regions: ['eu'],
          blocks: 2,
          behindFirstMs: { p50: 0, p90: 10, p99: 10, max: 10 },
          firstSeen: 1,
        },
        {
          source: 'b',
          regions: ['us'],
          blocks: 2,
          behindFirstMs: { p50: 0, p90: 40, p99: 40, max: 40 },
          firstSeen: 1,
        },
      ],
    })
    const other = parseLatencyLog(csv([row(9, 1, 'ap')]), 'c')
    expect(summarizeLatencyLogs([eu, other]).joined).toBeNull()
  })

  it('refuses a file without the header or with a malformed row, naming file and line', () => {
    const bad = (text: string) => () => parseLatencyLog(text, 'x.csv')
    expect(bad('1,2,3\n')).toThrow(/x.csv: the first line is not the latency CSV header/)
    expect(bad(csv([row(0, 1, 'eu'), 'garbage']))).toThrow(/x.csv: line 3 is not a latency row/)
    expect(bad(csv([row(0, 1, 'eu').replace(hash(0), '0xAB')]))).toThrow(/line 2/)
    try {
      bad('')()
    } catch (err) {
      expect(err).toBeInstanceOf(OpGossipError)
      expect(err).toMatchObject({
        code: LATENCY_LOG_FILE_ERROR_CODE,
        kind: 'configuration',
        flag: '--latency-log',
      })
    }
  })

  describe('files', () => {
    let dir: string
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'latency-log-file-'))
    })
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true })
      vi.restoreAllMocks()
    })

    it('reads what op-gossip run --p2p.latency.log writes', async () => {
      const path = join(dir, 'ours.csv')
      const log = createLatencyLog({ path, region: 'lab' })
      await log.start()
      log.onBlock({
        envelope: {
          payload: {
            blockNumber: 7n,
            blockHash: new Uint8Array(32).fill(1),
            timestamp: BigInt(SEC),
            transactions: [],
          },
        },
        fromPeer: 'peer',
        firstSeenMs: SEC * 1000 + 12.25,
      } as unknown as AcceptedBlock)
      await log.stop()
      const f = readLatencyLog(path)
      expect([...f.blocks.values()]).toEqual([
        {
          recvMs: SEC * 1000 + 12.25,
          blockNumber: 7,
          blockHash: `0x${'01'.repeat(32)}`,
          producedMs: SEC * 1000,
          region: 'lab',
          peerId: 'peer',
        },
      ])
      expect(() => readLatencyLog(join(dir, 'missing.csv'))).toThrow(/cannot read it \(ENOENT\)/)
    })

    it('bench observe --latency-log prints the summary, or JSON, without waiting for a window', async () => {
      const a = join(dir, 'a.csv')
      const b = join(dir, 'b.csv')
      writeFileSync(a, csv([row(0, 10, 'eu'), row(1, 30, 'eu')]))
      writeFileSync(b, csv([row(0, 50, 'us'), row(1, 20, 'us')]))
      const out: string[] = []
      vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line))
      expect(await failureInProcess(register, ['bench', 'observe', '--latency-log', a, b])).toBe(
        null,
      )
      expect(out.join('\n')).toContain('joined by block hash: 2 blocks in two or more logs')
      expect(out.join('\n')).toContain(`eu (${a}): 2 blocks, first for 1`)
      out.length = 0
      expect(
        await failureInProcess(register, [
          'bench',
          'observe',
          '--latency-log',
          `${a},${b}`,
          '--json',
        ]),
      ).toBe(null)
      const json = JSON.parse(out.join('')) as { latencyLogs: { joined: { joinedBlocks: number } } }
      expect(json.latencyLogs.joined.joinedBlocks).toBe(2)
      const failure = await failureInProcess(register, ['bench', 'observe'])
      expect(failure?.status).toBe(2)
      expect(failure?.text).toMatch(/--latency-log FILE/)
    })
  })
})
