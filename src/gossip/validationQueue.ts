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
 * or a host rotating identities cannot fill it alone. Preferred jobs (from mesh peers with a
 * clean history) wait in their own lane, which is served first; when the queue is full, a
 * preferred job takes the place of the newest non-preferred one, which is evicted (`onEvicted`,
 * the host reports IGNORE as for a full queue).
 */

/** op-node's pubsub validate queue size. */
export const VALIDATION_QUEUE_MAX_LENGTH = 256
/** op-node's per-topic validator concurrency. */
export const VALIDATION_CONCURRENCY = 4
/** op-node's per-topic validator timeout; half the 6 s mcache window. */
export const VALIDATION_TIMEOUT_MS = 3000

/** The share of the waiting places one source, or one source group, may hold. */
export const MAX_QUEUE_SHARE = 1 / 4
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
  /** Where it came from (IP address; '' when unknown): the same share. Absent: not limited. */
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
  /** Drops waiting jobs and silences outcomes of running ones. */
  stop(): void
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
  const sourcePlaces = Math.min(
    maxLength,
    Math.max(MIN_SOURCE_PLACES, Math.floor(maxLength * MAX_QUEUE_SHARE)),
  )
  /** Preferred jobs, served first */
  const preferredLane: J[] = []
  const otherLane: J[] = []
  /** Waiting places held per source and per source group */
  const held = new Map<string, number>()
  const heldByGroup = new Map<string, number>()
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

  function holdsShare(counts: Map<string, number>, key: string | undefined): boolean {
    return key !== undefined && key !== '' && (counts.get(key) ?? 0) >= sourcePlaces
  }

  function enqueue(job: J): void {
    if (job.preferred === true) preferredLane.push(job)
    else otherLane.push(job)
    hold(held, job.fromPeer, 1)
    hold(heldByGroup, job.fromGroup, 1)
  }

  function dequeue(): J | undefined {
    const job = preferredLane.length > 0 ? preferredLane.shift() : otherLane.shift()
    if (job !== undefined) {
      hold(held, job.fromPeer, -1)
      hold(heldByGroup, job.fromGroup, -1)
    }
    return job
  }

  /** Makes room for a preferred job: the newest non-preferred waiting job leaves. */
  function evictForPreferred(): boolean {
    const evicted = otherLane.pop()
    if (evicted === undefined) return false
    hold(held, evicted.fromPeer, -1)
    hold(heldByGroup, evicted.fromGroup, -1)
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
      if (holdsShare(held, job.fromPeer) || holdsShare(heldByGroup, job.fromGroup)) return false
      if (waiting >= maxLength && !(job.preferred === true && evictForPreferred())) return false
      enqueue(job)
      pump()
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
    },
  }
}
