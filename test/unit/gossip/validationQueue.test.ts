import { describe, expect, it } from 'vitest'
import {
  createValidationQueue,
  type JobOutcome,
  MAX_QUEUE_SHARE,
  MAX_SUBNET_QUEUE_SHARE,
  MIN_SOURCE_PLACES,
  SUBNET_PREFIX_IPV4,
  SUBNET_PREFIX_IPV6,
  subnetGroupOf,
  VALIDATION_CONCURRENCY,
  VALIDATION_QUEUE_MAX_LENGTH,
  VALIDATION_TIMEOUT_MS,
  type ValidationJob,
} from '../../../src/gossip/validationQueue.ts'

interface Job extends ValidationJob {
  id: number
}

function deferred<T>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

const tick = () => new Promise((r) => setImmediate(r))

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 2))
  expect(cond()).toBe(true)
}

describe('gossip / validationQueue', () => {
  it("uses op-node's queue size, concurrency and timeout", () => {
    expect(VALIDATION_QUEUE_MAX_LENGTH).toBe(256)
    expect(VALIDATION_CONCURRENCY).toBe(4)
    expect(VALIDATION_TIMEOUT_MS).toBe(3000)
  })

  it('accepts jobs up to maxLength waiting (plus the running ones) and refuses past it', async () => {
    const gate = deferred<string>()
    const outcomes: Array<[number, JobOutcome<string>]> = []
    const q = createValidationQueue<Job, string>(
      { maxLength: 3, concurrency: 2 },
      { run: () => gate.promise, onOutcome: (job, o) => outcomes.push([job.id, o]) },
    )
    const far = Date.now() + 60_000
    // 2 start running at once, 3 wait: 5 accepted in total, the 6th is refused.
    for (let id = 0; id < 5; id++) expect(q.push({ id, deadlineMs: far })).toBe(true)
    expect(q.running).toBe(2)
    expect(q.length).toBe(3)
    expect(q.push({ id: 5, deadlineMs: far })).toBe(false)
    expect(q.length).toBe(3)
    gate.resolve('ok')
    await until(() => outcomes.length === 5)
    expect(outcomes.map(([id]) => id).sort()).toEqual([0, 1, 2, 3, 4])
    expect(outcomes.every(([, o]) => o.kind === 'done' && o.result === 'ok')).toBe(true)
    // Room again once drained.
    expect(q.push({ id: 6, deadlineMs: far })).toBe(true)
    await until(() => outcomes.length === 6)
  })

  it('never runs more than `concurrency` validations at once', async () => {
    let active = 0
    let peak = 0
    const done: number[] = []
    const q = createValidationQueue<Job, number>(
      { maxLength: 100, concurrency: 3 },
      {
        async run(job) {
          active++
          peak = Math.max(peak, active)
          await new Promise((r) => setTimeout(r, 3))
          active--
          return job.id
        },
        onOutcome: (job) => done.push(job.id),
      },
    )
    for (let id = 0; id < 20; id++) q.push({ id, deadlineMs: Date.now() + 60_000 })
    await until(() => done.length === 20)
    expect(peak).toBe(3)
  })

  it('starts a job that finds the queue idle before pending I/O callbacks, one per turn', async () => {
    const order: string[] = []
    const q = createValidationQueue<Job, number>(
      {},
      {
        run: (job) => {
          order.push(`job ${job.id}`)
          return job.id
        },
        onOutcome: () => {},
      },
    )
    const far = Date.now() + 60_000
    setImmediate(() => order.push('io'))
    q.push({ id: 0, deadlineMs: far }) // idle: starts at once
    await Promise.resolve()
    expect(order).toEqual(['job 0'])
    // Idle again in the same turn: this one waits for the next turn, after the I/O callback.
    q.push({ id: 1, deadlineMs: far })
    await Promise.resolve()
    expect(order).toEqual(['job 0'])
    await until(() => order.length === 3)
    expect(order).toEqual(['job 0', 'io', 'job 1'])
    // A new turn: the next idle job starts at once again.
    q.push({ id: 2, deadlineMs: far })
    await Promise.resolve()
    expect(order.at(-1)).toBe('job 2')
  })

  it('ends an asynchronous validation that outlives its deadline as a timeout', async () => {
    let now = 1000
    const outcomes: JobOutcome<string>[] = []
    const q = createValidationQueue<Job, string>(
      {},
      {
        run: () => new Promise<string>(() => {}),
        onOutcome: (_, o) => outcomes.push(o),
        now: () => now,
      },
    )
    q.push({ id: 1, deadlineMs: 1030 })
    await tick()
    now = 1031
    await until(() => outcomes.length === 1)
    expect(outcomes[0]?.kind).toBe('timeout')
    expect(outcomes[0]?.kind === 'timeout' && outcomes[0].startedMs).toBe(1000)
  })

  it('does not run a job whose deadline passed while it waited', async () => {
    let runs = 0
    const outcomes: JobOutcome<string>[] = []
    const q = createValidationQueue<Job, string>(
      {},
      {
        run: () => {
          runs++
          return 'x'
        },
        onOutcome: (_, o) => outcomes.push(o),
        now: () => 5000,
      },
    )
    q.push({ id: 1, deadlineMs: 5000 })
    await until(() => outcomes.length === 1)
    expect(runs).toBe(0)
    expect(outcomes[0]).toEqual({ kind: 'timeout', startedMs: null, finishedMs: 5000 })
  })

  it('drops a synchronous result that arrived after the deadline', async () => {
    let now = 0
    const outcomes: JobOutcome<string>[] = []
    const q = createValidationQueue<Job, string>(
      {},
      {
        run: () => {
          now = 50 // the validator "took" 50 ms
          return 'late'
        },
        onOutcome: (_, o) => outcomes.push(o),
        now: () => now,
      },
    )
    q.push({ id: 1, deadlineMs: 40 })
    await until(() => outcomes.length === 1)
    expect(outcomes[0]).toEqual({ kind: 'timeout', startedMs: 0, finishedMs: 50 })
  })

  it('reports a throwing validator as an error outcome and keeps going', async () => {
    const outcomes: JobOutcome<string>[] = []
    const q = createValidationQueue<Job, string>(
      { concurrency: 1 },
      {
        run: (job) => {
          if (job.id === 1) throw new Error('boom')
          return 'fine'
        },
        onOutcome: (_, o) => outcomes.push(o),
      },
    )
    q.push({ id: 1, deadlineMs: Date.now() + 10_000 })
    q.push({ id: 2, deadlineMs: Date.now() + 10_000 })
    await until(() => outcomes.length === 2)
    expect(outcomes[0]?.kind).toBe('error')
    expect(outcomes[1]?.kind === 'done' && outcomes[1].result).toBe('fine')
  })

  it('stop() drops waiting jobs, refuses new ones and silences running ones', async () => {
    const gate = deferred<string>()
    const outcomes: number[] = []
    const q = createValidationQueue<Job, string>(
      { concurrency: 1 },
      { run: () => gate.promise, onOutcome: (job) => outcomes.push(job.id) },
    )
    q.push({ id: 1, deadlineMs: Date.now() + 10_000 })
    q.push({ id: 2, deadlineMs: Date.now() + 10_000 })
    await tick()
    q.stop()
    expect(q.length).toBe(0)
    expect(q.push({ id: 3, deadlineMs: Date.now() + 10_000 })).toBe(false)
    gate.resolve('done')
    await new Promise((r) => setTimeout(r, 10))
    expect(outcomes).toEqual([])
  })

  it('rejects nonsense sizes', () => {
    const modules = { run: () => 1, onOutcome: () => {} }
    expect(() => createValidationQueue<Job, number>({ concurrency: 0 }, modules)).toThrow(
      RangeError,
    )
    expect(() => createValidationQueue<Job, number>({ maxLength: -1 }, modules)).toThrow(RangeError)
  })
})

