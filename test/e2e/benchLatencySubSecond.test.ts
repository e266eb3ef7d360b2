/**
 * `bench latency --block-time 0.2` as users run it: the real CLI, a sequencer publishing five
 * blocks a second (the chain's block_time stays 1 s) to real node processes over 127.0.0.1, and
 * the validation and outbound backlogs of every follower reported in the JSON.
 */
import { describe, expect, it } from 'vitest'
import { MAX_STARTUP_WAIT_SECONDS } from '../../src/cli/commands/benchLatency.ts'
import { runCli } from '../utils/cli.ts'

interface Queues {
  validationBacklogMax: number
  validationBacklogEnd: number
  outboundBacklogMax: number
  outboundBacklogEnd: number
  outboundMessagesMax: number
}

describe('e2e / bench latency with 200 ms blocks', () => {
  it('delivers every block and reports the followers’ validation and outbound backlogs', async () => {
    const r = await runCli(
      [
        'bench',
        'latency',
        '--nodes',
        '2',
        '--blocks',
        '10',
        '--block-time',
        '0.2',
        // The start-up's end is not what this test checks: one CPU probe, then the idle window.
        '--startup-wait',
        '0',
        // Idle CPU over 1 s windows: heartbeats and stats already cost some CPU in one second.
        '--idle-window',
        '1',
        // Deliveries on 127.0.0.1 take milliseconds: 1 s lets every measured block arrive.
        '--settle',
        '1',
        '--json',
      ],
      { timeoutMs: 90_000 },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('0.2 s blocks')
    const result = JSON.parse(r.stdout.trim()) as {
      nodes: number
      blocks: number
      blockTime: number
      delivery: number
      e2eMs: { p50: number; max: number }
      queues: Queues & { outboundQueueMax: number }
      perNode: Array<{ received: number; queues: Queues & { outboundPeerBytesMax: number } }>
      sequencer: { queues: Queues & { outboundPeerBytesMax: number } }
      perMinute: Array<{ blocks: number }>
    }
    expect(result).toMatchObject({ nodes: 2, blocks: 10, blockTime: 0.2, delivery: 1 })
    // 10 blocks 200 ms apart: all within a few seconds, so within one minute
    expect(result.perMinute.map((m) => m.blocks)).toEqual([10])
    expect(result.e2eMs.max).toBeLessThan(1000)
    expect(result.perNode).toHaveLength(2)
    for (const n of result.perNode) {
      expect(n.received).toBe(10)
      expect(Number.isInteger(n.queues.validationBacklogMax)).toBe(true)
      expect(n.queues.validationBacklogEnd).toBeGreaterThanOrEqual(0)
      expect(n.queues.validationBacklogMax).toBeGreaterThanOrEqual(n.queues.validationBacklogEnd)
      // read from the node's real outbound streams: numbers, never null
      expect(Number.isInteger(n.queues.outboundBacklogMax)).toBe(true)
      expect(n.queues.outboundBacklogMax).toBeGreaterThanOrEqual(n.queues.outboundBacklogEnd)
      expect(n.queues.outboundBacklogMax).toBeGreaterThanOrEqual(n.queues.outboundPeerBytesMax)
    }
    expect(Number.isInteger(result.sequencer.queues.outboundBacklogMax)).toBe(true)
    expect(result.queues.validationBacklogMax).toBe(
      Math.max(...result.perNode.map((n) => n.queues.validationBacklogMax)),
    )
    expect(result.queues.validationBacklogEnd).toBe(
      Math.max(...result.perNode.map((n) => n.queues.validationBacklogEnd)),
    )
    // two followers keep up with 5 blocks/s: nothing left queued at the end
    expect(result.queues.validationBacklogEnd).toBe(0)
    expect(result.queues.outboundQueueMax).toBe(
      Math.max(...result.perNode.map((n) => n.queues.outboundPeerBytesMax)),
    )
    expect(result.queues.outboundBacklogMax).toBe(
      Math.max(...result.perNode.map((n) => n.queues.outboundBacklogMax)),
    )
  }, 100_000)

  it(`refuses --startup-wait past ${MAX_STARTUP_WAIT_SECONDS} s with exit code 2`, async () => {
    const r = await runCli(
      ['bench', 'latency', '--startup-wait', String(MAX_STARTUP_WAIT_SECONDS + 1)],
      { timeoutMs: 30_000 },
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--startup-wait')
  })
})
