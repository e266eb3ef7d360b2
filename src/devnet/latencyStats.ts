/**
 * Turns what a devnet run recorded (the sequencer's publish times, each node's first-seen events
 * and counters) into the gossip-latency numbers `op-gossip bench latency` reports. Pure: no I/O,
 * no clocks, so the arithmetic is unit-tested on hand-made inputs.
 *
 * All times are milliseconds on one shared high-resolution wall clock
 * (`performance.timeOrigin + performance.now()` in every process of one machine).
 */

/** Nearest-rank percentiles plus the maximum; all 0 for an empty sample. */
export interface Percentiles {
  p50: number
  p90: number
  p99: number
  max: number
}

/** A block the sequencer published. */
export interface PublishedBlock {
  /** 0x-hex */
  blockHash: string
  number: number
  /** Shared-clock time just before the publish call */
  publishedMs: number
  /** The sequencer's validation of its own block before sending it; 0 when unknown */
  validationMs?: number
  /** The sequencer's whole publish call: its validation, then the sends to every mesh peer */
  publishCallMs?: number
  /** Decompressed message size */
  bytes: number
  /** Snappy-compressed size (what gossip carries) */
  compressedBytes: number
}

/** One node's first sight of one block (accepted by its validator). */
export interface BlockArrival {
  blockHash: string
  /** Shared-clock time at which gossipsub handed the message to the node */
  firstSeenMs: number
  /** Peer ID the first copy came from */
  fromPeer: string
  /** First seen → validation start (waiting in the queue / event loop) */
  queueMs: number
  /** Time spent in the validator */
  validationMs: number
}

/** Cumulative counters of one node, read at a point in time. */
export interface NodeCounters {
  /** Gossip bytes sent (whole pubsub protocol, framing included) */
  bytesSent: number
  bytesReceived: number
  /** Messages received again after the first copy */
  duplicates: number
}

export interface NodeRecord {
  peerId: string
  /** Counters when measuring started and when it ended (their difference is attributed) */
  countersAtStart: NodeCounters
  countersAtEnd: NodeCounters
  arrivals: readonly BlockArrival[]
  /** Resident set size at the end, bytes */
  rssBytes: number
  /** User + system CPU time used during the measured window, seconds */
  cpuSeconds: number
}

export interface LatencyInput {
  /** The sequencer's peer ID: a hop from it starts at the publish time */
  sequencerPeerId: string
  blocks: readonly PublishedBlock[]
  nodes: readonly NodeRecord[]
}

export interface NodeSummary {
  peerId: string
  /** Blocks of this run the node saw */
  received: number
  e2eMs: Percentiles
  rssBytes: number
  cpuSeconds: number
  duplicatesPerBlock: number
  bytesPerBlock: { sent: number; received: number }
}

/** Where a hop's time goes, as medians (ms) over all hops with a known sender. */
export interface HopBreakdown {
  /** The sender waited between first seeing the block and starting to validate it */
  senderQueueMs: number
  /** The sender validated the block (forwarding starts only after an accept) */
  senderValidationMs: number
  /** Everything else: encode, encrypt, TCP, decrypt, decode, event-loop wait on both sides */
  transferMs: number
}

export interface LatencySummary {
  nodes: number
  blocks: number
  /** Mean decompressed block size */
  blockBytes: number
  /** Mean compressed block size */
  compressedBytes: number
  /** Delivered (node, block) pairs over nodes × blocks */
  delivery: number
  /** publish → first seen, over every delivered (node, block) pair */
  e2eMs: Percentiles
  /** first seen at a node − first seen at the peer it came from (publish for the sequencer) */
  hopMs: Percentiles
  /** Hops from the sequencer per delivery: p50 / p90 / p99 / max */
  hops: Percentiles
  breakdown: HopBreakdown
  /**
   * The sequencer's publish call per block (its validation, then a send to each mesh peer): on
   * a shared machine the receivers it wakes compete with it for the CPUs before its last send
   */
  sequencerPublishMs: Percentiles
  /** Per node: first seen → validation start (p50 / p90 / p99 / max over all arrivals) */
  queueMs: Percentiles
  /** Validation duration over all arrivals */
  validationMs: Percentiles
  duplicatesPerNodePerBlock: number
  bytesPerNodePerBlock: { sent: number; received: number }
  perNode: NodeSummary[]
  /** Per block: its latency to the first, median and last node that got it */
  perBlock: BlockSummary[]
}

