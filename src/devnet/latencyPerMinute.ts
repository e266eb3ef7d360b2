/**
 * Delivery latency per minute of a `bench latency` run, so warm-up shows: V8 optimizes the
 * per-message path over minutes, and a node that starts cold is slower in its first minute.
 * Minutes count from the first measured publish (minute 1 holds the blocks published in its
 * first 60 s). Pure: tested on hand-made inputs.
 */
import { type BlockArrival, type PublishedBlock, percentiles } from './latencyStats.ts'

export const MS_PER_MINUTE = 60_000

export interface MinuteLatency {
  /** 1 for the first minute of the measured window */
  minute: number
  /** Blocks published in this minute */
  blocks: number
  /** publish → first seen over every (node, block) pair of this minute's blocks, ms */
  e2eP50Ms: number
  e2eP99Ms: number
}

const round2 = (x: number) => Math.round(x * 100) / 100

export function latencyPerMinute(
  blocks: readonly PublishedBlock[],
  nodes: ReadonlyArray<{ arrivals: readonly BlockArrival[] }>,
): MinuteLatency[] {
  const first = blocks[0]
  if (first === undefined) return []
  const minuteOf = new Map<string, number>()
  const byMinute = new Map<number, { blocks: number; delays: number[] }>()
  const published = new Map<string, PublishedBlock>()
  for (const b of blocks) {
    const minute = Math.floor((b.publishedMs - first.publishedMs) / MS_PER_MINUTE) + 1
    minuteOf.set(b.blockHash, minute)
    published.set(b.blockHash, b)
    const entry = byMinute.get(minute) ?? { blocks: 0, delays: [] }
    entry.blocks++
    byMinute.set(minute, entry)
  }
  for (const node of nodes) {
    for (const a of node.arrivals) {
      const block = published.get(a.blockHash)
      if (block === undefined) continue
      const entry = byMinute.get(minuteOf.get(a.blockHash) as number)
      entry?.delays.push(Math.max(0, a.firstSeenMs - block.publishedMs))
    }
  }
  return [...byMinute.entries()]
    .sort(([a], [b]) => a - b)
    .map(([minute, { blocks: count, delays }]) => {
      const p = percentiles(delays)
      return { minute, blocks: count, e2eP50Ms: round2(p.p50), e2eP99Ms: round2(p.p99) }
    })
}
