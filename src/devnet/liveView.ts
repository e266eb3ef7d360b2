/**
 * The text `op-gossip devnet` shows while it runs: one line per block once every follower has it
 * (or once it is overdue), and a periodic peers / mesh line. Pure formatting and bookkeeping;
 * the CLI prints the lines.
 */
import type { PublishedEvent } from './devnet.ts'
import type {
  FollowerCaughtUpEvent,
  FollowerRestartedEvent,
  FollowerStoppedEvent,
} from './followerRestart.ts'
import { quantileSorted } from './latencyStats.ts'
import type { DevnetNode } from './nodeChild.ts'

/** Blocks tracked at once; older ones are reported as they are pushed out. */
export const MAX_TRACKED_BLOCKS = 64

interface Tracked {
  published: PublishedEvent
  delays: number[]
  /** Followers that got it */
  nodes: Set<number>
}

function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`
}

function ms(x: number | undefined): string {
  return x === undefined ? '-' : `${x.toFixed(1)} ms`
}

/** A block's delivery as far as the devnet saw it. */
export interface BlockReport {
  published: PublishedEvent
  /** publish → first seen, per follower that got it, ascending, ms */
  delays: number[]
  followers: number
}

/** The JSON form of a block report (`op-gossip devnet --json`). */
export function blockReportJson(r: BlockReport) {
  const round = (x: number | undefined) => (x === undefined ? null : Math.round(x * 100) / 100)
  return {
    number: r.published.number,
    blockHash: r.published.blockHash,
    bytes: r.published.bytes,
    compressedBytes: r.published.compressedBytes,
    txs: r.published.txs,
    received: r.delays.length,
    followers: r.followers,
    firstMs: round(r.delays[0]),
    medianMs: r.delays.length === 0 ? null : round(quantileSorted(r.delays, 0.5)),
    lastMs: round(r.delays[r.delays.length - 1]),
  }
}

/** One block's line: number, size, time to the first / median / last follower. */
export function formatBlockLine(r: BlockReport): string {
  const b = r.published
  const sorted = r.delays
  const followers = r.followers
  const missing = followers - sorted.length
  return [
    `#${String(b.number).padEnd(6)}`,
    `${kb(b.bytes).padStart(9)} (${kb(b.compressedBytes)} snappy, ${b.txs} txs)`,
    `first ${ms(sorted[0]).padStart(9)}`,
    `median ${ms(sorted.length === 0 ? undefined : quantileSorted(sorted, 0.5)).padStart(9)}`,
    `last ${ms(sorted[sorted.length - 1]).padStart(9)}`,
    `${sorted.length}/${followers} nodes${missing > 0 ? ` (${missing} missing)` : ''}`,
  ].join('  ')
}

function range(values: number[]): string {
  if (values.length === 0) return '-'
  const min = Math.min(...values)
  const max = Math.max(...values)
  return min === max ? String(min) : `${min}-${max}`
}

/** Peers, mesh sizes and memory over all live nodes. */
export function formatMeshLine(nodes: readonly DevnetNode[]): string {
  const live = nodes.filter((n) => !n.exited && n.stats !== null)
  const followers = live.filter((n) => n.role === 'follower')
  const seq = live.find((n) => n.role === 'sequencer')
  const rss = Math.max(0, ...live.map((n) => n.stats?.counters.rssBytes ?? 0))
  const down = nodes.filter((n) => n.exited || n.stopped).length
  const elHeads = live.flatMap((n) => (n.elHead === null ? [] : [n.elHead]))
  return [
    `peers ${range(followers.map((n) => n.stats?.peers ?? 0))} per follower`,
    `mesh ${range(followers.map((n) => n.stats?.mesh ?? 0))}`,
    `sequencer peers ${seq?.stats?.peers ?? '-'} mesh ${seq?.stats?.mesh ?? '-'}`,
    `max RSS ${(rss / 1e6).toFixed(0)} MB`,
    ...(elHeads.length > 0 ? [`EL heads ${range(elHeads)}`] : []),
    ...(down > 0 ? [`${down} node(s) down`] : []),
  ].join(' · ')
}

/** What each road means in the live view (devnet --redis). */
const ROAD_LABELS = {
  gossip: 'gossip',
  redis: 'Redis only',
  'gossip+redis': 'gossip, publishing to Redis',
} as const

/** Which followers use which road, e.g. `roads: gossip 3 · Redis only 2 · ...`. */
export function formatRoadsLine(followers: readonly Pick<DevnetNode, 'index' | 'road'>[]): string {
  const parts = (Object.keys(ROAD_LABELS) as (keyof typeof ROAD_LABELS)[]).flatMap((road) => {
    const nodes = followers.filter((n) => n.road === road).map((n) => n.index)
    return nodes.length === 0 ? [] : [`${ROAD_LABELS[road]}: ${nodes.join(', ')}`]
  })
  return `followers by road · ${parts.join(' · ')}`
}

