/**
 * What waits to be written on gossipsub's per-peer outbound streams: each RPC gossipsub sends
 * goes into the peer's libp2p stream write buffer, which drains as the muxer's send window and
 * the socket allow. A peer that stops reading (or a node that sends more than the link carries)
 * shows as bytes piling up there. Read-only; a library change that hides the buffers gives a
 * reason instead of numbers, never an exception.
 */
import { type OutboundStreamInternals, outboundStreamsOf } from '../patches/gossipsubInternals.ts'
import type { OutboundBacklogReading } from './hostApi.ts'

function isOutboundStream(stream: unknown): stream is OutboundStreamInternals {
  const raw = (stream as { rawStream?: unknown } | null)?.rawStream
  return (
    typeof raw === 'object' &&
    raw !== null &&
    typeof (raw as { writeBufferLength?: unknown }).writeBufferLength === 'number'
  )
}

/** RPCs in a write buffer: one chunk per `send()` (a partly written one counts). */
function chunksOf(stream: OutboundStreamInternals): number | null {
  const bufs = stream.rawStream.writeBuffer?.bufs
  return Array.isArray(bufs) ? bufs.length : null
}

/** Sums the outbound backlog over the router's peers. `router` = the running gossipsub service. */
export function readOutboundBacklog(router: unknown): OutboundBacklogReading {
  try {
    return sumOutboundBacklog(router)
  } catch (err) {
    // A library getter that throws: a reading, not a crash of the stats report.
    return { backlog: null, reason: `reading the outbound streams failed: ${String(err)}` }
  }
}

function sumOutboundBacklog(router: unknown): OutboundBacklogReading {
  const streams = outboundStreamsOf(router)
  if (streams === null) {
    return { backlog: null, reason: 'gossipsub has no streamsOutbound map' }
  }
  let messages = 0
  let bytes = 0
  let maxPeerBytes = 0
  for (const stream of streams.values()) {
    if (!isOutboundStream(stream)) {
      return { backlog: null, reason: 'an outbound stream has no rawStream.writeBufferLength' }
    }
    const chunks = chunksOf(stream)
    if (chunks === null) {
      return { backlog: null, reason: 'an outbound stream has no readable write buffer chunks' }
    }
    const peerBytes = stream.rawStream.writeBufferLength
    messages += chunks
    bytes += peerBytes
    maxPeerBytes = Math.max(maxPeerBytes, peerBytes)
  }
  return { backlog: { peers: streams.size, messages, bytes, maxPeerBytes }, reason: null }
}
