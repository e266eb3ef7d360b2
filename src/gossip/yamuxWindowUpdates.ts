/**
 * yamux window updates as go-yamux sends them: once half the receive window is used.
 *
 * @chainsafe/libp2p-yamux answers every data frame it receives with a window-update frame, so
 * each gossip message received costs the receiver an encrypted frame and a socket write back
 * (and the sender a read, a decrypt and a frame parse). go-yamux (op-node's muxer) only sends an
 * update once at least half of the window has been consumed. The library has no option for this;
 * `deferYamuxWindowUpdates` wraps the stream class's update method once per process so that it
 * returns early while more than half the window is still free, and otherwise runs unchanged
 * (the update then covers everything consumed so far). Streams in any other state (opening,
 * paused) always run the library's method, which sends the SYN/ACK flags and handles pauses.
 * A sender is never stalled: it has at least half a window (128 KiB at first) left whenever an
 * update is held back.
 */

import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

/** The stream fields this relies on (private in the library's types). */
interface YamuxWindowState {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

type WindowUpdater = (this: YamuxStream) => void

const DEFERRED = Symbol.for('op-gossip.yamuxWindowUpdatesDeferred')

/** Process-wide and idempotent; a no-op when the library no longer has the expected method. */
export function deferYamuxWindowUpdates(): void {
  const proto = YamuxStream.prototype as unknown as {
    sendWindowUpdate?: WindowUpdater
    [DEFERRED]?: true
  }
  const original = proto.sendWindowUpdate
  if (proto[DEFERRED] === true || typeof original !== 'function') return
  proto.sendWindowUpdate = function sendWindowUpdateAtHalfWindow(this: YamuxStream) {
    const s = this as unknown as YamuxWindowState
    if (s.state === StreamState.Established && s.recvWindowCapacity * 2 > s.recvWindow) return
    original.call(this)
  }
  proto[DEFERRED] = true
}
