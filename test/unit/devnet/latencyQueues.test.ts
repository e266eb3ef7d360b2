import { describe, expect, it } from 'vitest'
import { createBacklogRecorder, queueGrowth } from '../../../src/devnet/latencyQueues.ts'

describe('devnet / latencyQueues', () => {
  it("keeps each node's largest backlog and its end value, the end snapshot included", () => {
    const r = createBacklogRecorder()
    r.record(1, 0)
    r.record(1, 7)
    r.record(1, 2)
    r.record(2, 0)
    expect(r.node(1, 0)).toEqual({ validationBacklogMax: 7, validationBacklogEnd: 0 })
    // a backlog still growing at the end: the end value is the maximum
    expect(r.node(2, 12)).toEqual({ validationBacklogMax: 12, validationBacklogEnd: 12 })
    // no sample and no end snapshot: nothing queued was seen
    expect(r.node(3, undefined)).toEqual({ validationBacklogMax: 0, validationBacklogEnd: 0 })
  })

  it('takes the worst follower for the run, outbound queues unmeasured', () => {
    expect(
      queueGrowth([
        { validationBacklogMax: 3, validationBacklogEnd: 0 },
        { validationBacklogMax: 1, validationBacklogEnd: 1 },
      ]),
    ).toEqual({ validationBacklogMax: 3, validationBacklogEnd: 1, outboundQueueMax: null })
    expect(queueGrowth([])).toEqual({
      validationBacklogMax: 0,
      validationBacklogEnd: 0,
      outboundQueueMax: null,
    })
  })
})
