/**
 * The outbound backlog reader on routers shaped by hand: the sums, and a reason instead of an
 * exception for each way the library internals can go missing. Real streams are in
 * test/e2e/outboundBacklog.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { readOutboundBacklog } from '../../../src/gossip/outboundBacklog.ts'

/** An outbound stream whose write buffer holds these RPCs, one chunk each. */
function stream(...rpcBytes: number[]) {
  const bufs = rpcBytes.map((n) => new Uint8Array(n))
  return {
    rawStream: {
      writeBuffer: { bufs },
      writeBufferLength: bufs.reduce((sum, b) => sum + b.byteLength, 0),
    },
  }
}

describe('gossip / outboundBacklog', () => {
  it('sums bytes and RPCs over peers and keeps the largest peer', () => {
    const router = {
      streamsOutbound: new Map<string, unknown>([
        ['peer-a', stream(100, 200)],
        ['peer-b', stream(5000)],
        ['peer-c', stream()],
      ]),
    }
    expect(readOutboundBacklog(router)).toEqual({
      backlog: { peers: 3, messages: 3, bytes: 5300, maxPeerBytes: 5000 },
      reason: null,
    })
  })

  it('reads no peers as an empty backlog', () => {
    expect(readOutboundBacklog({ streamsOutbound: new Map() })).toEqual({
      backlog: { peers: 0, messages: 0, bytes: 0, maxPeerBytes: 0 },
      reason: null,
    })
  })

  it('gives a reason, not an exception, when the internals are missing', () => {
    expect(readOutboundBacklog({})).toEqual({
      backlog: null,
      reason: 'gossipsub has no streamsOutbound map',
    })
    expect(readOutboundBacklog(null).reason).toBe('gossipsub has no streamsOutbound map')
    expect(
      readOutboundBacklog({ streamsOutbound: new Map([['p', { rawStream: {} }]]) }).reason,
    ).toBe('an outbound stream has no rawStream.writeBufferLength')
    expect(
      readOutboundBacklog({
        streamsOutbound: new Map([['p', { rawStream: { writeBufferLength: 10 } }]]),
      }).reason,
    ).toBe('an outbound stream has no readable write buffer chunks')
    const throwing = {
      rawStream: {
        writeBuffer: { bufs: [] },
        get writeBufferLength(): number {
          throw new Error('stream torn down')
        },
      },
    }
    expect(readOutboundBacklog({ streamsOutbound: new Map([['p', throwing]]) })).toEqual({
      backlog: null,
      reason: 'reading the outbound streams failed: Error: stream torn down',
    })
  })
})