export interface BlockSummary {
  number: number
  blockHash: string
  bytes: number
  compressedBytes: number
  /** Nodes that saw it */
  received: number
  firstMs: number | null
  medianMs: number | null
  lastMs: number | null
}

/** Raw samples behind the percentiles (for the report's charts), in milliseconds. */
export interface LatencySamples {
  e2eMs: number[]
  hopMs: number[]
}

export interface LatencyAnalysis {
  summary: LatencySummary
  samples: LatencySamples
}

/** Nearest-rank quantile of an ascending array (q in 0..1); 0 when empty. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[i] as number
}

/** p50 / p90 / p99 / max of `values` (copied, not modified). */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort()
  const arr = Array.from(sorted)
  return {
    p50: quantileSorted(arr, 0.5),
    p90: quantileSorted(arr, 0.9),
    p99: quantileSorted(arr, 0.99),
    max: arr.length === 0 ? 0 : (arr[arr.length - 1] as number),
  }
}

/** Rounds every field to `digits` decimals (for printing and JSON). */
export function roundPercentiles(p: Percentiles, digits = 2): Percentiles {
  const f = 10 ** digits
  const r = (x: number) => Math.round(x * f) / f
  return { p50: r(p.p50), p90: r(p.p90), p99: r(p.p99), max: r(p.max) }
}

function median(values: number[]): number {
  return percentiles(values).p50
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length
}

/**
 * Computes the summary. Only blocks in `input.blocks` count; arrivals of other blocks (e.g. from
 * a warm-up phase) are ignored. A negative hop or e2e value (clock jitter between processes is
 * a few microseconds) is clamped to 0.
 */
