/**
 * Bounded validation queue with bounded concurrency and a deadline per job: the TypeScript
 * stand-in for go-libp2p-pubsub's validation pipeline as op-node configures it (validate queue
 * 256, per-topic concurrency 4, validator timeout 3 s; op-gossip.md §5.1).
 *
 * gossipsub keeps an unvalidated message in its mcache for mcacheLength heartbeats (12 x 500 ms =
 * 6 s) waiting for our verdict, so every job ends in a verdict well before that: a job still
 * waiting or running at its deadline ends as 'timeout' (the host reports IGNORE). A job that
 * finds the queue idle starts at once (a microtask: its validation does not wait behind the
 * socket reads already queued in this turn), at most one per event-loop turn;
 * every other job runs on its own macrotask (setImmediate), so a burst of synchronous
 * validations never starves network I/O. A full queue refuses the job (`push` returns false; the
 * host reports IGNORE).
 *
 * Fair queuing (the queue is the one resource a flood competes for): one source (peer) and one
 * source group (IP address) may hold at most MAX_QUEUE_SHARE of the waiting places, so a peer
 * or a host rotating identities cannot fill it alone; the group's subnet (/24 for IPv4, /64 for
 * IPv6: what one operator typically holds) at most MAX_SUBNET_QUEUE_SHARE, so a host with many
 * addresses in one subnet cannot either. Preferred jobs (from mesh peers with a
 * clean history) wait in their own lane, which is served first; when the queue is full, a
 * preferred job takes the place of the newest non-preferred one, which is evicted (`onEvicted`,
 * the host reports IGNORE as for a full queue).
 */

import { createIpNet, formatCidr, parseIp } from './ipNet.ts'

/** op-node's pubsub validate queue size. */
export const VALIDATION_QUEUE_MAX_LENGTH = 256
/** op-node's per-topic validator concurrency. */
export const VALIDATION_CONCURRENCY = 4
/** op-node's per-topic validator timeout; half the 6 s mcache window. */
export const VALIDATION_TIMEOUT_MS = 3000

/** The share of the waiting places one source, or one source group, may hold. */
export const MAX_QUEUE_SHARE = 1 / 4
/**
 * The share of the waiting places one subnet (SUBNET_PREFIX_IPV4 / SUBNET_PREFIX_IPV6) may
 * hold: above one IP's share, so a few honest hosts behind one provider's subnet still fit.
 */
export const MAX_SUBNET_QUEUE_SHARE = 1 / 2
/** Prefix length of an IPv4 source's subnet group. */
export const SUBNET_PREFIX_IPV4 = 24
/** Prefix length of an IPv6 source's subnet group (one site's usual allocation). */
export const SUBNET_PREFIX_IPV6 = 64
/**
 * A source may always hold this many waiting places, however small the queue: one per block
 * topic (v1 to v4), so a single peer is never starved by the share on a small queue.
 */
export const MIN_SOURCE_PLACES = 4

export interface ValidationJob {
  /** Time (on the queue's clock, `modules.now`) by which the verdict must exist */
  deadlineMs: number
  /** Who sent it (peer ID): at most MAX_QUEUE_SHARE of the places. Absent: not limited. */
  fromPeer?: string
  /**
   * Where it came from (IP address; '' when unknown): the same share, and its subnet
   * (`modules.subnetOf`) MAX_SUBNET_QUEUE_SHARE. Absent: not limited.
   */
  fromGroup?: string
  /** Served first and may evict a non-preferred waiting job when the queue is full. */
  preferred?: boolean
}

export type JobOutcome<R> =
  | { kind: 'done'; result: R; startedMs: number; finishedMs: number }
  /** startedMs is null when the job expired while still waiting */
  | { kind: 'timeout'; startedMs: number | null; finishedMs: number }
  | { kind: 'error'; error: unknown; startedMs: number; finishedMs: number }

export interface ValidationQueueOptions {
  /** Jobs waiting (not counting running ones). @default VALIDATION_QUEUE_MAX_LENGTH */
  maxLength?: number
  /** Jobs running at once (matters for asynchronous validators). @default VALIDATION_CONCURRENCY */
  concurrency?: number
}

