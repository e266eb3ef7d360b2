import { describe, expect, it } from 'vitest'
import { latencyByRoad, ROAD_CDF_FRACTIONS, roadCdf } from '../../../src/devnet/latencyByRoad.ts'
import type { BlockArrival, NodeRecord, PublishedBlock } from '../../../src/devnet/latencyStats.ts'

const COUNTERS = { bytesSent: 0, bytesReceived: 0, duplicates: 0 }
const BLOCKS: PublishedBlock[] = [
  { blockHash: '0x01', number: 1, publishedMs: 1000, bytes: 100, compressedBytes: 80 },
  { blockHash: '0x02', number: 2, publishedMs: 2000, bytes: 100, compressedBytes: 80 },
]

function arrival(blockHash: string, firstSeenMs: number, fromPeer: string): BlockArrival {
  return { blockHash, firstSeenMs, fromPeer, queueMs: 0, validationMs: 1 }
}

function node(peerId: string, arrivals: BlockArrival[]): NodeRecord {
  return {
    peerId,
    countersAtStart: COUNTERS,
    countersAtEnd: COUNTERS,
    arrivals,
    rssBytes: 0,
    cpuSeconds: 0,
  }
}

describe('devnet / latencyByRoad', () => {
  it("gives each road its own delivery ratio and latency, over that road's followers only", () => {
    const nodes = [
      node('pub', [arrival('0x01', 1004, 'seq'), arrival('0x02', 2004, 'seq')]),
      node('r1', [arrival('0x01', 1020, 'redis'), arrival('0x02', 2030, 'redis')]),
      node('r2', [arrival('0x01', 1040, 'redis')]),
      node('g', [arrival('0x01', 1006, 'seq'), arrival('0x02', 2006, 'seq')]),
    ]
    const roads = latencyByRoad({ sequencerPeerId: 'seq', blocks: BLOCKS, nodes }, [
      'gossip+redis',
      'redis',
      'redis',
      'gossip',
    ])
    expect(Object.keys(roads)).toEqual(['gossip', 'redis', 'gossip+redis'])
    expect(roads.gossip).toMatchObject({ nodes: 1, delivery: 1, e2eMs: { p50: 6, max: 6 } })
    expect(roads['gossip+redis']).toMatchObject({ nodes: 1, delivery: 1, e2eMs: { max: 4 } })
    // 3 of 4 (node, block) pairs on the Redis road; its slowest delivery is 40 ms
    expect(roads.redis).toMatchObject({ nodes: 2, delivery: 0.75, e2eMs: { max: 40 } })
    // each road's CDF comes from its own deliveries: 20, 30 and 40 ms on the Redis road
    expect(roads.redis?.e2eCdf?.map((p) => p.value)).toEqual(
      ROAD_CDF_FRACTIONS.map((f) => (f <= 1 / 3 ? 20 : f <= 2 / 3 ? 30 : 40)),
    )
    expect(roads.gossip?.e2eCdf?.every((p) => p.value === 6)).toBe(true)
  })

  it('samples the CDF at each fraction, from the fastest to the slowest delivery, rounded', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i + 0.123)
    const cdf = roadCdf(samples)
    expect(cdf.map((p) => p.fraction)).toEqual(ROAD_CDF_FRACTIONS)
    expect(cdf[0]).toEqual({ fraction: 0, value: 1.12 })
    expect(cdf.find((p) => p.fraction === 0.5)?.value).toBe(50.12)
    expect(cdf.find((p) => p.fraction === 0.99)?.value).toBe(99.12)
    expect(cdf.at(-1)).toEqual({ fraction: 1, value: 100.12 })
    expect(roadCdf([])).toEqual([])
  })

  it('leaves out roads no follower takes (a gossip-only bench)', () => {
    const nodes = [node('g', [arrival('0x01', 1005, 'seq')])]
    const roads = latencyByRoad({ sequencerPeerId: 'seq', blocks: BLOCKS, nodes }, ['gossip'])
    expect(Object.keys(roads)).toEqual(['gossip'])
    expect(roads.gossip).toMatchObject({ nodes: 1, delivery: 0.5 })
  })
})
