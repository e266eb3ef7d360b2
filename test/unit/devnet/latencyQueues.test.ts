import { describe, expect, it } from 'vitest'
import {
  createQueueRecorder,
  type NodeQueues,
  queueGrowth,
} from '../../../src/devnet/latencyQueues.ts'
import type { OutboundBacklogReading } from '../../../src/gossip/hostApi.ts'

const outbound = (
  bytes: number,
  messages: number,
  maxPeerBytes: number,
): OutboundBacklogReading => ({
  backlog: { peers: 3, messages, bytes, maxPeerBytes },
  reason: null,
})
const unreadable = (reason: string): OutboundBacklogReading => ({ backlog: null, reason })

/** A node's queues with nothing outbound read (the fields a test does not care about). */
const node = (q: Partial<NodeQueues>): NodeQueues => ({
  validationBacklogMax: 0,
  validationBacklogEnd: 0,
  outboundBacklogMax: null,
  outboundBacklogEnd: null,
  outboundMessagesMax: null,
  outboundPeerBytesMax: null,
  ...q,
})

describe('devnet / latencyQueues', () => {
  it("keeps each node's largest validation backlog and its end value, the end snapshot included", () => {
    const r = createQueueRecorder()
    r.record(1, { backlog: 0 })
    r.record(1, { backlog: 7 })
    r.record(1, { backlog: 2 })
    r.record(2, { backlog: 0 })
    expect(r.node(1, { backlog: 0 })).toMatchObject({
      validationBacklogMax: 7,
      validationBacklogEnd: 0,
    })
    // a backlog still growing at the end: the end value is the maximum
    expect(r.node(2, { backlog: 12 })).toMatchObject({
      validationBacklogMax: 12,
      validationBacklogEnd: 12,
    })
    // no sample and no end snapshot: nothing queued was seen, nothing outbound was read
    expect(r.node(3, undefined)).toEqual(node({}))
  })

  it("keeps each node's outbound peaks (bytes, RPCs, single peer) and its end bytes", () => {
    const r = createQueueRecorder()
    r.record(1, { backlog: 0, outbound: outbound(5000, 2, 4000) })
    r.record(1, { backlog: 0, outbound: outbound(300_000, 9, 120_000) })
    r.record(1, { backlog: 0, outbound: outbound(0, 0, 0) })
    expect(r.node(1, { backlog: 0, outbound: outbound(100, 1, 100) })).toEqual(
      node({
        outboundBacklogMax: 300_000,
        outboundBacklogEnd: 100,
        outboundMessagesMax: 9,
        outboundPeerBytesMax: 120_000,
      }),
    )
    // growing to the end: the end snapshot is the peak
    r.record(2, { backlog: 0, outbound: outbound(10, 1, 10) })
    expect(r.node(2, { backlog: 0, outbound: outbound(80_000, 4, 50_000) })).toEqual(
      node({
        outboundBacklogMax: 80_000,
        outboundBacklogEnd: 80_000,
        outboundMessagesMax: 4,
        outboundPeerBytesMax: 50_000,
      }),
    )
  })

  it('gives null outbound figures with the reason when the host cannot read them', () => {
    const r = createQueueRecorder()
    r.record(1, { backlog: 1, outbound: unreadable('gossipsub has no streamsOutbound map') })
    expect(
      r.node(1, { backlog: 0, outbound: unreadable('gossipsub has no streamsOutbound map') }),
    ).toEqual(
      node({ validationBacklogMax: 1, outboundUnreadable: 'gossipsub has no streamsOutbound map' }),
    )
    // read once, unreadable at the end: the peak stays, the end is unknown, no reason shown
    r.record(2, { backlog: 0, outbound: outbound(700, 1, 700) })
    expect(r.node(2, { backlog: 0, outbound: unreadable('gone') })).toEqual(
      node({
        outboundBacklogMax: 700,
        outboundBacklogEnd: null,
        outboundMessagesMax: 1,
        outboundPeerBytesMax: 700,
      }),
    )
    // a node that does not report them at all (older node): null without a reason
    expect(r.node(3, { backlog: 0 })).toEqual(node({}))
  })

  it('takes the worst follower for the run; outboundQueueMax is the largest single-peer queue', () => {
    expect(
      queueGrowth([
        node({
          validationBacklogMax: 3,
          outboundBacklogMax: 90_000,
          outboundBacklogEnd: 0,
          outboundMessagesMax: 2,
          outboundPeerBytesMax: 60_000,
        }),
        node({
          validationBacklogMax: 1,
          validationBacklogEnd: 1,
          outboundBacklogMax: 40_000,
          outboundBacklogEnd: 500,
          outboundMessagesMax: 5,
          outboundPeerBytesMax: 40_000,
        }),
        // a follower that could not read them does not hide the others
        node({ outboundUnreadable: 'gone' }),
      ]),
    ).toEqual({
      validationBacklogMax: 3,
      validationBacklogEnd: 1,
      outboundBacklogMax: 90_000,
      outboundBacklogEnd: 500,
      outboundMessagesMax: 5,
      outboundQueueMax: 60_000,
    })
  })

  it('has null outbound figures and a reason when no follower could read them', () => {
    expect(
      queueGrowth([node({ outboundUnreadable: 'gossipsub has no streamsOutbound map' })]),
    ).toEqual({
      validationBacklogMax: 0,
      validationBacklogEnd: 0,
      outboundBacklogMax: null,
      outboundBacklogEnd: null,
      outboundMessagesMax: null,
      outboundQueueMax: null,
      outboundUnreadable: 'gossipsub has no streamsOutbound map',
    })
    expect(queueGrowth([])).toEqual({
      validationBacklogMax: 0,
      validationBacklogEnd: 0,
      outboundBacklogMax: null,
      outboundBacklogEnd: null,
      outboundMessagesMax: null,
      outboundQueueMax: null,
    })
  })
})
