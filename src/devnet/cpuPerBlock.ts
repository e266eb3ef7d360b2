/**
 * What a block costs a node in CPU: the CPU it used while blocks flowed, minus what it would
 * have used idle over the same time (heartbeats, pings, timers), per block. The idle rate is
 * measured on the same node over two quiet windows: one after the mesh formed and before the
 * first block, once the start-up work is over (the mean rate stops falling), and one after the
 * last block settled; the lower of the two counts (`idleRate`). Pure arithmetic, so it is
 * unit-tested on hand-made numbers.
 */

/** A node's cumulative CPU time read at a point in time. */
export interface CpuReading {
  /** User + system CPU since the process started, seconds */
  cpuSeconds: number
  /** When it was read, ms on any monotonic clock shared by the readings */
  atMs: number
}

/** A CPU rate has stopped falling when it is at least this fraction of the previous probe's */
export const CPU_RATE_PLATEAU_RATIO = 0.9

/** True once start-up work is over: the rate fell by less than 10% since the previous probe. */
export function hasStoppedFalling(
  previousMsPerSecond: number,
  currentMsPerSecond: number,
): boolean {
  return currentMsPerSecond >= previousMsPerSecond * CPU_RATE_PLATEAU_RATIO
}

/**
 * Probes in a row whose rate has stopped falling before start-up counts as over: one probe is
 * not enough on a devnet whose nodes started at once (each start-up's tail, the warm-up among
 * it, keeps the machine busy for tens of seconds, and one slower probe looks like a plateau).
 */
export const CPU_RATE_PLATEAU_PROBES = 3

/** True once the last CPU_RATE_PLATEAU_PROBES rates each stopped falling (`hasStoppedFalling`). */
export function startUpIsOver(ratesMsPerSecond: readonly number[]): boolean {
  if (ratesMsPerSecond.length < CPU_RATE_PLATEAU_PROBES + 1) return false
  const last = ratesMsPerSecond.slice(-(CPU_RATE_PLATEAU_PROBES + 1))
  for (let i = 1; i < last.length; i++) {
    if (!hasStoppedFalling(last[i - 1] as number, last[i] as number)) return false
  }
  return true
}

const round3 = (x: number) => Math.round(x * 1000) / 1000

/**
 * A node's idle rate from its window before the first block and its window after the last one:
 * the lower. Either window can hold work that is not idle (a node whose own start-up outlasted the
 * others' before, the last blocks' garbage after); neither can be lower than the true idle rate by
 * more than the noise of the reading. Null when neither was measured.
 */
export function idleRate(before: number | null, after: number | null): number | null {
  if (before === null) return after
  if (after === null) return before
  return Math.min(before, after)
}

/** CPU ms used per second of wall time between two readings; null for an empty interval. */
export function cpuMsPerSecond(start: CpuReading, end: CpuReading): number | null {
  const seconds = (end.atMs - start.atMs) / 1000
  if (!(seconds > 0)) return null
  return round3(((end.cpuSeconds - start.cpuSeconds) * 1000) / seconds)
}

/**
 * CPU ms per block over a window of `blocks` blocks, with the idle rate taken out; null when
 * the idle rate or the window is unknown. Not clamped at 0: a negative value says the idle
 * window was noisier than the block cost is large.
 */
export function cpuMsPerBlock(
  window: { start: CpuReading; end: CpuReading; blocks: number },
  idleCpuMsPerSecond: number | null,
): number | null {
  const seconds = (window.end.atMs - window.start.atMs) / 1000
  if (idleCpuMsPerSecond === null || !(seconds > 0) || window.blocks < 1) return null
  const busyMs = (window.end.cpuSeconds - window.start.cpuSeconds) * 1000
  return round3((busyMs - idleCpuMsPerSecond * seconds) / window.blocks)
}
