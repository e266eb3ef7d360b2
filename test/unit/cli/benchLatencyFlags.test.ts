import { describe, expect, it } from 'vitest'
import {
  MAX_BENCH_BLOCK_TIME_SECONDS,
  MIN_BENCH_BLOCK_TIME_SECONDS,
  parseBenchBlockTime,
} from '../../../src/cli/commands/benchLatency.ts'
import { UsageError } from '../../../src/cli/usageError.ts'

describe('cli / bench latency --block-time', () => {
  it('takes whole seconds as before and fractions for sub-second blocks', () => {
    expect(parseBenchBlockTime('1')).toBe(1)
    expect(parseBenchBlockTime('2')).toBe(2)
    expect(parseBenchBlockTime('0.2')).toBe(0.2)
    expect(parseBenchBlockTime('1.5')).toBe(1.5)
    expect(parseBenchBlockTime('0.25')).toBe(0.25)
  })

  it('takes the minimum and the maximum, and refuses past them', () => {
    expect(MIN_BENCH_BLOCK_TIME_SECONDS).toBe(0.1)
    expect(parseBenchBlockTime(String(MIN_BENCH_BLOCK_TIME_SECONDS))).toBe(0.1)
    expect(parseBenchBlockTime(String(MAX_BENCH_BLOCK_TIME_SECONDS))).toBe(60)
    expect(() => parseBenchBlockTime('0.099')).toThrow(UsageError)
    expect(() => parseBenchBlockTime('0.09')).toThrow(/--block-time must be seconds in \[0.1, 60\]/)
    expect(() => parseBenchBlockTime('0')).toThrow(UsageError)
    expect(() => parseBenchBlockTime('60.001')).toThrow(UsageError)
  })

  it('refuses what is not plain seconds to the millisecond', () => {
    for (const bad of ['', 'abc', '-1', '0.2s', '1e-1', '0.2001', '.2', 'Infinity']) {
      expect(() => parseBenchBlockTime(bad), bad).toThrow(UsageError)
    }
  })
})
