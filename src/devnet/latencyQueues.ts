/**
 * Whether a queue grows during a `bench latency` window: each follower's validation backlog
 * (gossip messages waiting for validation, NodeStats.backlog), sampled by every periodic stats
 * report inside the window and by the window's start and end snapshots. A backlog that keeps
 * growing shows as a high maximum and a non-zero value at the end. gossipsub's per-peer outbound
 * queues are not measured: the gossip host offers no reading of them (outboundQueueMax is null).
 * Pure: tested on hand-made inputs.
 */

/** One follower's validation backlog over the window. */
export interface NodeQueues {
  /** Largest sampled backlog, messages */
  validationBacklogMax: number
  /** Backlog in the end snapshot, messages */
  validationBacklogEnd: number
}

/** Over every follower. */
export interface QueueGrowth {
  /** Largest validation backlog any follower reported in the window */
  validationBacklogMax: number
  /** Largest validation backlog at the end of the window */
  validationBacklogEnd: number
  /** gossipsub's outbound queue per peer: not measured */
  outboundQueueMax: null
}

/** Collects one window's backlog samples by node index. */
export interface BacklogRecorder {
  /** A backlog sample of node `index` taken inside the window. */
  record(index: number, backlog: number): void
  /** Node `index`'s queues, its end snapshot's backlog included (undefined: no end snapshot). */
  node(index: number, endBacklog: number | undefined): NodeQueues
}

export function createBacklogRecorder(): BacklogRecorder {
  const max = new Map<number, number>()
  return {
    record(index, backlog) {
      max.set(index, Math.max(max.get(index) ?? 0, backlog))
    },
    node(index, endBacklog) {
      const end = endBacklog ?? 0
      return { validationBacklogMax: Math.max(max.get(index) ?? 0, end), validationBacklogEnd: end }
    },
  }
}

export function queueGrowth(perNode: readonly NodeQueues[]): QueueGrowth {
  return {
    validationBacklogMax: Math.max(0, ...perNode.map((n) => n.validationBacklogMax)),
    validationBacklogEnd: Math.max(0, ...perNode.map((n) => n.validationBacklogEnd)),
    outboundQueueMax: null,
  }
}
