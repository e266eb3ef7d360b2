import { describe, expect, it } from 'vitest'
import { queueLine } from '../../../src/cli/commands/benchLatency.ts'
import type { LatencyBenchResult } from '../../../src/devnet/latencyBench.ts'
import { type NodeQueues, queueGrowth } from '../../../src/devnet/latencyQueues.ts'
import { syntheticLatencyRun } from '../report/syntheticLatencyRun.ts'

const quiet: NodeQueues = {
  validationBacklogMax: 0,
  validationBacklogEnd: 0,
  outboundBacklogMax: 0,
  outboundBacklogEnd: 0,
  outboundMessagesMax: 0,
  outboundPeerBytesMax: 0,
}

/** A two-follower result with these queues per follower and for the sequencer. */
function resultWith(perNode: NodeQueues[], sequencer?: NodeQueues): LatencyBenchResult {
  const { result } = syntheticLatencyRun({ nodes: 2, blocks: 5 })
  return {
    ...result,
    queues: queueGrowth(perNode),
    perNode: result.perNode.map((n, k) => ({ ...n, queues: perNode[k] as NodeQueues })),
    sequencer: { ...result.sequencer, ...(sequencer === undefined ? {} : { queues: sequencer }) },
  }
}

describe('cli / bench latency queue line', () => {
  it('prints the outbound backlog of the worst follower, per node and the sequencer', () => {
    const line = queueLine(
      resultWith(
        [
          { ...quiet, validationBacklogMax: 2, outboundBacklogMax: 1200, outboundMessagesMax: 3 },
          {
            ...quiet,
            outboundBacklogMax: 90_000,
            outboundBacklogEnd: 512,
            outboundMessagesMax: 2,
            outboundPeerBytesMax: 80_000,
          },
        ],
        { ...quiet, outboundBacklogMax: 300_000, outboundPeerBytesMax: 100_000 },
      ),
    )
    expect(line).toContain('validation backlog max/end 2/0 (per node 1: 2/0, 2: 0/0)')
    expect(line).toContain(
      'outbound bytes max/end 90000/512, RPCs max 3, largest peer queue 80000 B (per node 1: 1200/0, 2: 90000/512)',
    )
    expect(line).toContain('sequencer outbound bytes max/end 300000/0, largest peer queue 100000 B')
    expect(line).not.toContain('not read')
  })

  it('says why when the outbound queues could not be read', () => {
    const unread: NodeQueues = {
      ...quiet,
      outboundBacklogMax: null,
      outboundBacklogEnd: null,
      outboundMessagesMax: null,
      outboundPeerBytesMax: null,
      outboundUnreadable: 'gossipsub has no streamsOutbound map',
    }
    expect(queueLine(resultWith([unread, unread]))).toMatch(
      /; outbound queues not read: gossipsub has no streamsOutbound map$/,
    )
  })

  it('prints nothing for a result without queues (an older result file)', () => {
    const { result } = syntheticLatencyRun({ nodes: 2, blocks: 5 })
    expect(queueLine(result)).toBeNull()
  })
})
