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
 *
 * Upstream: no upstream issue found (searched 2026-12-05). To be filed against
 * ChainSafe/js-libp2p-yamux: "Send window updates once half the receive window is consumed, as
 * go-yamux does" — every received data frame is answered with a WINDOW_UPDATE frame today, a
 * frame and a socket write per message on the receiver; go-yamux and rust-yamux wait for half
 * the window. Related: libp2p/rust-yamux#100 and libp2p/rust-yamux#109 (the same change there).
 */

import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import type { LibraryPatch } from './libraryPatch.ts'

/** The stream fields this relies on (private in the library's types). */
interface YamuxWindowState {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

type WindowUpdater = (this: YamuxStream) => void

const DEFERRED = Symbol.for('op-gossip.yamuxWindowUpdatesDeferred')

function streamPrototype(): { sendWindowUpdate?: WindowUpdater; [DEFERRED]?: true } {
  return YamuxStream.prototype as unknown as { sendWindowUpdate?: WindowUpdater; [DEFERRED]?: true }
}

/** The private fields it reads, as the stream class declares them. */
const WINDOW_FIELDS =
  /\brecvWindow\b[\s\S]*\brecvWindowCapacity\b|\brecvWindowCapacity\b[\s\S]*\brecvWindow\b/

/** True when the stream class still has the method, state and fields this patch relies on. */
function windowUpdatesPatchable(): boolean {
  return (
    typeof streamPrototype().sendWindowUpdate === 'function' &&
    typeof StreamState.Established === 'number' &&
    WINDOW_FIELDS.test(String(YamuxStream))
  )
}

/**
 * Process-wide and idempotent; returns false (and changes nothing) when the library no longer
 * has the expected method.
 */
export function deferYamuxWindowUpdates(): boolean {
  const proto = streamPrototype()
  const original = proto.sendWindowUpdate
  if (proto[DEFERRED] === true) return true
  if (!windowUpdatesPatchable() || original === undefined) return false
  proto.sendWindowUpdate = function sendWindowUpdateAtHalfWindow(this: YamuxStream) {
    const s = this as unknown as YamuxWindowState
    if (s.state === StreamState.Established && s.recvWindowCapacity * 2 > s.recvWindow) return
    original.call(this)
  }
  proto[DEFERRED] = true
  return true
}

export const yamuxWindowUpdatesPatch: LibraryPatch = {
  name: 'yamuxWindowUpdates',
  packageName: '@chainsafe/libp2p-yamux',
  writtenForVersion: '8.0.1',
  scope: 'process',
  upstream: 'no upstream issue found (searched 2026-12-05); related libp2p/rust-yamux#100',
  applies: windowUpdatesPatchable,
  install: deferYamuxWindowUpdates,
}