export function summarizeLatency(input: LatencyInput): LatencyAnalysis {
  const published = new Map(input.blocks.map((b) => [b.blockHash, b]))
  // blockHash → peerId → arrival, for the hop computation
  const seenAt = new Map<string, Map<string, BlockArrival>>()
  for (const node of input.nodes) {
    for (const a of node.arrivals) {
      if (!published.has(a.blockHash)) continue
      let byPeer = seenAt.get(a.blockHash)
      if (byPeer === undefined) {
        byPeer = new Map()
        seenAt.set(a.blockHash, byPeer)
      }
      byPeer.set(node.peerId, a)
    }
  }

  const e2e: number[] = []
  const hop: number[] = []
  const hopCounts: number[] = []
  const queue: number[] = []
  const validation: number[] = []
  const senderQueue: number[] = []
  const senderValidation: number[] = []
  const transfer: number[] = []
  const perBlockDelays = new Map<string, number[]>()
  const perNode: NodeSummary[] = []

  for (const node of input.nodes) {
    const nodeE2e: number[] = []
    for (const a of node.arrivals) {
      const block = published.get(a.blockHash)
      if (block === undefined) continue
      const delay = Math.max(0, a.firstSeenMs - block.publishedMs)
      nodeE2e.push(delay)
      e2e.push(delay)
      queue.push(a.queueMs)
      validation.push(a.validationMs)
      let delays = perBlockDelays.get(a.blockHash)
      if (delays === undefined) {
        delays = []
        perBlockDelays.set(a.blockHash, delays)
      }
      delays.push(delay)

      const peers = seenAt.get(a.blockHash) as Map<string, BlockArrival>
      if (a.fromPeer === input.sequencerPeerId) {
        // The sequencer validates its own block before sending it, like every forwarder.
        const own = Math.min(delay, block.validationMs ?? 0)
        hop.push(delay)
        transfer.push(delay - own)
        senderQueue.push(0)
        senderValidation.push(own)
      } else {
        const sender = peers.get(a.fromPeer)
        if (sender !== undefined) {
          const h = Math.max(0, a.firstSeenMs - sender.firstSeenMs)
          hop.push(h)
          senderQueue.push(sender.queueMs)
          senderValidation.push(sender.validationMs)
          transfer.push(Math.max(0, h - sender.queueMs - sender.validationMs))
        }
      }
      const hops = countHops(a, peers, input.sequencerPeerId)
      if (hops !== null) hopCounts.push(hops)
    }
    const blocks = Math.max(1, input.blocks.length)
    perNode.push({
      peerId: node.peerId,
      received: nodeE2e.length,
      e2eMs: roundPercentiles(percentiles(nodeE2e)),
      rssBytes: node.rssBytes,
      cpuSeconds: Math.round(node.cpuSeconds * 1000) / 1000,
      duplicatesPerBlock:
        (node.countersAtEnd.duplicates - node.countersAtStart.duplicates) / blocks,
      bytesPerBlock: {
        sent: Math.round((node.countersAtEnd.bytesSent - node.countersAtStart.bytesSent) / blocks),
        received: Math.round(
          (node.countersAtEnd.bytesReceived - node.countersAtStart.bytesReceived) / blocks,
        ),
      },
    })
  }

  const perBlock: BlockSummary[] = input.blocks.map((b) => {
    const delays = Array.from(Float64Array.from(perBlockDelays.get(b.blockHash) ?? []).sort())
    const r = (x: number | undefined) => (x === undefined ? null : Math.round(x * 100) / 100)
    return {
      number: b.number,
      blockHash: b.blockHash,
      bytes: b.bytes,
      compressedBytes: b.compressedBytes,
      received: delays.length,
      firstMs: r(delays[0]),
      medianMs: delays.length === 0 ? null : r(quantileSorted(delays, 0.5)),
      lastMs: r(delays[delays.length - 1]),
    }
  })

  const pairs = input.nodes.length * input.blocks.length
  const r3 = (x: number) => Math.round(x * 1000) / 1000
  const summary: LatencySummary = {
    nodes: input.nodes.length,
    blocks: input.blocks.length,
    blockBytes: Math.round(mean(input.blocks.map((b) => b.bytes))),
    compressedBytes: Math.round(mean(input.blocks.map((b) => b.compressedBytes))),
    delivery: pairs === 0 ? 0 : r3(e2e.length / pairs),
    e2eMs: roundPercentiles(percentiles(e2e)),
    hopMs: roundPercentiles(percentiles(hop)),
    hops: percentiles(hopCounts),
    breakdown: {
      senderQueueMs: r3(median(senderQueue)),
      senderValidationMs: r3(median(senderValidation)),
      transferMs: r3(median(transfer)),
    },
    sequencerPublishMs: roundPercentiles(
      percentiles(
        input.blocks.flatMap((b) => (b.publishCallMs === undefined ? [] : [b.publishCallMs])),
      ),
    ),
    queueMs: roundPercentiles(percentiles(queue), 3),
    validationMs: roundPercentiles(percentiles(validation), 3),
    duplicatesPerNodePerBlock: r3(mean(perNode.map((n) => n.duplicatesPerBlock))),
    bytesPerNodePerBlock: {
      sent: Math.round(mean(perNode.map((n) => n.bytesPerBlock.sent))),
      received: Math.round(mean(perNode.map((n) => n.bytesPerBlock.received))),
    },
    perNode,
    perBlock,
  }
  return { summary, samples: { e2eMs: e2e, hopMs: hop } }
}

/**
 * Number of hops from the sequencer to this arrival, following `fromPeer` links; null when the
 * chain leaves the recorded nodes or loops (a node that got the block from an outside peer).
 */
function countHops(
  arrival: BlockArrival,
  peers: ReadonlyMap<string, BlockArrival>,
  sequencerPeerId: string,
): number | null {
  let hops = 1
  let current = arrival
  while (current.fromPeer !== sequencerPeerId) {
    const prev = peers.get(current.fromPeer)
    if (prev === undefined || hops > peers.size) return null
    current = prev
    hops++
  }
  return hops
}