export interface ValidationQueueModules<J extends ValidationJob, R> {
  /** The validation itself: synchronous or asynchronous. */
  run(job: J): R | Promise<R>
  /** Called exactly once per accepted job (never after stop). */
  onOutcome(job: J, outcome: JobOutcome<R>): void
  /** A waiting job pushed out by a preferred one; it gets no outcome. */
  onEvicted?(job: J): void
  /** @default Date.now */
  now?: () => number
  /**
   * The subnet group of a source group (subnetGroupOf, memoised by the caller); '' for none.
   * @default no subnet share
   */
  subnetOf?(group: string): string
}

export interface ValidationQueue<J extends ValidationJob> {
  /**
   * Queues a job; false (job dropped, no outcome) when maxLength jobs are already waiting (and
   * none can be evicted for it) or its source or source group already holds its share.
   */
  push(job: J): boolean
  /** Jobs waiting */
  readonly length: number
  /** Jobs running */
  readonly running: number
  /**
   * Moves a waiting job to the preferred lane (a preferred peer sent the same message meanwhile);
   * false when it is not waiting in the other lane.
   */
  promote(job: J): boolean
  /** Drops waiting jobs and silences outcomes of running ones. */
  stop(): void
}

/**
 * The subnet group of an IP address: its /24 (IPv4, IPv4-mapped IPv6 included) or /64 (IPv6) in
 * CIDR text; '' for text that is not an IP address (not limited).
 */
export function subnetGroupOf(ip: string): string {
  const bytes = parseIp(ip)
  if (bytes === null) return ''
  const net = createIpNet(bytes, bytes.length === 4 ? SUBNET_PREFIX_IPV4 : SUBNET_PREFIX_IPV6)
  return net === null ? '' : formatCidr(net)
}

/** Places a share gives on a queue of `maxLength`: never fewer than MIN_SOURCE_PLACES. */
function placesOf(maxLength: number, share: number): number {
  return Math.min(maxLength, Math.max(MIN_SOURCE_PLACES, Math.floor(maxLength * share)))
}

const TIMED_OUT: unique symbol = Symbol('timed out')

function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

