/**
 * Turns what one `bench attack` phase recorded (the sequencer's publishes, each follower's
 * first-seen blocks, node counter snapshots, the attackers' reports) into the documented
 * per-phase numbers (docs/attack.md), and judges them against the issue's target. Pure: no I/O,
 * no clocks, so the arithmetic is unit-tested on hand-made inputs. Times are ms on the shared
 * high-resolution wall clock.
 */
import type { AttackPhase } from './attackMessages.ts'
import type { AttackerPhaseReport } from './attackProtocol.ts'
import type { NodeCountersSnapshot } from './ipcProtocol.ts'
import { percentiles } from './latencyStats.ts'

/** Target: every honest block reaches every follower under a flood. */
export const TARGET_DELIVERY = 1
/** Target: honest e2e p99 under a flood at most this many times the baseline's. */
export const TARGET_P99_RATIO = 2
/** Target: after the attacks, RSS back within this factor of its pre-attack value. */
export const TARGET_RSS_RECOVERY_FACTOR = 1.5
/** Target of a soak: post-recovery RSS rises by at most this much per minute. */
export const TARGET_SOAK_SLOPE_MB_PER_MIN = 0.5

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits
const mb = (bytes: number) => round(bytes / 1e6, 1)

export interface PhaseInput {
  phase: AttackPhase
  /** Blocks the sequencer published inside the phase window */
  published: ReadonlyArray<{ blockHash: string; publishedMs: number }>
  /** Per follower index, by block hash: first-seen time and the wait before validation */
  arrivals: ReadonlyMap<number, ReadonlyMap<string, { firstSeenMs: number; queueMs: number }>>
  followers: readonly number[]
  /** Follower counters at the start and end of the window, by index */
  start: ReadonlyMap<number, NodeCountersSnapshot>
  end: ReadonlyMap<number, NodeCountersSnapshot>
  /** Highest RSS each follower reported inside the window, by index */
  rssMax: ReadonlyMap<number, number>
  attackers: readonly AttackerPhaseReport[]
  /** The baseline phase's honest e2e p99 (ms), null when there was none */
  baselineP99Ms: number | null
}

export interface FollowerPhaseResult {
  index: number
  /** CPU ms per second of wall time over the window; null without both snapshots */
  cpuMsPerSecond: number | null
  rssMaxMb: number
  rssEndMb: number | null
  /** Counter deltas over the window (null when the node did not report the counter) */
  messagesReceived: number | null
  rejected: number | null
  ignored: number | null
  queueFull: number | null
  rateLimited: number | null
}

export interface AttackersPhaseResult {
  sent: number
  heldBack: number
  identities: number
  dialsFailed: number
  disconnected: number
  /** Median ms from an identity's first message in the phase to its disconnect; null if never */
  timeToDisconnectMs: number | null
  /** The earliest such time; null if never */
  firstDisconnectMs: number | null
  honestReceived: number
}

export interface PhaseResult {
  phase: AttackPhase
  published: number
  /** Blocks every follower accepted */
  deliveredToAll: number
  delivery: number
  /** Honest e2e (sequencer publish → follower first seen), over every delivered (block, follower) */
  e2eP50Ms: number
  e2eP99Ms: number
  /** e2eP99Ms / the baseline's; null without a baseline (or for the baseline itself) */
  p99VsBaseline: number | null
  /** p99 of the honest blocks' wait inside the followers before validation started */
  queueWaitP99Ms: number
  followers: FollowerPhaseResult[]
  /** Sums over followers */
  queueFull: number
  rateLimited: number
  rejected: number
  ignored: number
  attackers: AttackersPhaseResult
  /**
   * The phase's slowest blocks (at most SLOWEST_BLOCKS_LISTED, slowest first): when in the phase
   * each was published and its slowest follower's e2e, so a p99 shows whether it is the attack's
   * first moments or the whole phase.
   */
  slowestBlocks: SlowBlock[]
  /** Against the target: delivery 1 and (under attack) p99 ≤ TARGET_P99_RATIO × baseline */
  pass: boolean
}

/** Blocks listed in a phase's `slowestBlocks`. */
export const SLOWEST_BLOCKS_LISTED = 5

export interface SlowBlock {
  /** Its publish, ms after the phase's first publish */
  publishedAfterMs: number
  /** Its slowest follower's e2e, ms */
  e2eMaxMs: number
}

function delta(
  a: NodeCountersSnapshot | undefined,
  b: NodeCountersSnapshot | undefined,
  field: 'messagesReceived' | 'rejected' | 'ignored' | 'queueFull' | 'rateLimited',
): number | null {
  const x = a?.[field]
  const y = b?.[field]
  return x === undefined || y === undefined ? null : y - x
}

function median(values: readonly number[]): number | null {
  return values.length === 0 ? null : percentiles(values).p50
}

