/**
 * `op-gossip bench latency`: runs a devnet for a fixed number of blocks per block size and
 * measures gossip delivery. For each size the sequencer first publishes a few warm-up blocks
 * (`warmupBlocks`: caches, JIT and the mesh settle; the first one may still have the previous
 * size), then `blocks` measured blocks. Counters (bytes, duplicates, CPU) are snapshotted half a
 * slot before the first measured publish and half a slot after the last one, so the window holds
 * exactly `blocks` slots. Arrivals of measured blocks are collected until `settleMs` after the
 * last publish, so a late delivery still counts (with its real latency).
 *
 * CPU per block: once the mesh formed and before the first block, and again once the last block
 * settled, every node's CPU is read over an idle window (`idleWindowMs`); a node's idle rate is the
 * lower of the two, and its `cpuMsPerBlock` is its CPU over the measured window minus that idle
 * rate over the same time, per block (src/devnet/cpuPerBlock.ts). Latency is also
 * reported per minute of the window (src/devnet/latencyPerMinute.ts), so warm-up is visible, and
 * every node's validation and outbound backlogs over the window show whether a queue grows
 * (src/devnet/latencyQueues.ts). No EL runs behind the nodes here, so there is no engine buffer
 * to watch.
 */

import { cpus, loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuMsPerBlock, idleRate } from './cpuPerBlock.ts'
import { type Devnet, NODES_RUN_COMPILED, type PublishedEvent } from './devnet.ts'
import type { DevnetTransport } from './devnetPlan.ts'
import { cpuReading, measureIdleCpu, measureQuietWindow } from './idleCpuWindows.ts'
import type { BlockEvent, NodeStats } from './ipcProtocol.ts'
import { type LatencyByRoad, latencyByRoad } from './latencyByRoad.ts'
import { latencyPerMinute, type MinuteLatency } from './latencyPerMinute.ts'
import {
  createQueueRecorder,
  type NodeQueues,
  type QueueGrowth,
  type QueueRecorder,
  queueGrowth,
} from './latencyQueues.ts'
import {
  type BlockArrival,
  type LatencySamples,
  type LatencySummary,
  type NodeCounters,
  type NodeRecord,
  type PublishedBlock,
  summarizeLatency,
} from './latencyStats.ts'
import type { DevnetNode } from './nodeChild.ts'

/** @default decompressed block size, bytes (about a busy OP Mainnet block) */
export const DEFAULT_BENCH_BLOCK_BYTES = 100_000
/** @default measured blocks per size */
export const DEFAULT_BENCH_BLOCKS = 60
/** @default follower nodes */
export const DEFAULT_BENCH_NODES = 12
/** @default seconds between blocks */
export const DEFAULT_BENCH_BLOCK_TIME_SECONDS = 1
/** @default blocks published (and not measured) before each size's window */
export const DEFAULT_WARMUP_BLOCKS = 3
/** @default how long after the last publish arrivals still count, ms */
export const DEFAULT_SETTLE_MS = 3000
/** How long to wait for every node's mesh before measuring anyway, ms */
export const MESH_WAIT_MS = 60_000
/** @default quiet window (mesh formed, no blocks) over which idle CPU is measured, ms */
export const DEFAULT_IDLE_CPU_WINDOW_MS = 5000
/** Longest wait for the CPU rate to stop falling before measuring idle anyway, ms */
export const IDLE_CPU_QUIET_MAX_MS = 60_000

export interface LatencyBenchOptions {
  /** Decompressed sizes, one measured run each */
  blockBytes: number[]
  blocks: number
  /** @default DEFAULT_WARMUP_BLOCKS */
  warmupBlocks?: number
  /** @default DEFAULT_SETTLE_MS */
  settleMs?: number
  /** @default DEFAULT_IDLE_CPU_WINDOW_MS */
  idleWindowMs?: number
  /** Longest wait for start-up work to end before the idle window, ms. @default IDLE_CPU_QUIET_MAX_MS */
  startUpMaxMs?: number
  /**
   * Seconds between the sequencer's blocks, when the devnet was started with a fractional block
   * time (the chain's block_time stays whole). @default devnet.chain.blockTime
   */
  blockTimeSeconds?: number
  /** Called with one-line progress messages */
  onProgress?: (message: string) => void
}

