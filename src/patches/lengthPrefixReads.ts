/**
 * Length-prefixed reads without a fresh RangeError at every frame boundary.
 *
 * libp2p's length-prefixed decoder (@libp2p/utils `LengthPrefixedDecoder`: noise frames, and
 * the varint-framed libp2p protocol streams) finds out that a read ended exactly on a frame
 * boundary by calling its length decoder on the empty remainder, which throws a new RangeError
 * (stack trace captured) that the decoder catches to mean "wait for more bytes". That happens
 * once per socket read on every connection, a visible share of an idle-looking follower's CPU.
 * `quietEmptyLengthPrefixReads` wraps each decoder's length decoder, once per process, so an
 * empty remainder throws one pre-built RangeError instead: the same control flow, without the
 * stack capture. Anything else, including a remainder too short for its prefix, still reaches
 * the library's own length decoder.
 *
 * Upstream: no upstream issue found (searched 2026-12-05). To be filed against libp2p/js-libp2p
 * (@libp2p/utils): "LengthPrefixedDecoder: return early on an empty remainder instead of catching
 * a RangeError" — a read that ends on a frame boundary costs a new RangeError with its stack
 * trace on every connection. Related: ChainSafe/lodestar#3467 (the same pattern in libp2p-mplex).
 */

import { LengthPrefixedDecoder, type LengthPrefixedDecoderInit } from '@libp2p/utils'
import type { LibraryPatch } from './libraryPatch.ts'

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

/** True when the decoder still has the method and the private field this patch relies on. */
function lengthPrefixReadsPatchable(): boolean {
  const probe = new LengthPrefixedDecoder() as unknown as Partial<DecoderState>
  return (
    typeof LengthPrefixedDecoder.prototype.decode === 'function' &&
    typeof probe.lengthDecoder === 'function'
  )
}

/**
 * Process-wide and idempotent; returns false (and changes nothing) when the library no longer
 * has the expected shape.
 */
export function quietEmptyLengthPrefixReads(): boolean {
  const proto = LengthPrefixedDecoder.prototype as LengthPrefixedDecoder & { [INSTALLED]?: true }
  const decode = proto.decode
  if (proto[INSTALLED] === true) return true
  if (!lengthPrefixReadsPatchable()) return false
  proto.decode = function decodeQuietly(this: LengthPrefixedDecoder, buf) {
    const s = this as unknown as DecoderState
    if (typeof s.lengthDecoder === 'function' && s.lengthDecoder[GUARDED] !== true) {
      s.lengthDecoder = guarded(s.lengthDecoder)
    }
    return decode.call(this, buf)
  }
  proto[INSTALLED] = true
  return true
}

export const lengthPrefixReadsPatch: LibraryPatch = {
  name: 'lengthPrefixReads',
  packageName: '@libp2p/utils',
  writtenForVersion: '7.4.1',
  scope: 'process',
  upstream: 'no upstream issue found (searched 2026-12-05); related ChainSafe/lodestar#3467',
  applies: lengthPrefixReadsPatchable,
  install: quietEmptyLengthPrefixReads,
}
