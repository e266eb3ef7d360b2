import { describe, expect, it } from 'vitest'
import {
  type BlockArrival,
  type NodeRecord,
  percentiles,
  quantileSorted,
  summarizeLatency,
} from '../../../src/devnet/latencyStats.ts'

const SEQ = 'seq'
const ZERO = { bytesSent: 0, bytesReceived: 0, duplicates: 0 }

function node(peerId: string, arrivals: BlockArrival[], end = ZERO): NodeRecord {
  return {
    peerId,
    countersAtStart: ZERO,
    countersAtEnd: end,
    arrivals,
    rssBytes: 100e6,
    cpuSeconds: 1.5,
  }
}

function arrival(
  blockHash: string,
  firstSeenMs: number,
  fromPeer: string,
  queueMs = 0,
  validationMs = 0,
): BlockArrival {
  return { blockHash, firstSeenMs, fromPeer, queueMs, validationMs }
}

describe('devnet / latencyStats', () => {
  it('quantiles use the nearest rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    expect(quantileSorted(sorted, 0.5)).toBe(5)
    expect(quantileSorted(sorted, 0.9)).toBe(9)
    expect(quantileSorted(sorted, 0.99)).toBe(10)
    expect(quantileSorted([], 0.5)).toBe(0)
    expect(percentiles([3, 1, 2])).toEqual({ p50: 2, p90: 3, p99: 3, max: 3 })
    expect(percentiles([])).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 })
  })

  it('computes end-to-end, per-hop and hop counts along the fromPeer chain', () => {
    // sequencer publishes at 1000; A gets it from the sequencer at 1004, B from A at 1010,
    // C from B at 1013: e2e 4, 10, 13; hops 4, 6, 3; hop counts 1, 2, 3.
    const { summary, samples } = summarizeLatency({
      sequencerPeerId: SEQ,
      blocks: [
        {
          blockHash: 'b1',
          number: 1,
          publishedMs: 1000,
          validationMs: 1.5,
          publishCallMs: 3.25,
          bytes: 100,
          compressedBytes: 80,
        },
      ],
      nodes: [
        node('A', [arrival('b1', 1004, SEQ, 1, 2)]),
        node('B', [arrival('b1', 1010, 'A', 0.5, 1)]),
        node('C', [arrival('b1', 1013, 'B')]),
      ],
    })
    expect(samples.e2eMs.sort((a, b) => a - b)).toEqual([4, 10, 13])
    expect(samples.hopMs.sort((a, b) => a - b)).toEqual([3, 4, 6])
    expect(summary.delivery).toBe(1)
    expect(summary.e2eMs).toEqual({ p50: 10, p90: 13, p99: 13, max: 13 })
    expect(summary.hops).toEqual({ p50: 2, p90: 3, p99: 3, max: 3 })
    // breakdown: sender queue/validation of A (1, 2), B (0.5, 1) and the sequencer (0 and its
    // 1.5 ms publish call)
    expect(summary.breakdown.senderQueueMs).toBe(0.5)
    expect(summary.breakdown.senderValidationMs).toBe(1.5)
    // transfer: 4 - 0 - 1.5, 6 - 1 - 2, 3 - 0.5 - 1 → median 2.5
    expect(summary.breakdown.transferMs).toBe(2.5)
    expect(summary.sequencerPublishMs).toEqual({ p50: 3.25, p90: 3.25, p99: 3.25, max: 3.25 })
    expect(summary.perBlock).toEqual([
      {
        number: 1,
        blockHash: 'b1',
        bytes: 100,
        compressedBytes: 80,
        received: 3,
        firstMs: 4,
        medianMs: 10,
        lastMs: 13,
      },
    ])
  })

  it('counts missing deliveries and ignores arrivals of unmeasured blocks', () => {
    const blocks = [
      { blockHash: 'b1', number: 1, publishedMs: 0, bytes: 100, compressedBytes: 50 },
      { blockHash: 'b2', number: 2, publishedMs: 1000, bytes: 300, compressedBytes: 150 },
    ]
    const { summary } = summarizeLatency({
      sequencerPeerId: SEQ,
      blocks,
      nodes: [
        node('A', [arrival('b0', 5, SEQ), arrival('b1', 5, SEQ), arrival('b2', 1002, SEQ)]),
        node('B', [arrival('b1', 7, SEQ)]),
      ],
    })
    expect(summary.nodes).toBe(2)
    expect(summary.blocks).toBe(2)
    expect(summary.delivery).toBe(0.75)
    expect(summary.blockBytes).toBe(200)
    expect(summary.perNode.map((n) => n.received)).toEqual([2, 1])
    expect(summary.perBlock.map((b) => b.received)).toEqual([2, 1])
  })

  it('turns counter differences into per-node per-block rates', () => {
    const { summary } = summarizeLatency({
      sequencerPeerId: SEQ,
      blocks: [
        { blockHash: 'b1', number: 1, publishedMs: 0, bytes: 1, compressedBytes: 1 },
        { blockHash: 'b2', number: 2, publishedMs: 0, bytes: 1, compressedBytes: 1 },
      ],
      nodes: [
        node('A', [], { bytesSent: 2000, bytesReceived: 4000, duplicates: 6 }),
        node('B', [], { bytesSent: 0, bytesReceived: 2000, duplicates: 2 }),
      ],
    })
    expect(summary.perNode[0]?.bytesPerBlock).toEqual({ sent: 1000, received: 2000 })
    expect(summary.perNode[0]?.duplicatesPerBlock).toBe(3)
    expect(summary.duplicatesPerNodePerBlock).toBe(2)
    expect(summary.bytesPerNodePerBlock).toEqual({ sent: 500, received: 1500 })
  })

  it('clamps clock jitter to zero and leaves hops from unknown peers out', () => {
    const { samples, summary } = summarizeLatency({
      sequencerPeerId: SEQ,
      blocks: [{ blockHash: 'b1', number: 1, publishedMs: 100, bytes: 1, compressedBytes: 1 }],
      nodes: [node('A', [arrival('b1', 99.99, SEQ)]), node('B', [arrival('b1', 120, 'outsider')])],
    })
    expect(samples.e2eMs).toEqual([0, 20])
    expect(samples.hopMs).toEqual([0])
    expect(summary.hops.max).toBe(1)
  })
})