/** The per-size result: the documented JSON of `bench latency --json`. */
export interface LatencyBenchResult
  extends Omit<LatencySummary, 'perNode' | 'perBlock' | 'duplicatesPerNodePerBlock'> {
  /** Duplicate copies received per node per block; null when the host cannot count them */
  duplicatesPerNodePerBlock: number | null
  /** Seconds between blocks (a fraction for sub-second blocks) */
  blockTime: number
  /**
   * Largest validation and outbound backlogs over the followers in the window, and at its end
   * (./latencyQueues.ts); always set by runLatencyBench (absent in older result files, and the
   * outbound figures too before they were measured)
   */
  queues?: QueueGrowth
  mesh: { d: number; lo: number; hi: number }
  network: string
  /** Node processes ran the compiled build (`npm run build`), not the TypeScript sources */
  compiled: boolean
  /** CPU cores and the 1-minute load average when the window started and ended */
  machine: { cores: number; loadAverage: { start: number; end: number } }
  perNode: Array<
    LatencySummary['perNode'][number] & { index: number } & NodeCpuCost & { queues?: NodeQueues }
  >
  /** Mean over followers of their CPU ms per block (idle taken out); null when not measured */
  cpuMsPerBlock: number | null
  /** Mean over followers of their idle CPU ms per second; null when not measured */
  idleCpuMsPerSecond: number | null
  /** e2e latency per minute of the measured window (warm-up shows in the first minutes) */
  perMinute: MinuteLatency[]
  sequencer: {
    rssBytes: number
    cpuSeconds: number
    bytesSentPerBlock: number | null
    /** Its queues, the outbound ones to every mesh peer above all; always set by runLatencyBench */
    queues?: NodeQueues
  }
  perBlock: LatencySummary['perBlock']
  /** How the followers got blocks (`--transport`); always set by runLatencyBench */
  transport?: DevnetTransport
  /** Delivery and latency per road, side by side (./latencyByRoad.ts); always set by runLatencyBench */
  roads?: LatencyByRoad
}

/** A follower's CPU cost (src/devnet/cpuPerBlock.ts) */
export interface NodeCpuCost {
  /** CPU ms per block with blocks flowing, minus the idle rate; null when not measured */
  cpuMsPerBlock: number | null
  /** CPU ms per second when idle: the lower of the two windows below; null when not measured */
  idleCpuMsPerSecond: number | null
  /** CPU ms per second over the idle window before the first block; null when not measured */
  idleCpuMsPerSecondBefore?: number | null
  /** CPU ms per second over the idle window after the last block settled; null when not measured */
  idleCpuMsPerSecondAfter?: number | null
}

export interface LatencyBenchRun {
  result: LatencyBenchResult
  samples: LatencySamples
}

interface Window {
  size: number
  loadStart: number
  loadEnd: number
  blocks: PublishedBlock[]
  queues: QueueRecorder
  start: Map<number, NodeStats>
  end: Map<number, NodeStats>
  /** When the start / end snapshots were requested (performance.now()) */
  startAtMs: number
  endAtMs: number
}

const EMPTY_COUNTERS: NodeCounters = {
  bytesSent: 0,
  bytesReceived: 0,
  duplicates: 0,
}

function counters(s: NodeStats | undefined): NodeCounters {
  if (s === undefined) return EMPTY_COUNTERS
  return {
    bytesSent: s.counters.bytesSent ?? 0,
    bytesReceived: s.counters.bytesReceived ?? 0,
    duplicates: s.counters.duplicates ?? 0,
  }
}

/** Mean rounded to 3 decimals; null when any value is unknown (or there is none). */
function meanOrNull(values: ReadonlyArray<number | null>): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null
  const sum = (values as number[]).reduce((a, b) => a + b, 0)
  return Math.round((sum / values.length) * 1000) / 1000
}

/**
 * Runs the measurement on a started devnet (the caller starts and stops it). Block production
 * must be paused when this is called; it is paused again when this returns.
 */
