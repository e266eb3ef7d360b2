import { describe, expect, it } from 'vitest'
import {
  findReplayStart,
  REPLAY_SCAN_PAGE_ENTRIES,
  STREAM_START_ID,
} from '../../../src/redis/replayStart.ts'
import { encodeStreamEntry } from '../../../src/redis/streamEntry.ts'

/** A fake stream: entry `i` has ID `<i+1>-0` and block number `first + i`. */
function fakeStream(count: number, first: bigint) {
  const entries = Array.from({ length: count }, (_, i) => ({
    id: `${i + 1}-0`,
    fields: encodeStreamEntry({
      topic: '/optimism/901/3/blocks',
      data: new Uint8Array(1),
      blockNumber: first + BigInt(i),
      blockHash: `0x${'00'.repeat(32)}`,
      messageId: '00'.repeat(20),
      firstSeenMs: 0,
    }).map((f) => Buffer.from(f)),
  }))
  const calls: string[][] = []
  return {
    calls,
    async command(args: Array<string | Buffer>) {
      const [cmd, , end, , , count] = args.map(String)
      calls.push(args.map(String))
      if (cmd !== 'XREVRANGE') throw new Error(`unexpected ${cmd}`)
      const endSeq = end === '+' ? Number.POSITIVE_INFINITY : Number(end?.slice(1).split('-')[0])
      // '(' = exclusive: entries strictly before endSeq.
      const before = entries.filter((e) => Number(e.id.split('-')[0]) < endSeq || end === '+')
      return before
        .reverse()
        .slice(0, Number(count))
        .map((e) => [Buffer.from(e.id), e.fields])
    },
  }
}

describe('redis / replayStart', () => {
  it('replays from just after the entry of the EL head', async () => {
    const stream = fakeStream(10, 1n)
    expect(await findReplayStart(stream, 's', 7n)).toEqual({ kind: 'replay', afterId: '7-0' })
  })

  it('replays the whole stream when it starts right after the EL head', async () => {
    const stream = fakeStream(10, 5n)
    expect(await findReplayStart(stream, 's', 4n)).toEqual({
      kind: 'replay',
      afterId: STREAM_START_ID,
    })
  })

  it('says "behind" when the oldest entry is past the EL head + 1, and starts at the newest entry', async () => {
    const stream = fakeStream(10, 6n)
    expect(await findReplayStart(stream, 's', 4n)).toEqual({
      kind: 'behind',
      afterId: '9-0',
      oldestNumber: 6n,
      elHead: 4n,
    })
  })

  it('follows live from the newest entry without an EL head; an empty stream from the start', async () => {
    expect(await findReplayStart(fakeStream(3, 1n), 's', null)).toEqual({
      kind: 'live',
      afterId: '2-0',
    })
    expect(await findReplayStart(fakeStream(0, 1n), 's', 5n)).toEqual({
      kind: 'live',
      afterId: STREAM_START_ID,
    })
  })

  it('pages backwards REPLAY_SCAN_PAGE_ENTRIES at a time, exclusive of the last ID seen', async () => {
    const count = REPLAY_SCAN_PAGE_ENTRIES * 2 + 5
    const stream = fakeStream(count, 1n)
    expect(await findReplayStart(stream, 's', 3n)).toEqual({ kind: 'replay', afterId: '3-0' })
    expect(stream.calls.map((c) => c[2])).toEqual([
      '+',
      `(${count - REPLAY_SCAN_PAGE_ENTRIES + 1}-0`,
      `(${count - 2 * REPLAY_SCAN_PAGE_ENTRIES + 1}-0`,
    ])
  })
})
