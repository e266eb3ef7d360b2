import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AcceptedBlock } from '../../../src/gossip/types.ts'
import {
  BASE_TIME_SELECTOR,
  createLatencyLog,
  formatLatencyRow,
  LATENCY_LOG_CSV_HEADER,
  LATENCY_LOG_QUEUE_MAX_ROWS,
  latencyRowOf,
  msToNs,
  timestampMillisPart,
} from '../../../src/metrics/latencyLog.ts'
import { encodeRlp, uintToBytes } from '../../../src/wire/rlp.ts'

const BASE_TIME_ADDRESS = Uint8Array.from(Buffer.from(`42${'00'.repeat(17)}0030`, 'hex'))
const DEPOSITOR = Uint8Array.from(Buffer.from(`${'de'.repeat(18)}0001`, 'hex'))

/** A BaseTime deposit as Base's sequencer builds it: setTimestampMillisPart(millis). */
function baseTimeDeposit(millis: number, to = BASE_TIME_ADDRESS): Uint8Array {
  const data = new Uint8Array(36)
  data.set(BASE_TIME_SELECTOR, 0)
  data[34] = millis >> 8
  data[35] = millis & 0xff
  const body = encodeRlp([
    new Uint8Array(32).fill(7),
    DEPOSITOR,
    to,
    uintToBytes(0),
    uintToBytes(0),
    uintToBytes(1_000_000),
    new Uint8Array(0),
    data,
  ])
  return Uint8Array.from([0x7e, ...body])
}

function accepted(opts: { number: bigint; firstSeenMs: number; txs?: Uint8Array[] }) {
  return {
    envelope: {
      payload: {
        blockNumber: opts.number,
        blockHash: new Uint8Array(32).fill(0xab),
        timestamp: 1_725_271_882n,
        transactions: opts.txs ?? [Uint8Array.of(0x7e, 1)],
      },
    },
    topic: '/optimism/8453/3/blocks',
    messageId: new Uint8Array(20),
    fromPeer: '16Uiu2HAm',
    firstSeenMs: opts.firstSeenMs,
    validatedMs: opts.firstSeenMs + 1,
  } as unknown as AcceptedBlock
}

describe('metrics / latencyLog', () => {
  it("formats a row exactly as Base's to_csv_line", () => {
    const row = latencyRowOf(
      accepted({ number: 42n, firstSeenMs: 1_725_271_882_500, txs: [new Uint8Array(1)] }),
      'ap-southeast',
    )
    expect(formatLatencyRow({ ...row, producedMillisPart: 200 })).toBe(
      `1725271882500000000,42,0x${'ab'.repeat(32)},1725271882,200,ap-southeast,16Uiu2HAm\n`,
    )
    expect(LATENCY_LOG_CSV_HEADER.split(',')).toEqual([
      'recv_wallclock_ns',
      'block_number',
      'block_hash',
      'produced_sec',
      'produced_millis_part',
      'region',
      'peer_id',
    ])
  })

  it('keeps sub-millisecond first-seen times exact in nanoseconds', () => {
    expect(msToNs(1_725_271_882_500.25)).toBe(1_725_271_882_500_250_000n)
    expect(msToNs(0)).toBe(0n)
  })

  it('reads the millisecond part from a BaseTime deposit at tx[1], else 0', () => {
    const l1Info = Uint8Array.of(0x7e, 0xc0)
    for (const millis of [0, 200, 400, 600, 800]) {
      expect(timestampMillisPart([l1Info, baseTimeDeposit(millis)])).toBe(millis)
    }
    // tx[1] missing, not a deposit, to another address, or cut short
    expect(timestampMillisPart([l1Info])).toBe(0)
    expect(timestampMillisPart([l1Info, baseTimeDeposit(400).slice(1)])).toBe(0)
    expect(timestampMillisPart([l1Info, baseTimeDeposit(400, new Uint8Array(20))])).toBe(0)
    expect(timestampMillisPart([l1Info, baseTimeDeposit(400).slice(0, -1)])).toBe(0)
    // the deposit at tx[2] does not count
    expect(timestampMillisPart([l1Info, l1Info, baseTimeDeposit(400)])).toBe(0)
  })

  describe('file', () => {
    let dir: string
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'latency-log-'))
    })
    afterEach(() => rmSync(dir, { recursive: true, force: true }))

    it('writes the header once into an empty file and appends to an existing one', async () => {
      const path = join(dir, 'latency.csv')
      const first = createLatencyLog({ path, region: 'eu' })
      await first.start()
      first.onBlock(accepted({ number: 1n, firstSeenMs: 1000 }))
      await first.stop()
      const second = createLatencyLog({ path, region: 'us' })
      await second.start()
      second.onBlock(
        accepted({
          number: 2n,
          firstSeenMs: 2000,
          txs: [Uint8Array.of(0x7e), baseTimeDeposit(600)],
        }),
      )
      await second.stop()
      const lines = readFileSync(path, 'utf8').split('\n')
      expect(lines).toEqual([
        LATENCY_LOG_CSV_HEADER,
        `1000000000,1,0x${'ab'.repeat(32)},1725271882,0,eu,16Uiu2HAm`,
        `2000000000,2,0x${'ab'.repeat(32)},1725271882,600,us,16Uiu2HAm`,
        '',
      ])
    })

    it('does not write a header into a file that already has content', async () => {
      const path = join(dir, 'latency.csv')
      writeFileSync(path, 'earlier\n')
      const log = createLatencyLog({ path, region: 'eu' })
      await log.start()
      await log.stop()
      expect(readFileSync(path, 'utf8')).toBe('earlier\n')
    })

    it('queues up to the limit and drops and counts rows past it, never blocking', async () => {
      const path = join(dir, 'latency.csv')
      const limit = 4
      const log = createLatencyLog({ path, region: 'eu', maxQueuedRows: limit })
      await log.start()
      // The first row starts a write at once; the queue then fills while it is in flight.
      for (let i = 0; i < 1 + limit + 3; i++) {
        log.onBlock(accepted({ number: BigInt(i), firstSeenMs: 1000 + i }))
      }
      expect(log.dropped).toBe(3)
      await log.flush()
      expect(log.written).toBe(1 + limit)
      log.onBlock(accepted({ number: 99n, firstSeenMs: 5000 }))
      await log.stop()
      expect(log.dropped).toBe(3)
      const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1)
      expect(rows.map((r) => r.split(',')[1])).toEqual(['0', '1', '2', '3', '4', '99'])
      expect(LATENCY_LOG_QUEUE_MAX_ROWS).toBe(8192)
    })

    it('refuses a region that would break the CSV', () => {
      expect(() => createLatencyLog({ path: join(dir, 'x.csv'), region: 'a,b' })).toThrow(/comma/)
    })
  })
})
