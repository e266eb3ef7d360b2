import { describe, expect, it } from 'vitest'
import { NETEM_QUEUE_LIMIT_PACKETS, netemArgs, probeNetem } from '../../../src/devnet/network.ts'
import {
  cpuSeconds,
  IpcByteCounter,
  parseProcIo,
  readProcessIo,
} from '../../../src/devnet/processCounters.ts'

describe('devnet / processCounters', () => {
  it('parses /proc/<pid>/io', () => {
    expect(parseProcIo('rchar: 6976\nwchar: 12\nsyscr: 10\nsyscw: 3\n')).toEqual({
      read: 6976,
      written: 12,
    })
    expect(parseProcIo('syscr: 10\n')).toBeNull()
  })

  it('does not count its own reads of /proc/self/io', () => {
    const first = readProcessIo()
    if (first === null) {
      expect(process.platform).not.toBe('linux')
      return
    }
    const second = readProcessIo()
    expect(second?.read).toBe(first.read)
  })

  it('counts IPC bytes as JSON lines', () => {
    const c = new IpcByteCounter()
    c.onSend({ type: 'x' })
    c.onReceive({ a: 'é' })
    expect(c.sent).toBe('{"type":"x"}'.length + 1)
    expect(c.received).toBe(Buffer.byteLength('{"a":"é"}') + 1)
    expect(cpuSeconds()).toBeGreaterThan(0)
  })
})

describe('devnet / network', () => {
  it('builds netem arguments', () => {
    const limit = ['limit', String(NETEM_QUEUE_LIMIT_PACKETS)]
    expect(netemArgs({ delayMs: 20, jitterMs: 0, lossPercent: 0 })).toEqual([
      ...limit,
      'delay',
      '20ms',
    ])
    expect(netemArgs({ delayMs: 20, jitterMs: 5, lossPercent: 0.5 })).toEqual([
      ...limit,
      'delay',
      '20ms',
      '5ms',
      'loss',
      '0.5%',
    ])
  })

  it('probes link shaping and explains in one line when it cannot work', async () => {
    const reason = await probeNetem()
    if (reason !== null) {
      expect(reason).toMatch(
        /^(link shaping needs|cannot create a network namespace|the kernel has no netem)/,
      )
      expect(reason).not.toContain('\n')
    }
  })
})
