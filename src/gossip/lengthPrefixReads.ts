/**
 * Length-prefixed reads without a fresh RangeError at every frame boundary.
 *
 * libp2p's length-prefixed decoder (@libp2p/utils `LengthPrefixedDecoder`: noise frames, and
 * the varint-framed libp2p protocol streams) finds out that a read ended exactly on a frame
 * boundary by calling its length decoder on the empty remainder, which throws a new RangeError
 * (stack trace captured) that the decoder catches to mean "wait for more bytes". That happens
 * once per socket read on every connection: ~5% of a devnet follower's CPU (12 followers, 100 KB
 * blocks, CPU per second with blocks flowing: 24.2 and 22.8 ms before, 22.6 and 22.0 after). `quietEmptyLengthPrefixReads` wraps each decoder's
 * length decoder, once per process, so an empty remainder throws one pre-built RangeError
 * instead: the same control flow, without the stack capture. Anything else, including a
 * remainder too short for its prefix, still reaches the library's own length decoder.
 */

import { LengthPrefixedDecoder, type LengthPrefixedDecoderInit } from '@libp2p/utils'

type LengthDecoder = NonNullable<LengthPrefixedDecoderInit['lengthDecoder']>

/** The decoder field this relies on (private in the library's types). */
interface DecoderState {
  lengthDecoder: LengthDecoder & { [GUARDED]?: true }
}

const GUARDED = Symbol.for('op-gossip.emptyLengthPrefixGuarded')
const INSTALLED = Symbol.for('op-gossip.emptyLengthPrefixReadsQuiet')

/** Thrown for every empty remainder; the decoder catches it (any RangeError) and waits. */
const NEED_MORE_BYTES = new RangeError('length prefix needs more bytes')

function guarded(lengthDecoder: LengthDecoder): LengthDecoder & { [GUARDED]: true } {
  const guard: LengthDecoder = (data) => {
    if (data.byteLength === 0) throw NEED_MORE_BYTES
    return lengthDecoder(data)
  }
  return Object.assign(guard, { [GUARDED]: true as const })
}

/** Process-wide and idempotent; a no-op when the library no longer has the expected shape. */
export function quietEmptyLengthPrefixReads(): void {
  const proto = LengthPrefixedDecoder.prototype as LengthPrefixedDecoder & { [INSTALLED]?: true }
  const decode = proto.decode
  if (proto[INSTALLED] === true || typeof decode !== 'function') return
  proto.decode = function decodeQuietly(this: LengthPrefixedDecoder, buf) {
    const s = this as unknown as DecoderState
    if (typeof s.lengthDecoder === 'function' && s.lengthDecoder[GUARDED] !== true) {
      s.lengthDecoder = guarded(s.lengthDecoder)
    }
    return decode.call(this, buf)
  }
  proto[INSTALLED] = true
}
