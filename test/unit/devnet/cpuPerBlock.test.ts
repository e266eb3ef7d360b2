import { describe, expect, it } from 'vitest'
import {
  CPU_RATE_PLATEAU_PROBES,
  CPU_RATE_PLATEAU_RATIO,
  cpuMsPerBlock,
  cpuMsPerSecond,
  hasStoppedFalling,
  idleRate,
  startUpIsOver,
} from '../../../src/devnet/cpuPerBlock.ts'

describe('devnet / cpuPerBlock', () => {
  it('idle rate: CPU ms per second of wall time between two readings', () => {
    expect(cpuMsPerSecond({ cpuSeconds: 1, atMs: 0 }, { cpuSeconds: 1.04, atMs: 5000 })).toBe(8)
    expect(cpuMsPerSecond({ cpuSeconds: 1, atMs: 10 }, { cpuSeconds: 2, atMs: 10 })).toBeNull()
  })

  it('per block: window CPU minus the idle rate over the window, divided by the blocks', () => {
    // 60 blocks over 60 s: 1.38 s of CPU, of which 8 ms/s × 60 s = 0.48 s is idle work
    const window = {
      start: { cpuSeconds: 10, atMs: 1000 },
      end: { cpuSeconds: 11.38, atMs: 61_000 },
      blocks: 60,
    }
    expect(cpuMsPerBlock(window, 8)).toBe(15)
    expect(cpuMsPerBlock(window, 0)).toBe(23)
    // a noisy idle window can exceed the block cost: reported as is, not hidden
    expect(cpuMsPerBlock(window, 30)).toBe(-7)
  })

  it('is null without an idle rate, a window or blocks', () => {
    const start = { cpuSeconds: 1, atMs: 0 }
    const end = { cpuSeconds: 2, atMs: 1000 }
    expect(cpuMsPerBlock({ start, end, blocks: 1 }, null)).toBeNull()
    expect(cpuMsPerBlock({ start, end: start, blocks: 1 }, 1)).toBeNull()
    expect(cpuMsPerBlock({ start, end, blocks: 0 }, 1)).toBeNull()
  })
})

describe('devnet / cpuPerBlock / hasStoppedFalling', () => {
  it('start-up is over once the rate falls by less than the plateau ratio between probes', () => {
    expect(CPU_RATE_PLATEAU_RATIO).toBe(0.9)
    expect(hasStoppedFalling(60, 30)).toBe(false)
    expect(hasStoppedFalling(10, 9.001)).toBe(true)
    expect(hasStoppedFalling(10, 9)).toBe(true)
    expect(hasStoppedFalling(10, 8.99)).toBe(false)
    expect(hasStoppedFalling(10, 12)).toBe(true)
  })
})

describe('devnet / cpuPerBlock / startUpIsOver', () => {
  it('needs CPU_RATE_PLATEAU_PROBES probes in a row that stopped falling', () => {
    expect(CPU_RATE_PLATEAU_PROBES).toBe(3)
    // Three probes (two steps) on a plateau: one short.
    expect(startUpIsOver([100, 40, 39, 38])).toBe(false)
    // Four probes (three steps) on a plateau.
    expect(startUpIsOver([100, 40, 39, 38, 38])).toBe(true)
    // A fall inside the last three steps starts over.
    expect(startUpIsOver([40, 39, 20, 19, 19])).toBe(false)
    expect(startUpIsOver([40, 39, 20, 19, 19, 19])).toBe(true)
    expect(startUpIsOver([])).toBe(false)
  })
})

describe('devnet / cpuPerBlock / idleRate', () => {
  it('takes the quieter of the windows before and after the blocks, or the one measured', () => {
    // A node still starting up before the blocks: the window after them counts.
    expect(idleRate(47.3, 5.2)).toBe(5.2)
    // The last blocks' garbage after them: the window before counts.
    expect(idleRate(4.1, 6.8)).toBe(4.1)
    expect(idleRate(null, 6.8)).toBe(6.8)
    expect(idleRate(4.1, null)).toBe(4.1)
    expect(idleRate(null, null)).toBeNull()
  })
})