export function summarizeAttackers(reports: readonly AttackerPhaseReport[]): AttackersPhaseResult {
  const sum = (f: (r: AttackerPhaseReport) => number) => reports.reduce((a, r) => a + f(r), 0)
  const times = reports.flatMap((r) => r.timesToDisconnectMs)
  return {
    sent: sum((r) => r.sent),
    heldBack: sum((r) => r.heldBack),
    identities: sum((r) => r.identities),
    dialsFailed: sum((r) => r.dialsFailed),
    disconnected: sum((r) => r.disconnected),
    timeToDisconnectMs: median(times),
    firstDisconnectMs: times.length === 0 ? null : Math.min(...times),
    honestReceived: sum((r) => r.honestReceived),
  }
}

export function summarizePhase(input: PhaseInput): PhaseResult {
  const e2e: number[] = []
  const queueWait: number[] = []
  const perBlock: SlowBlock[] = []
  const phaseStartMs = input.published[0]?.publishedMs ?? 0
  let deliveredToAll = 0
  for (const block of input.published) {
    let everywhere = true
    let slowest = 0
    for (const f of input.followers) {
      const seen = input.arrivals.get(f)?.get(block.blockHash)
      if (seen === undefined) everywhere = false
      else {
        const delay = Math.max(0, seen.firstSeenMs - block.publishedMs)
        e2e.push(delay)
        queueWait.push(seen.queueMs)
        slowest = Math.max(slowest, delay)
      }
    }
    if (everywhere) deliveredToAll++
    perBlock.push({
      publishedAfterMs: round(block.publishedMs - phaseStartMs),
      e2eMaxMs: round(slowest),
    })
  }
  const published = input.published.length
  const delivery = published === 0 ? 0 : deliveredToAll / published
  const p = percentiles(e2e)
  const p99VsBaseline =
    input.phase === 'baseline' || input.baselineP99Ms === null || input.baselineP99Ms <= 0
      ? null
      : round(p.p99 / input.baselineP99Ms)
  const followers = input.followers.map((index): FollowerPhaseResult => {
    const a = input.start.get(index)
    const b = input.end.get(index)
    const seconds = a !== undefined && b !== undefined ? (b.atMs - a.atMs) / 1000 : 0
    return {
      index,
      cpuMsPerSecond:
        a === undefined || b === undefined || seconds <= 0
          ? null
          : round(((b.cpuSeconds - a.cpuSeconds) * 1000) / seconds, 1),
      rssMaxMb: mb(Math.max(input.rssMax.get(index) ?? 0, b?.rssBytes ?? 0)),
      rssEndMb: b === undefined ? null : mb(b.rssBytes),
      messagesReceived: delta(a, b, 'messagesReceived'),
      rejected: delta(a, b, 'rejected'),
      ignored: delta(a, b, 'ignored'),
      queueFull: delta(a, b, 'queueFull'),
      rateLimited: delta(a, b, 'rateLimited'),
    }
  })
  const total = (f: (r: FollowerPhaseResult) => number | null) =>
    followers.reduce((acc, r) => acc + (f(r) ?? 0), 0)
  const withinLatency =
    input.phase === 'baseline' || p99VsBaseline === null || p99VsBaseline <= TARGET_P99_RATIO
  return {
    phase: input.phase,
    published,
    deliveredToAll,
    delivery: round(delivery, 4),
    e2eP50Ms: round(p.p50),
    e2eP99Ms: round(p.p99),
    p99VsBaseline,
    queueWaitP99Ms: round(percentiles(queueWait).p99),
    followers,
    queueFull: total((r) => r.queueFull),
    rateLimited: total((r) => r.rateLimited),
    rejected: total((r) => r.rejected),
    ignored: total((r) => r.ignored),
    attackers: summarizeAttackers(input.attackers),
    slowestBlocks: perBlock.sort((a, b) => b.e2eMaxMs - a.e2eMaxMs).slice(0, SLOWEST_BLOCKS_LISTED),
    pass: published > 0 && delivery >= TARGET_DELIVERY && withinLatency,
  }
}

/** One RSS sample of every follower after the attacks. */
export interface RssSample {
  /** Seconds since the last attack phase ended */
  afterSeconds: number
  /** By follower, MB */
  rssMb: number[]
}

export interface RecoveryResult {
  /** Per follower: RSS before the first attack phase, MB */
  preAttackMb: number[]
  /** Per follower: highest RSS seen during the attacks, MB */
  peakMb: number[]
  /** Per follower: seconds until RSS was within TARGET_RSS_RECOVERY_FACTOR × pre-attack; null if not in time */
  recoveredAfterSeconds: Array<number | null>
  /** The slowest follower's time; null if any did not recover */
  secondsToRecover: number | null
  samples: RssSample[]
  pass: boolean
}