describe('gossip / validationQueue: fair queuing', () => {
  const far = () => Date.now() + 60_000

  function heldQueue(maxLength: number) {
    const gate = deferred<string>()
    const ran: number[] = []
    const evicted: number[] = []
    const q = createValidationQueue<Job, string>(
      { maxLength, concurrency: 1 },
      {
        run: (job) => {
          ran.push(job.id)
          return gate.promise
        },
        onOutcome: () => {},
        onEvicted: (job) => evicted.push(job.id),
      },
    )
    return { q, gate, ran, evicted }
  }

  it('gives one peer at most a quarter of the places (never fewer than MIN_SOURCE_PLACES)', () => {
    expect(MAX_QUEUE_SHARE).toBe(1 / 4)
    expect(MIN_SOURCE_PLACES).toBe(4)
    const { q } = heldQueue(32) // a quarter: 8 places
    expect(q.push({ id: 0, deadlineMs: far(), fromPeer: 'other' })).toBe(true) // runs
    for (let id = 1; id <= 8; id++) {
      expect(q.push({ id, deadlineMs: far(), fromPeer: 'flooder' })).toBe(true)
    }
    // At the share: the 9th waiting job of the same peer is refused, another peer's is not.
    expect(q.push({ id: 9, deadlineMs: far(), fromPeer: 'flooder' })).toBe(false)
    expect(q.push({ id: 10, deadlineMs: far(), fromPeer: 'honest' })).toBe(true)
    expect(q.length).toBe(9)
  })

  it('gives one IP (source group) the same share across rotating peer IDs', () => {
    const { q } = heldQueue(32)
    q.push({ id: 0, deadlineMs: far() }) // runs
    for (let id = 1; id <= 8; id++) {
      expect(q.push({ id, deadlineMs: far(), fromPeer: `p${id}`, fromGroup: '10.0.0.1' })).toBe(
        true,
      )
    }
    expect(q.push({ id: 9, deadlineMs: far(), fromPeer: 'p9', fromGroup: '10.0.0.1' })).toBe(false)
    expect(q.push({ id: 10, deadlineMs: far(), fromPeer: 'p10', fromGroup: '10.0.0.2' })).toBe(true)
    // '' is no group: not limited as one.
    for (let id = 11; id <= 20; id++) {
      expect(q.push({ id, deadlineMs: far(), fromPeer: `q${id}`, fromGroup: '' })).toBe(true)
    }
  })

  it('frees a peer place when its job leaves the queue', async () => {
    const { q, gate } = heldQueue(16) // a quarter is 4 = MIN_SOURCE_PLACES
    q.push({ id: 0, deadlineMs: far(), fromPeer: 'a' }) // runs
    for (let id = 1; id <= 4; id++)
      expect(q.push({ id, deadlineMs: far(), fromPeer: 'a' })).toBe(true)
    expect(q.push({ id: 5, deadlineMs: far(), fromPeer: 'a' })).toBe(false)
    gate.resolve('ok')
    await until(() => q.length < 4)
    expect(q.push({ id: 6, deadlineMs: far(), fromPeer: 'a' })).toBe(true)
  })

  it('serves preferred jobs (clean mesh peers) first', async () => {
    const { q, gate, ran } = heldQueue(8)
    q.push({ id: 0, deadlineMs: far() }) // runs
    q.push({ id: 1, deadlineMs: far(), fromPeer: 'x' })
    q.push({ id: 2, deadlineMs: far(), fromPeer: 'y' })
    q.push({ id: 3, deadlineMs: far(), fromPeer: 'mesh', preferred: true })
    gate.resolve('ok')
    await until(() => ran.length === 4)
    expect(ran).toEqual([0, 3, 1, 2])
  })

  it('lets a preferred job take the place of the newest non-preferred one when full', () => {
    const { q, evicted } = heldQueue(4)
    q.push({ id: 0, deadlineMs: far() }) // runs
    for (let id = 1; id <= 4; id++) q.push({ id, deadlineMs: far(), fromPeer: `p${id}` })
    expect(q.push({ id: 5, deadlineMs: far(), fromPeer: 'p5' })).toBe(false)
    expect(evicted).toEqual([])
    expect(q.push({ id: 6, deadlineMs: far(), fromPeer: 'mesh', preferred: true })).toBe(true)
    expect(evicted).toEqual([4])
    expect(q.length).toBe(4)
    // Only non-preferred jobs are evicted: a full queue of preferred ones refuses.
    for (let id = 7; id <= 9; id++) {
      expect(q.push({ id, deadlineMs: far(), fromPeer: `m${id}`, preferred: true })).toBe(true)
    }
    expect(evicted).toEqual([4, 3, 2, 1])
    expect(q.push({ id: 10, deadlineMs: far(), fromPeer: 'm10', preferred: true })).toBe(false)
    expect(evicted).toEqual([4, 3, 2, 1])
    expect(q.length).toBe(4)
  })

  it('groups an IP by its /24 (IPv4) or /64 (IPv6) subnet', () => {
    expect([SUBNET_PREFIX_IPV4, SUBNET_PREFIX_IPV6]).toEqual([24, 64])
    expect(subnetGroupOf('10.1.2.3')).toBe('10.1.2.0/24')
    expect(subnetGroupOf('10.1.2.250')).toBe('10.1.2.0/24')
    expect(subnetGroupOf('10.1.3.1')).toBe('10.1.3.0/24')
    expect(subnetGroupOf('::ffff:10.1.2.3')).toBe('10.1.2.0/24')
    expect(subnetGroupOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(subnetGroupOf('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64')
    expect(subnetGroupOf('not an ip')).toBe('')
    expect(subnetGroupOf('')).toBe('')
  })

  it('gives one subnet at most half of the places across its IPs and peers', async () => {
    expect(MAX_SUBNET_QUEUE_SHARE).toBe(1 / 2)
    const gate = deferred<string>()
    const q = createValidationQueue<Job, string>(
      { maxLength: 32, concurrency: 1 }, // an IP's share: 8 places; a subnet's: 16
      { run: () => gate.promise, onOutcome: () => {}, subnetOf: subnetGroupOf },
    )
    q.push({ id: 0, deadlineMs: far() }) // runs
    // 4 IPs of one /24, 4 jobs each (each under its IP share): 16 places, the subnet's share.
    let id = 1
    for (let host = 1; host <= 4; host++) {
      for (let k = 0; k < 4; k++) {
        expect(
          q.push({ id: id++, deadlineMs: far(), fromPeer: `p${id}`, fromGroup: `10.0.0.${host}` }),
        ).toBe(true)
      }
    }
    // Past the share: a fifth IP of the subnet is refused, though it holds no place itself.
    expect(q.push({ id: id++, deadlineMs: far(), fromPeer: 'fresh', fromGroup: '10.0.0.99' })).toBe(
      false,
    )
    // Another subnet, and a source without a group, still get places.
    expect(q.push({ id: id++, deadlineMs: far(), fromPeer: 'other', fromGroup: '10.0.1.1' })).toBe(
      true,
    )
    expect(q.push({ id: id++, deadlineMs: far(), fromPeer: 'nogroup' })).toBe(true)
    expect(q.length).toBe(18)
    // A job of the subnet leaving frees a subnet place.
    gate.resolve('ok')
    await until(() => q.length < 18)
    expect(q.push({ id: id++, deadlineMs: far(), fromPeer: 'fresh', fromGroup: '10.0.0.99' })).toBe(
      true,
    )
  })

  it('has no subnet share without subnetOf (devnets on one host)', () => {
    const gate = deferred<string>()
    const q = createValidationQueue<Job, string>(
      { maxLength: 32, concurrency: 1 },
      { run: () => gate.promise, onOutcome: () => {} },
    )
    q.push({ id: 0, deadlineMs: far() }) // runs
    let id = 1
    for (let host = 1; host <= 4; host++) {
      for (let k = 0; k < 8; k++) {
        expect(
          q.push({ id: id++, deadlineMs: far(), fromPeer: `p${id}`, fromGroup: `10.0.0.${host}` }),
        ).toBe(true)
      }
    }
    expect(q.length).toBe(32)
  })
})