export function createValidationQueue<J extends ValidationJob, R>(
  opts: ValidationQueueOptions,
  modules: ValidationQueueModules<J, R>,
): ValidationQueue<J> {
  const maxLength = opts.maxLength ?? VALIDATION_QUEUE_MAX_LENGTH
  const concurrency = opts.concurrency ?? VALIDATION_CONCURRENCY
  if (!(maxLength >= 0) || !(concurrency >= 1)) {
    throw new RangeError('validation queue needs maxLength >= 0 and concurrency >= 1')
  }
  const now = modules.now ?? Date.now
  const sourcePlaces = placesOf(maxLength, MAX_QUEUE_SHARE)
  const subnetPlaces = placesOf(maxLength, MAX_SUBNET_QUEUE_SHARE)
  const subnetOf = modules.subnetOf ?? (() => '')
  /** Preferred jobs, served first */
  const preferredLane: J[] = []
  const otherLane: J[] = []
  /** Waiting places held per source and per source group */
  const held = new Map<string, number>()
  const heldByGroup = new Map<string, number>()
  const heldBySubnet = new Map<string, number>()
  let running = 0
  let stopped = false
  /** A job already started at once in this event-loop turn. */
  let startedAtOnceThisTurn = false

  function finish(job: J, outcome: JobOutcome<R>): void {
    running--
    if (!stopped) modules.onOutcome(job, outcome)
    pump()
  }

  async function execute(job: J): Promise<void> {
    const startedMs = now()
    if (stopped) {
      running--
      return
    }
    if (startedMs >= job.deadlineMs) {
      finish(job, { kind: 'timeout', startedMs: null, finishedMs: startedMs })
      return
    }
    let result: R | typeof TIMED_OUT
    try {
      const value = modules.run(job)
      if (isPromiseLike(value)) {
        let timer: NodeJS.Timeout | undefined
        const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMED_OUT), job.deadlineMs - startedMs)
        })
        try {
          result = await Promise.race([value, deadline])
        } finally {
          clearTimeout(timer)
        }
      } else {
        result = value
      }
    } catch (error) {
      finish(job, { kind: 'error', error, startedMs, finishedMs: now() })
      return
    }
    const finishedMs = now()
    // A synchronous validator cannot be interrupted; past the deadline its result is dropped
    // the same way a late asynchronous one is.
    if (result === TIMED_OUT || finishedMs > job.deadlineMs) {
      finish(job, { kind: 'timeout', startedMs, finishedMs })
      return
    }
    finish(job, { kind: 'done', result, startedMs, finishedMs })
  }

  function start(job: J, schedule: (fn: () => void) => void): void {
    running++
    schedule(() => {
      execute(job).catch(() => {
        // execute handles every error itself; nothing can reach here.
      })
    })
  }

  function waitingCount(): number {
    return preferredLane.length + otherLane.length
  }

  function hold(counts: Map<string, number>, key: string | undefined, delta: number): void {
    if (key === undefined || key === '') return
    const n = (counts.get(key) ?? 0) + delta
    if (n > 0) counts.set(key, n)
    else counts.delete(key)
  }

  function holdsShare(
    counts: Map<string, number>,
    key: string | undefined,
    places = sourcePlaces,
  ): boolean {
    return key !== undefined && key !== '' && (counts.get(key) ?? 0) >= places
  }

  function subnetOfJob(job: J): string | undefined {
    return job.fromGroup === undefined || job.fromGroup === '' ? undefined : subnetOf(job.fromGroup)
  }

  /** Counts (delta 1) or frees (delta -1) the places a waiting job holds. */
  function holdPlaces(job: J, delta: number): void {
    hold(held, job.fromPeer, delta)
    hold(heldByGroup, job.fromGroup, delta)
    hold(heldBySubnet, subnetOfJob(job), delta)
  }

  function enqueue(job: J): void {
    if (job.preferred === true) preferredLane.push(job)
    else otherLane.push(job)
    holdPlaces(job, 1)
  }

  function dequeue(): J | undefined {
    const job = preferredLane.length > 0 ? preferredLane.shift() : otherLane.shift()
    if (job !== undefined) holdPlaces(job, -1)
    return job
  }

  /** Makes room for a preferred job: the newest non-preferred waiting job leaves. */
  function evictForPreferred(): boolean {
    const evicted = otherLane.pop()
    if (evicted === undefined) return false
    holdPlaces(evicted, -1)
    modules.onEvicted?.(evicted)
    return true
  }

  function pump(): void {
    while (!stopped && running < concurrency && waitingCount() > 0) {
      start(dequeue() as J, setImmediate)
    }
  }

  return {
    push(job: J): boolean {
      if (stopped) return false
      const waiting = waitingCount()
      if (running === 0 && waiting === 0 && maxLength > 0 && !startedAtOnceThisTurn) {
        startedAtOnceThisTurn = true
        setImmediate(() => {
          startedAtOnceThisTurn = false
        })
        start(job, queueMicrotask)
        return true
      }
      if (
        holdsShare(held, job.fromPeer) ||
        holdsShare(heldByGroup, job.fromGroup) ||
        holdsShare(heldBySubnet, subnetOfJob(job), subnetPlaces)
      ) {
        return false
      }
      if (waiting >= maxLength && !(job.preferred === true && evictForPreferred())) return false
      enqueue(job)
      pump()
      return true
    },
    promote(job: J): boolean {
      const at = otherLane.indexOf(job)
      if (at < 0) return false
      otherLane.splice(at, 1)
      job.preferred = true
      preferredLane.push(job)
      return true
    },
    get length() {
      return waitingCount()
    },
    get running() {
      return running
    },
    stop() {
      stopped = true
      preferredLane.length = 0
      otherLane.length = 0
      held.clear()
      heldByGroup.clear()
      heldBySubnet.clear()
    },
  }
}
