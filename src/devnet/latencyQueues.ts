/**
 * Whether a queue grows during a `bench latency` window, for each node: its validation backlog
 * (gossip messages waiting for validation, NodeStats.backlog) and its outbound backlog (bytes and
 * RPCs waiting on gossipsub's per-peer outbound streams, NodeStats.outbound), sampled by every
 * periodic stats report inside the window and by the window's start and end snapshots. A queue
 * that keeps growing shows as a high maximum and a non-zero value at the end. A node whose host
 * cannot read its outbound streams has null outbound figures and the reason.
 * Pure: tested on hand-made inputs.
 */
import type { NodeStats } from './ipcProtocol.ts'

/** What the queues are read from: one stats report or snapshot of a node. */
export type QueueSample = Pick<NodeStats, 'backlog' | 'outbound'>

/** One node's queues over the window. */
export interface NodeQueues {
  /** Largest sampled validation backlog, messages */
  validationBacklogMax: number
  /** Validation backlog in the end snapshot, messages */
  validationBacklogEnd: number
  /** Largest sampled outbound backlog over all peers, bytes (null: not readable) */
  outboundBacklogMax: number | null
  /** Outbound backlog in the end snapshot, bytes (null: not readable there) */
  outboundBacklogEnd: number | null
  /** Largest sampled count of RPCs waiting over all peers (null: not readable) */
  outboundMessagesMax: number | null
  /** Largest sampled backlog of a single peer, bytes (null: not readable) */
  outboundPeerBytesMax: number | null
  /** Why the outbound figures are null (the last reason reported); absent when read */
  outboundUnreadable?: string
}

/** Over every follower. */
export interface QueueGrowth {
  /** Largest validation backlog any follower reported in the window */
  validationBacklogMax: number
  /** Largest validation backlog at the end of the window */
  validationBacklogEnd: number
  /** Largest outbound backlog (all peers) any follower reported, bytes; null: none readable */
  outboundBacklogMax: number | null
  /** Largest outbound backlog at the end of the window, bytes; null: none readable */
  outboundBacklogEnd: number | null
  /** Largest count of RPCs waiting on a follower's outbound streams; null: none readable */
  outboundMessagesMax: number | null
  /**
   * The largest outbound queue seen: the most bytes any follower had waiting for a single peer
   * (gossipsub's queues are per peer); null: no follower could read its outbound streams
   */
  outboundQueueMax: number | null
  /** Why the outbound figures are null (a follower's reason); absent when any were read */
  outboundUnreadable?: string
}

/** Collects one window's queue samples by node index. */
export interface QueueRecorder {
  /** A sample of node `index` taken inside the window. */
  record(index: number, sample: QueueSample): void
  /** Node `index`'s queues, its end snapshot included (undefined: no end snapshot). */
  node(index: number, end: QueueSample | undefined): NodeQueues
}

interface OutboundPeaks {
  bytes: number
  messages: number
  peerBytes: number
}

const maxOrNull = (values: readonly (number | null)[]): number | null => {
  const read = values.filter((v): v is number => v !== null)
  return read.length === 0 ? null : Math.max(...read)
}

export function createQueueRecorder(): QueueRecorder {
  const validationMax = new Map<number, number>()
  const outboundMax = new Map<number, OutboundPeaks>()
  const unreadable = new Map<number, string>()

  function record(index: number, sample: QueueSample): void {
    validationMax.set(index, Math.max(validationMax.get(index) ?? 0, sample.backlog))
    const reading = sample.outbound
    if (reading === undefined) return
    if (reading.backlog === null) {
      unreadable.set(index, reading.reason)
      return
    }
    const peaks = outboundMax.get(index) ?? { bytes: 0, messages: 0, peerBytes: 0 }
    outboundMax.set(index, {
      bytes: Math.max(peaks.bytes, reading.backlog.bytes),
      messages: Math.max(peaks.messages, reading.backlog.messages),
      peerBytes: Math.max(peaks.peerBytes, reading.backlog.maxPeerBytes),
    })
  }

  return {
    record,
    node(index, end) {
      if (end !== undefined) record(index, end)
      const peaks = outboundMax.get(index)
      const reason = unreadable.get(index)
      return {
        validationBacklogMax: validationMax.get(index) ?? 0,
        validationBacklogEnd: end?.backlog ?? 0,
        outboundBacklogMax: peaks?.bytes ?? null,
        outboundBacklogEnd: end?.outbound?.backlog?.bytes ?? null,
        outboundMessagesMax: peaks?.messages ?? null,
        outboundPeerBytesMax: peaks?.peerBytes ?? null,
        ...(peaks === undefined && reason !== undefined ? { outboundUnreadable: reason } : {}),
      }
    },
  }
}

export function queueGrowth(perNode: readonly NodeQueues[]): QueueGrowth {
  const outboundQueueMax = maxOrNull(perNode.map((n) => n.outboundPeerBytesMax))
  const reason = perNode.find((n) => n.outboundUnreadable !== undefined)?.outboundUnreadable
  return {
    validationBacklogMax: Math.max(0, ...perNode.map((n) => n.validationBacklogMax)),
    validationBacklogEnd: Math.max(0, ...perNode.map((n) => n.validationBacklogEnd)),
    outboundBacklogMax: maxOrNull(perNode.map((n) => n.outboundBacklogMax)),
    outboundBacklogEnd: maxOrNull(perNode.map((n) => n.outboundBacklogEnd)),
    outboundMessagesMax: maxOrNull(perNode.map((n) => n.outboundMessagesMax)),
    outboundQueueMax,
    ...(outboundQueueMax === null && reason !== undefined ? { outboundUnreadable: reason } : {}),
  }
}
