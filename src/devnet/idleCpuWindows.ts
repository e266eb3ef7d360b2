/**
 * `bench latency`'s idle CPU windows: every node's CPU rate over a quiet stretch of the devnet (no
 * blocks), read from the nodes' own stats snapshots. The window before the first block starts once
 * start-up work is over (src/devnet/cpuPerBlock.ts `startUpIsOver`); the one after the last block
 * starts at once.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { type CpuReading, cpuMsPerSecond, startUpIsOver } from './cpuPerBlock.ts'
import type { Devnet } from './devnet.ts'
import type { NodeStats } from './ipcProtocol.ts'

/**
 * Start-up work (handshakes, identify, JIT) goes on for a while after the mesh forms, so the
 * nodes' CPU rate is probed this often until it has stopped falling for CPU_RATE_PLATEAU_PROBES
 * probes in a row, at most the caller's start-up limit (`bench latency`'s IDLE_CPU_QUIET_MAX_MS),
 * before the idle window starts, ms
 */
export const IDLE_CPU_PROBE_MS = 2000

/** A node's cumulative CPU from its stats snapshot taken at `atMs`; null without a snapshot. */
export function cpuReading(stats: NodeStats | undefined, atMs: number): CpuReading | null {
  return stats === undefined ? null : { cpuSeconds: stats.counters.cpuSeconds, atMs }
}

interface StatsReading {
  atMs: number
  stats: Map<number, NodeStats>
}

async function readStats(devnet: Devnet): Promise<StatsReading> {
  const atMs = performance.now()
  return { atMs, stats: await devnet.snapshot() }
}

/** Every node's CPU ms per second between two readings, by node index. */
function cpuRates(a: StatsReading, b: StatsReading): Map<number, number> {
  const rates = new Map<number, number>()
  for (const [index, s] of a.stats) {
    const start = cpuReading(s, a.atMs)
    const end = cpuReading(b.stats.get(index), b.atMs)
    const rate = start === null || end === null ? null : cpuMsPerSecond(start, end)
    if (rate !== null) rates.set(index, rate)
  }
  return rates
}

const meanRate = (rates: Map<number, number>) =>
  [...rates.values()].reduce((a, b) => a + b, 0) / Math.max(1, rates.size)

/**
 * Every node's CPU rate over a quiet window (no blocks), by node index: once the nodes' mean
 * rate stops falling (start-up work done) or `startUpMaxMs` passed.
 */
export async function measureIdleCpu(
  devnet: Devnet,
  windowMs: number,
  startUpMaxMs: number,
  progress: (line: string) => void,
): Promise<Map<number, number>> {
  const t0 = performance.now()
  let last = await readStats(devnet)
  const rates: number[] = []
  for (;;) {
    await sleep(IDLE_CPU_PROBE_MS)
    const next = await readStats(devnet)
    rates.push(meanRate(cpuRates(last, next)))
    last = next
    if (startUpIsOver(rates)) break
    if (performance.now() - t0 >= startUpMaxMs) break
  }
  progress(
    `idle CPU: settled after ${((performance.now() - t0) / 1000).toFixed(0)} s; measuring ${windowMs / 1000} s without blocks`,
  )
  return measureQuietWindow(devnet, windowMs, last)
}

/**
 * Every node's CPU rate over the next `windowMs`, by node index, from `start` (a reading just
 * taken) or from a new reading.
 */
export async function measureQuietWindow(
  devnet: Devnet,
  windowMs: number,
  start?: StatsReading,
): Promise<Map<number, number>> {
  const from = start ?? (await readStats(devnet))
  await sleep(windowMs)
  return cpuRates(from, await readStats(devnet))
}
