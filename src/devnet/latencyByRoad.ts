/**
 * `bench latency --transport`: delivery ratio and publish → first-seen latency per road
 * (gossip, Redis-only, gossip publishing to Redis), computed like the overall figures
 * (./latencyStats.ts) over each road's followers only, so the roads sit side by side.
 */
import type { DevnetRoad } from './ipcProtocol.ts'
import {
  type LatencyInput,
  type Percentiles,
  quantileSorted,
  summarizeLatency,
} from './latencyStats.ts'

/**
 * Where a road's end-to-end CDF is sampled for the report (fractions of its deliveries): enough
 * points for the curve's shape without keeping every sample in the result.
 */
export const ROAD_CDF_FRACTIONS: readonly number[] = [
  0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1,
]

export interface RoadCdfPoint {
  fraction: number
  /** publish → first seen, ms */
  value: number
}

export interface RoadLatency {
  /** Followers on this road */
  nodes: number
  /** Delivered (node, block) pairs over nodes × blocks on this road */
  delivery: number
  /** publish → first seen on this road */
  e2eMs: Percentiles
  /**
   * The same latencies at ROAD_CDF_FRACTIONS (empty when nothing was delivered); always set by
   * latencyByRoad, absent from result files written before it was kept
   */
  e2eCdf?: RoadCdfPoint[]
}

/** `samples` at ROAD_CDF_FRACTIONS, rounded to 0.01 ms like the percentiles. */
export function roadCdf(samples: readonly number[]): RoadCdfPoint[] {
  if (samples.length === 0) return []
  const sorted = Array.from(Float64Array.from(samples).sort())
  return ROAD_CDF_FRACTIONS.map((fraction) => ({
    fraction,
    value: Math.round(quantileSorted(sorted, fraction) * 100) / 100,
  }))
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
    const { summary, samples } = summarizeLatency({ ...input, nodes })
    out[road] = {
      nodes: nodes.length,
      delivery: summary.delivery,
      e2eMs: summary.e2eMs,
      e2eCdf: roadCdf(samples.e2eMs),
    }
  }
  return out
}
