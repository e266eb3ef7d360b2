/**
 * `bench latency --transport`: delivery ratio and publish → first-seen latency per road
 * (gossip, Redis-only, gossip publishing to Redis), computed like the overall figures
 * (./latencyStats.ts) over each road's followers only, so the roads sit side by side.
 */
import type { DevnetRoad } from './ipcProtocol.ts'
import { type LatencyInput, type Percentiles, summarizeLatency } from './latencyStats.ts'

export interface RoadLatency {
  /** Followers on this road */
  nodes: number
  /** Delivered (node, block) pairs over nodes × blocks on this road */
  delivery: number
  /** publish → first seen on this road */
  e2eMs: Percentiles
}

/** Every road's figures, in DEVNET_ROADS order; a road without followers is left out. */
export type LatencyByRoad = Partial<Record<DevnetRoad, RoadLatency>>

/** Roads in the order tables list them. */
export const DEVNET_ROADS: readonly DevnetRoad[] = ['gossip', 'redis', 'gossip+redis']

/** `roads[k]` is the road of `input.nodes[k]`. */
export function latencyByRoad(input: LatencyInput, roads: readonly DevnetRoad[]): LatencyByRoad {
  const out: LatencyByRoad = {}
  for (const road of DEVNET_ROADS) {
    const nodes = input.nodes.filter((_, k) => roads[k] === road)
    if (nodes.length === 0) continue
    const { summary } = summarizeLatency({ ...input, nodes })
    out[road] = { nodes: nodes.length, delivery: summary.delivery, e2eMs: summary.e2eMs }
  }
  return out
}
