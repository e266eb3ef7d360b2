/**
 * it-length-prefixed's encode limit raised to op-node's 10 MiB RPC limit.
 *
 * gossipsub frames every outbound RPC with `encode.single` without options, so that function's
 * 4 MiB default applies and a 4-10 MiB block is silently not sent (the publish reports no
 * recipients; relaying drops it). gossipsub has no option for this, so the default is raised
 * here for calls that pass no limit of their own. Process-wide and idempotent; an e2e test sends
 * a 5 MiB block to prove it still takes effect.
 *
 * Upstream: libp2p/js-libp2p#3427 ("gossipsub: if the message size exceeds 4MB, the transmission
 * will fail"; also ChainSafe/js-libp2p-gossipsub#544), fix proposed in libp2p/js-libp2p#3486 (a
 * `maxOutboundDataLength` gossipsub option). Once a release has it, pass the option and drop this.
 */
import { encode } from 'it-length-prefixed'
import { MAX_GOSSIP_SIZE_BYTES } from '../wire/snappy.ts'
import type { LibraryPatch } from './libraryPatch.ts'

const LIMIT_RAISED: unique symbol = Symbol.for('op-gossip.lengthPrefixedLimitRaised')

type RaisableEncode = typeof encode & { [LIMIT_RAISED]?: true }

/** True when `encode.single` is still there to wrap. */
function encodeLimitPatchable(): boolean {
  return typeof encode.single === 'function'
}

/** Returns false (and changes nothing) when it-length-prefixed no longer has `encode.single`. */
export function raiseLengthPrefixedEncodeLimit(): boolean {
  const raisable = encode as RaisableEncode
  if (raisable[LIMIT_RAISED] === true) return true
  if (!encodeLimitPatchable()) return false
  const single = raisable.single
  raisable.single = (chunk, options) =>
    single(chunk, { ...options, maxDataLength: options?.maxDataLength ?? MAX_GOSSIP_SIZE_BYTES })
  raisable[LIMIT_RAISED] = true
  return true
}

export const lengthPrefixedEncodeLimitPatch: LibraryPatch = {
  name: 'lengthPrefixedEncodeLimit',
  packageName: 'it-length-prefixed',
  writtenForVersion: '11.0.1',
  scope: 'process',
  upstream: 'libp2p/js-libp2p#3427 (fix proposed in libp2p/js-libp2p#3486)',
  applies: encodeLimitPatchable,
  install: raiseLengthPrefixedEncodeLimit,
}