/**
 * The recovery verdict from samples taken after the attacks (in time order): a follower has
 * recovered at the first sample within the factor of its pre-attack RSS.
 */
export function summarizeRecovery(
  preAttackBytes: readonly number[],
  peakBytes: readonly number[],
  samples: ReadonlyArray<{ afterSeconds: number; rssBytes: readonly number[] }>,
): RecoveryResult {
  const recovered = preAttackBytes.map((pre, i) => {
    const hit = samples.find((s) => {
      const rss = s.rssBytes[i]
      return rss !== undefined && rss <= pre * TARGET_RSS_RECOVERY_FACTOR
    })
    return hit === undefined ? null : round(hit.afterSeconds, 1)
  })
  const all = recovered.every((r) => r !== null)
  return {
    preAttackMb: preAttackBytes.map(mb),
    peakMb: peakBytes.map(mb),
    recoveredAfterSeconds: recovered,
    secondsToRecover: all && recovered.length > 0 ? Math.max(...(recovered as number[])) : null,
    samples: samples.map((s) => ({
      afterSeconds: round(s.afterSeconds, 1),
      rssMb: s.rssBytes.map(mb),
    })),
    pass: all && recovered.length > 0,
  }
}

/** Least-squares slope of y over x; 0 with fewer than two points. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  if (points.length < 2) return 0
  const n = points.length
  const mx = points.reduce((a, p) => a + p.x, 0) / n
  const my = points.reduce((a, p) => a + p.y, 0) / n
  let num = 0
  let den = 0
  for (const p of points) {
    num += (p.x - mx) * (p.y - my)
    den += (p.x - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

/** Every follower's memory after one soak cycle's recovery wait, bytes, by follower. */
export interface SoakMemoryInput {
  /** Minutes since the soak began */
  minute: number
  rssBytes: readonly number[]
  heapUsedBytes: readonly number[]
  externalBytes: readonly number[]
}

export interface SoakSample {
  minute: number
  /** By follower, MB */
  rssMb: number[]
  /** V8 heap in use, by follower, MB */
  heapUsedMb: number[]
  /** Memory of ArrayBuffers and other objects outside the V8 heap, by follower, MB */
  externalMb: number[]
}

export interface SoakResult {
  minutes: number
  cycles: number
  /** Every follower's memory, sampled after each cycle's recovery wait */
  samples: SoakSample[]
  /** Slope of the followers' mean post-recovery RSS, MB per minute */
  slopeMbPerMin: number
  /** The same for the V8 heap in use */
  heapUsedSlopeMbPerMin: number
  /** The same for external memory (Buffers, ArrayBuffers) */
  externalSlopeMbPerMin: number
  /**
   * The same for the rest of RSS (RSS − heap used − external: free V8 heap pages, code, native
   * allocations, allocator arenas)
   */
  otherSlopeMbPerMin: number
  /** The RSS slope within TARGET_SOAK_SLOPE_MB_PER_MIN */
  pass: boolean
}

/** Slope over the samples of the followers' mean of `pick`, MB per minute (3 decimals). */
function meanSlope(
  samples: readonly SoakMemoryInput[],
  pick: (s: SoakMemoryInput, follower: number) => number,
): number {
  const points = samples.map((s) => {
    const n = s.rssBytes.length
    let total = 0
    for (let i = 0; i < n; i++) total += pick(s, i)
    return { x: s.minute, y: n === 0 ? 0 : total / n / 1e6 }
  })
  return round(slope(points), 3)
}

/** The soak verdict: per-sample MB and the trend of RSS and of each part of it. */
export function summarizeSoak(
  minutes: number,
  cycles: number,
  samples: readonly SoakMemoryInput[],
): SoakResult {
  const at = (xs: readonly number[], i: number) => xs[i] ?? 0
  const rss = meanSlope(samples, (s, i) => at(s.rssBytes, i))
  return {
    minutes,
    cycles,
    samples: samples.map((s) => ({
      minute: s.minute,
      rssMb: s.rssBytes.map(mb),
      heapUsedMb: s.heapUsedBytes.map(mb),
      externalMb: s.externalBytes.map(mb),
    })),
    slopeMbPerMin: rss,
    heapUsedSlopeMbPerMin: meanSlope(samples, (s, i) => at(s.heapUsedBytes, i)),
    externalSlopeMbPerMin: meanSlope(samples, (s, i) => at(s.externalBytes, i)),
    otherSlopeMbPerMin: meanSlope(
      samples,
      (s, i) => at(s.rssBytes, i) - at(s.heapUsedBytes, i) - at(s.externalBytes, i),
    ),
    pass: rss <= TARGET_SOAK_SLOPE_MB_PER_MIN,
  }
}