/** The live-view line of a follower restart event (`--restart-follower`). */
export function formatFollowerLine(
  event:
    | ({ type: 'follower-stopped' } & FollowerStoppedEvent)
    | ({ type: 'follower-restarted' } & FollowerRestartedEvent)
    | ({ type: 'follower-caught-up' } & FollowerCaughtUpEvent),
): string {
  switch (event.type) {
    case 'follower-stopped':
      return `~ follower ${event.node} stopped at EL head ${event.elHead ?? '-'} (sequencer at #${event.sequencerHead}); its el-sim keeps running`
    case 'follower-restarted':
      return `~ follower ${event.node} restarted in ${event.startMs} ms, ${event.gapBlocks} blocks behind (EL head ${event.elHead ?? '-'}, sequencer at #${event.sequencerHead})`
    case 'follower-caught-up':
      return `~ follower ${event.node} caught up ${event.gapBlocks} blocks in ${(event.catchUpMs / 1000).toFixed(2)} s (EL head #${event.head} = sequencer's)`
  }
}

/** Collects arrivals per block and yields each block's report exactly once. */
export class BlockProgress {
  private readonly tracked = new Map<string, Tracked>()
  /**
   * Arrivals of blocks whose `published` report is not in yet: the sequencer reports after its
   * publish call returns, over its own IPC channel, so a fast follower's report can come first.
   */
  private readonly early = new Map<string, Map<number, number>>()
  private readonly followers: number

  constructor(followers: number) {
    this.followers = followers
  }

  /**
   * Starts tracking a block; returns reports of blocks pushed out by the size bound, and this
   * block's own when every follower reported it already.
   */
  onPublished(p: PublishedEvent): BlockReport[] {
    const t: Tracked = { published: p, delays: [], nodes: new Set() }
    this.tracked.set(p.blockHash, t)
    const out: BlockReport[] = []
    while (this.tracked.size > MAX_TRACKED_BLOCKS) {
      const [hash] = this.tracked.keys()
      if (hash === undefined) break
      out.push(this.finish(hash))
    }
    const early = this.early.get(p.blockHash)
    this.early.delete(p.blockHash)
    for (const [node, firstSeenMs] of early ?? []) {
      const r = this.onArrival(node, p.blockHash, firstSeenMs)
      if (r !== null) out.push(r)
    }
    return out
  }

  /** Records one follower's first sight; returns the block's report once every follower has it. */
  onArrival(nodeIndex: number, blockHash: string, firstSeenMs: number): BlockReport | null {
    const t = this.tracked.get(blockHash)
    if (t === undefined) {
      this.rememberEarly(nodeIndex, blockHash, firstSeenMs)
      return null
    }
    if (t.nodes.has(nodeIndex)) return null
    t.nodes.add(nodeIndex)
    t.delays.push(Math.max(0, firstSeenMs - t.published.publishedMs))
    return t.nodes.size >= this.followers ? this.finish(blockHash) : null
  }

  private rememberEarly(nodeIndex: number, blockHash: string, firstSeenMs: number): void {
    let byNode = this.early.get(blockHash)
    if (byNode === undefined) {
      // Bounded like `tracked`: blocks never announced (another sequencer?) age out.
      while (this.early.size >= MAX_TRACKED_BLOCKS) {
        const [oldest] = this.early.keys()
        if (oldest === undefined) break
        this.early.delete(oldest)
      }
      byNode = new Map()
      this.early.set(blockHash, byNode)
    }
    if (!byNode.has(nodeIndex)) byNode.set(nodeIndex, firstSeenMs)
  }

  /** Reports of blocks published more than `overdueMs` before `nowMs` that some follower lacks. */
  flushOverdue(nowMs: number, overdueMs: number): BlockReport[] {
    const out: BlockReport[] = []
    for (const [hash, t] of this.tracked) {
      if (nowMs - t.published.publishedMs > overdueMs) out.push(this.finish(hash))
    }
    return out
  }

  /** Reports of every block still tracked (at shutdown). */
  flushAll(): BlockReport[] {
    return [...this.tracked.keys()].map((hash) => this.finish(hash))
  }

  private finish(hash: string): BlockReport {
    const t = this.tracked.get(hash) as Tracked
    this.tracked.delete(hash)
    return {
      published: t.published,
      delays: t.delays.sort((a, b) => a - b),
      followers: this.followers,
    }
  }
}
