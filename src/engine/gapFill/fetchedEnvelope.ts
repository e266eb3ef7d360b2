/**
 * A block fetched from the backup RPC in the shape the sync driver's buffer holds (a gossip
 * envelope). It carries no sequencer signature: it was checked by hash and parent link, not by
 * signer, and it is never gossiped or posted anywhere; only its payload reaches the EL.
 */
import { SIGNATURE_SIZE_BYTES } from '../../wire/envelope.ts'
import { executionPayloadSize } from '../../wire/ssz.ts'
import type { SignedEnvelope } from '../../wire/types.ts'
import type { RpcBlockPayload } from '../rpcBlock.ts'

const NO_SIGNATURE = new Uint8Array(SIGNATURE_SIZE_BYTES)
const NO_SIGNED_BYTES = new Uint8Array(0)
const BEACON_ROOT_SIZE_BYTES = 32

/** The envelope, and the bytes it counts against the buffer's byte limit (its SSZ size). */
export function fetchedEnvelope(block: RpcBlockPayload): {
  envelope: SignedEnvelope
  sizeBytes: number
} {
  const envelope: SignedEnvelope = {
    version: block.version,
    signature: NO_SIGNATURE,
    payload: block.payload,
    signedBytes: NO_SIGNED_BYTES,
  }
  let sizeBytes = executionPayloadSize(block.payload, block.version)
  if (block.parentBeaconBlockRoot !== undefined) {
    envelope.parentBeaconBlockRoot = block.parentBeaconBlockRoot
    sizeBytes += BEACON_ROOT_SIZE_BYTES
  }
  return { envelope, sizeBytes }
}
