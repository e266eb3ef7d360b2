/**
 * A synthetic `bench latency` run with realistic shape for report tests: a sequencer and
 * followers on a 1 s slot, most followers one hop from the sequencer (mesh D = 8) and the rest
 * two hops, latency growing with block size, a warm-up that decays over the first blocks, a
 * periodic slow block and one missed delivery. Deterministic (seeded), built through the real
 * summarizeLatency so every derived field is consistent.
 */
import { createRandom } from '../../../src/blocks/transactions.ts'
import type { LatencyBenchRun } from '../../../src/devnet/latencyBench.ts'
import { latencyPerMinute } from '../../../src/devnet/latencyPerMinute.ts'
import {
  type BlockArrival,
  type NodeRecord,
  type PublishedBlock,
  summarizeLatency,
} from '../../../src/devnet/latencyStats.ts'

export interface SyntheticRunOptions {
  /** @default 100_000 */
  blockBytes?: number
  /** @default 12 */
  nodes?: number
  /** @default 60 */
  blocks?: number
  /** Followers that hear from the sequencer directly. @default 8 */
  directPeers?: number
  /** Scales every latency (to make a "slower" run for comparisons). @default 1 */
  slowdown?: number
  /** @default 1 */
  seed?: number
}

const SEQUENCER = '12D3KooWSequencer0000000000000000000000000000000000'
const SLOT_MS = 1000
/** Every this many blocks, one is slow (a GC pause on the sequencer) */
const SLOW_BLOCK_EVERY = 17

const peerIdOf = (i: number) =>
  `12D3KooWFollower${String(i).padStart(3, '0')}xxxxxxxxxxxxxxxxxxxxxxxxxxxx`

export function syntheticLatencyRun(opts: SyntheticRunOptions = {}): LatencyBenchRun {
  const blockBytes = opts.blockBytes ?? 100_000
  const nodes = opts.nodes ?? 12
  const blockCount = opts.blocks ?? 60
  const direct = Math.min(nodes, opts.directPeers ?? 8)
  const slowdown = opts.slowdown ?? 1
  const rnd = createRandom((opts.seed ?? 1) * 7919 + blockBytes)
  // transfer ms and validation ms grow with the message size
  const transferMs = (0.8 + blockBytes / 40_000) * slowdown
  const validationMs = (0.6 + blockBytes / 80_000) * slowdown
  const compressedBytes = Math.round(blockBytes * 0.77)

  const blocks: PublishedBlock[] = Array.from({ length: blockCount }, (_, i) => ({
    blockHash: `0x${(i + 1).toString(16).padStart(64, '0')}`,
    number: 1000 + i,
    publishedMs: 1_700_000_000_000 + i * SLOT_MS,
    validationMs: validationMs * (0.9 + 0.2 * rnd()),
    publishCallMs: validationMs + 0.3 * direct,
    bytes: blockBytes + Math.round((rnd() - 0.5) * 200),
    compressedBytes,
  }))
  const arrivals: BlockArrival[][] = Array.from({ length: nodes }, () => [])
  blocks.forEach((b, i) => {
    const warmup = 1 + 3 * Math.exp(-i / 8)
    const slow = (i + 1) % SLOW_BLOCK_EVERY === 0 ? 2.5 : 1
    const seen: BlockArrival[] = []
    for (let n = 0; n < nodes; n++) {
      // one missed delivery: the last node never sees block 40
      if (n === nodes - 1 && i === 40) continue
      const queueMs = 0.05 + 0.3 * rnd() * rnd()
      const hop = transferMs * warmup * slow * (0.7 + 0.6 * rnd() + 0.4 * rnd() ** 6)
      const own = validationMs * (0.9 + 0.2 * rnd())
      let arrival: BlockArrival
      const sender =
        n < direct ? undefined : seen[Math.floor(rnd() * Math.min(direct, seen.length))]
      if (sender === undefined) {
        const seqValidation = b.validationMs ?? 0
        arrival = {
          blockHash: b.blockHash,
          firstSeenMs: b.publishedMs + seqValidation + hop,
          fromPeer: SEQUENCER,
          queueMs,
          validationMs: own,
        }
      } else {
        arrival = {
          blockHash: b.blockHash,
          firstSeenMs: sender.firstSeenMs + sender.queueMs + sender.validationMs + hop,
          fromPeer: peerIdOf(seen.indexOf(sender) + 1),
          queueMs,
          validationMs: own,
        }
      }
      seen.push(arrival)
      arrivals[n]?.push(arrival)
    }
  })
  const records: NodeRecord[] = arrivals.map((list, n) => ({
    peerId: peerIdOf(n + 1),
    countersAtStart: { bytesSent: 5_000_000, bytesReceived: 6_000_000, duplicates: 100 },
    countersAtEnd: {
      bytesSent: 5_000_000 + Math.round(blockCount * compressedBytes * (2.5 + rnd())),
      bytesReceived: 6_000_000 + Math.round(blockCount * compressedBytes * (3 + rnd())),
      duplicates: 100 + Math.round(blockCount * (2.5 + rnd())),
    },
    arrivals: list,
    rssBytes: Math.round((105 + 30 * rnd() + blockBytes / 100_000) * 1e6),
    cpuSeconds: blockCount * (0.03 + blockBytes / 2_000_000) * (0.8 + 0.4 * rnd()) * slowdown,
  }))
  const { summary, samples } = summarizeLatency({
    sequencerPeerId: SEQUENCER,
    blocks,
    nodes: records,
  })
  const { perNode, perBlock, ...rest } = summary
  return {
    result: {
      ...rest,
      blockTime: SLOT_MS / 1000,
      mesh: { d: 8, lo: 6, hi: 12 },
      network: 'loopback',
      compiled: true,
      machine: { cores: 2, loadAverage: { start: 1.1, end: 1.6 } },
      perNode: perNode.map((p, k) => ({
        index: k + 1,
        ...p,
        cpuMsPerBlock: Math.round(((p.cpuSeconds * 1000) / blockCount - 8) * 1000) / 1000,
        idleCpuMsPerSecond: 8,
      })),
      cpuMsPerBlock: 30,
      idleCpuMsPerSecond: 8,
      perMinute: latencyPerMinute(blocks, records),
      sequencer: {
        rssBytes: 150e6,
        cpuSeconds: blockCount * 0.05,
        bytesSentPerBlock: 8 * compressedBytes,
      },
      perBlock,
    },
    samples,
  }
}