export async function runLatencyBench(
  devnet: Devnet,
  opts: LatencyBenchOptions & {
    network: string
    mesh: LatencyBenchResult['mesh']
    /** @default 'gossip' */
    transport?: DevnetTransport
  },
): Promise<LatencyBenchRun[]> {
  const progress = opts.onProgress ?? (() => {})
  const warmup = opts.warmupBlocks ?? DEFAULT_WARMUP_BLOCKS
  if (!Number.isInteger(warmup) || warmup < 1) throw new RangeError('warmupBlocks must be >= 1')
  if (!Number.isInteger(opts.blocks) || opts.blocks < 1) throw new RangeError('blocks must be >= 1')
  const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS
  const idleWindowMs = opts.idleWindowMs ?? DEFAULT_IDLE_CPU_WINDOW_MS
  const blockTime = opts.blockTimeSeconds ?? devnet.chain.blockTime
  const slotMs = blockTime * 1000
  const followers = devnet.followers
  const arrivals = new Map<number, BlockArrival[]>(followers.map((n) => [n.index, []]))
  const onBlock = ({ node, block }: { node: DevnetNode; block: BlockEvent }) => {
    arrivals.get(node.index)?.push({
      blockHash: block.blockHash,
      firstSeenMs: block.firstSeenMs,
      fromPeer: block.fromPeer,
      queueMs: block.queueMs,
      validationMs: block.validationMs,
    })
  }
  devnet.events.on('block', onBlock)
  let queueRecorder: QueueRecorder | null = null
  const onStats = (node: DevnetNode) => {
    if (node.stats !== null) queueRecorder?.record(node.index, node.stats)
  }
  devnet.events.on('stats', onStats)

  const meshed = await devnet.waitForMesh(MESH_WAIT_MS)
  progress(
    meshed
      ? 'mesh formed on every node'
      : `some nodes have fewer than ${Math.min(opts.mesh.lo, followers.length)} mesh peers after ${MESH_WAIT_MS / 1000} s; measuring anyway`,
  )

  const windows: Window[] = []
  let idleCpu = new Map<number, number>()
  let idleCpuAfter = new Map<number, number>()
  try {
    idleCpu = await measureIdleCpu(
      devnet,
      idleWindowMs,
      opts.startUpMaxMs ?? IDLE_CPU_QUIET_MAX_MS,
      progress,
    )
    for (const size of opts.blockBytes) {
      windows.push(await measureSize(size))
    }
    devnet.pause()
    await sleep(settleMs)
    progress(`idle CPU again: ${idleWindowMs / 1000} s after the last block`)
    idleCpuAfter = await measureQuietWindow(devnet, idleWindowMs)
  } finally {
    devnet.events.off('block', onBlock)
    devnet.events.off('stats', onStats)
  }

  async function measureSize(size: number): Promise<Window> {
    const blocks: PublishedBlock[] = []
    const windowQueues = createQueueRecorder()
    let seen = 0
    let start: Promise<Map<number, NodeStats>> | null = null
    let startAtMs = 0
    let endAtMs = 0
    let loadStart = 0
    let done: (end: Promise<Map<number, NodeStats>>) => void = () => {}
    const finished = new Promise<Promise<Map<number, NodeStats>>>((resolve) => {
      done = resolve
    })
    const onPublished = (p: PublishedEvent) => {
      seen++
      if (seen === warmup) {
        setTimeout(() => {
          loadStart = loadavg()[0] as number
          startAtMs = performance.now()
          queueRecorder = windowQueues // periodic stats count from here to the end snapshot
          start = devnet.snapshot()
        }, slotMs / 2)
      } else if (seen > warmup && seen <= warmup + opts.blocks) {
        blocks.push({
          blockHash: p.blockHash,
          number: p.number,
          publishedMs: p.publishedMs,
          ...(p.validationMs === null ? {} : { validationMs: p.validationMs }),
          publishCallMs: p.publishCallMs,
          bytes: p.bytes,
          compressedBytes: p.compressedBytes,
        })
        if (blocks.length % 10 === 0 || blocks.length === opts.blocks) {
          progress(`${size} B: ${blocks.length}/${opts.blocks} blocks`)
        }
        if (seen === warmup + opts.blocks) {
          setTimeout(() => {
            endAtMs = performance.now()
            queueRecorder = null
            done(devnet.snapshot())
          }, slotMs / 2)
        }
      }
    }
    devnet.events.on('published', onPublished)
    progress(`${size} B: ${warmup} warm-up blocks, then ${opts.blocks} measured`)
    devnet.produce({ blockBytes: size })
    const end = await finished
    const loadEnd = loadavg()[0] as number
    devnet.events.off('published', onPublished)
    const startStats = await (start ?? new Map<number, NodeStats>())
    for (const [index, s] of startStats) windowQueues.record(index, s)
    return {
      size,
      blocks,
      queues: windowQueues,
      loadStart,
      loadEnd,
      start: startStats,
      end: await end,
      startAtMs,
      endAtMs,
    }
  }

  function cpuCost(w: Window, index: number): NodeCpuCost {
    const before = idleCpu.get(index) ?? null
    const after = idleCpuAfter.get(index) ?? null
    const idle = idleRate(before, after)
    const start = cpuReading(w.start.get(index), w.startAtMs)
    const end = cpuReading(w.end.get(index), w.endAtMs)
    return {
      cpuMsPerBlock:
        start === null || end === null
          ? null
          : cpuMsPerBlock({ start, end, blocks: w.blocks.length }, idle),
      idleCpuMsPerSecond: idle,
      idleCpuMsPerSecondBefore: before,
      idleCpuMsPerSecondAfter: after,
    }
  }

  return windows.map((w) => {
    const nodes: NodeRecord[] = followers.map((n) => {
      const s = w.start.get(n.index)
      const e = w.end.get(n.index)
      return {
        peerId: n.peerId,
        countersAtStart: counters(s),
        countersAtEnd: counters(e),
        arrivals: arrivals.get(n.index) ?? [],
        // Peak over the node's life (periodic stats), the end snapshot included
        rssBytes: Math.max(n.peakRssBytes, e?.counters.rssBytes ?? 0),
        cpuSeconds:
          s !== undefined && e !== undefined ? e.counters.cpuSeconds - s.counters.cpuSeconds : 0,
      }
    })
    const input = { sequencerPeerId: devnet.sequencer.peerId, blocks: w.blocks, nodes }
    const { summary, samples } = summarizeLatency(input)
    const ss = w.start.get(0)
    const se = w.end.get(0)
    const seqSent =
      ss?.counters.bytesSent != null && se?.counters.bytesSent != null
        ? Math.round((se.counters.bytesSent - ss.counters.bytesSent) / Math.max(1, w.blocks.length))
        : null
    const { perNode, perBlock, ...rest } = summary
    const duplicatesCounted = followers.every(
      (n) => w.end.get(n.index)?.counters.duplicates != null,
    )
    const costs = followers.map((n) => cpuCost(w, n.index))
    const queues = followers.map((n) => w.queues.node(n.index, w.end.get(n.index)))
    const result: LatencyBenchResult = {
      ...rest,
      duplicatesPerNodePerBlock: duplicatesCounted ? rest.duplicatesPerNodePerBlock : null,
      blockTime,
      queues: queueGrowth(queues),
      mesh: opts.mesh,
      network: opts.network,
      compiled: NODES_RUN_COMPILED,
      machine: { cores: cpus().length, loadAverage: { start: w.loadStart, end: w.loadEnd } },
      perNode: perNode.map((p, k) => ({
        index: (followers[k] as DevnetNode).index,
        ...p,
        ...(costs[k] as NodeCpuCost),
        queues: queues[k] as NodeQueues,
      })),
      cpuMsPerBlock: meanOrNull(costs.map((c) => c.cpuMsPerBlock)),
      idleCpuMsPerSecond: meanOrNull(costs.map((c) => c.idleCpuMsPerSecond)),
      perMinute: latencyPerMinute(w.blocks, nodes),
      sequencer: {
        rssBytes: Math.max(devnet.sequencer.peakRssBytes, se?.counters.rssBytes ?? 0),
        cpuSeconds:
          ss !== undefined && se !== undefined
            ? Math.round((se.counters.cpuSeconds - ss.counters.cpuSeconds) * 1000) / 1000
            : 0,
        bytesSentPerBlock: seqSent,
        queues: w.queues.node(devnet.sequencer.index, se),
      },
      perBlock,
      transport: opts.transport ?? 'gossip',
      roads: latencyByRoad(
        input,
        followers.map((n) => n.road),
      ),
    }
    return { result, samples }
  })
}
