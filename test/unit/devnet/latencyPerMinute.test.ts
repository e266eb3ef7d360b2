import { describe, expect, it } from 'vitest'
import { latencyPerMinute, MS_PER_MINUTE } from '../../../src/devnet/latencyPerMinute.ts'
import type { BlockArrival, PublishedBlock } from '../../../src/devnet/latencyStats.ts'

const T0 = 1_000_000

function block(k: number, publishedMs: number): PublishedBlock {
  return { blockHash: `0x${k}`, number: k, publishedMs, bytes: 1, compressedBytes: 1 }
}

function arrival(b: PublishedBlock, delayMs: number): BlockArrival {
  return {
    blockHash: b.blockHash,
    firstSeenMs: b.publishedMs + delayMs,
    fromPeer: 'seq',
    queueMs: 0,
    validationMs: 0,
  }
}

describe('devnet / latencyPerMinute', () => {
  it('groups blocks by minute from the first measured publish, p50 / p99 over all nodes', () => {
    // minute 1: blocks at 0 s and 59.999 s; minute 2: the block at exactly 60 s; minute 3: 150 s
    const blocks = [
      block(1, T0),
      block(2, T0 + MS_PER_MINUTE - 1),
      block(3, T0 + MS_PER_MINUTE),
      block(4, T0 + 150_000),
    ]
    const a = {
      arrivals: [arrival(blocks[0]!, 30), arrival(blocks[1]!, 10), arrival(blocks[2]!, 5)],
    }
    const b = {
      arrivals: [
        arrival(blocks[0]!, 20),
        arrival(blocks[1]!, 40),
        arrival(blocks[2]!, 7),
        arrival(blocks[3]!, 2.125),
        // not a measured block (warm-up): ignored
        { ...arrival(block(9, T0), 999), blockHash: '0xwarm' },
      ],
    }
    expect(latencyPerMinute(blocks, [a, b])).toEqual([
      { minute: 1, blocks: 2, e2eP50Ms: 20, e2eP99Ms: 40 },
      { minute: 2, blocks: 1, e2eP50Ms: 5, e2eP99Ms: 7 },
      { minute: 3, blocks: 1, e2eP50Ms: 2.13, e2eP99Ms: 2.13 },
    ])
  })

  it('keeps a minute whose blocks reached nobody (0 latency, counted blocks), and no blocks → []', () => {
    const blocks = [block(1, T0)]
    expect(latencyPerMinute(blocks, [{ arrivals: [] }])).toEqual([
      { minute: 1, blocks: 1, e2eP50Ms: 0, e2eP99Ms: 0 },
    ])
    expect(latencyPerMinute([], [])).toEqual([])
  })
})
