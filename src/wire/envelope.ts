/**
 * The decompressed gossip message (op-gossip.md §2.2):
 * `signature (65) ++ [parentBeaconBlockRoot (32), v3+] ++ SSZ ExecutionPayload`.
 * Everything after the signature is the signed byte string (§3.1). Decoding copies nothing.
 */
import { GossipValidationError } from './errors.ts'
import {
  decodeExecutionPayload,
  encodeExecutionPayloadInto,
  executionPayloadSize,
  PayloadEncodingError,
} from './ssz.ts'
import type { BlockVersion, ExecutionPayload, SignedEnvelope } from './types.ts'

/** r (32) || s (32) || v (1) */
export const SIGNATURE_SIZE_BYTES = 65

/** v3+ messages carry the L1 origin's parent beacon block root before the payload. */
export const PARENT_BEACON_BLOCK_ROOT_SIZE_BYTES = 32

const hasParentBeaconBlockRoot = (version: BlockVersion): boolean => version >= 3

/**
 * Splits a decompressed message into its signature and the signed bytes (both views), so a
 * validator can check the signature before decoding SSZ, in op-node's order.
 * @throws GossipValidationError SSZ_INVALID when the message is not longer than a signature
 */
export function splitSignedMessage(decompressed: Uint8Array): {
  signature: Uint8Array
  signedBytes: Uint8Array
} {
  if (decompressed.length <= SIGNATURE_SIZE_BYTES) {
    throw new GossipValidationError(
      'SSZ_INVALID',
      `message of ${decompressed.length} bytes has nothing after the ${SIGNATURE_SIZE_BYTES}-byte signature`,
    )
  }
  return {
    signature: decompressed.subarray(0, SIGNATURE_SIZE_BYTES),
    signedBytes: decompressed.subarray(SIGNATURE_SIZE_BYTES),
  }
}

/**
 * Decodes the signed bytes: `ssz` for v1/v2, `parentBeaconBlockRoot ++ ssz` for v3/v4
 * (op-service `ExecutionPayloadEnvelope.UnmarshalSSZ`).
 * @throws GossipValidationError SSZ_INVALID
 */
export function decodeSignedPayload(
  signedBytes: Uint8Array,
  version: BlockVersion,
): { parentBeaconBlockRoot?: Uint8Array; payload: ExecutionPayload } {
  if (!hasParentBeaconBlockRoot(version)) {
    return { payload: decodeExecutionPayload(signedBytes, version) }
  }
  if (signedBytes.length < PARENT_BEACON_BLOCK_ROOT_SIZE_BYTES) {
    throw new GossipValidationError(
      'SSZ_INVALID',
      `v${version} envelope of ${signedBytes.length} bytes is too short for the parent beacon block root`,
    )
  }
  return {
    parentBeaconBlockRoot: signedBytes.subarray(0, PARENT_BEACON_BLOCK_ROOT_SIZE_BYTES),
    payload: decodeExecutionPayload(
      signedBytes.subarray(PARENT_BEACON_BLOCK_ROOT_SIZE_BYTES),
      version,
    ),
  }
}

/**
 * Decodes a decompressed gossip message of topic version `version`.
 * @throws GossipValidationError SSZ_INVALID
 */
export function decodeSignedEnvelope(
  decompressed: Uint8Array,
  version: BlockVersion,
): SignedEnvelope {
  const { signature, signedBytes } = splitSignedMessage(decompressed)
  const { parentBeaconBlockRoot, payload } = decodeSignedPayload(signedBytes, version)
  const envelope: SignedEnvelope = { version, signature, payload, signedBytes }
  if (parentBeaconBlockRoot !== undefined) envelope.parentBeaconBlockRoot = parentBeaconBlockRoot
  return envelope
}

/** What `encodeSignedEnvelope` needs: a `SignedEnvelope` without the derived `signedBytes`. */
export interface EnvelopeToEncode {
  version: BlockVersion
  /** 65 bytes */
  signature: Uint8Array
  /** Required on v3/v4, must be absent on v1/v2; 32 bytes */
  parentBeaconBlockRoot?: Uint8Array
  payload: ExecutionPayload
}

/**
 * Encodes the decompressed gossip message (Snappy-compress it for the wire).
 * @throws PayloadEncodingError when a field does not fit the version
 */
export function encodeSignedEnvelope(envelope: EnvelopeToEncode): Uint8Array {
  const { version, signature, parentBeaconBlockRoot, payload } = envelope
  if (signature.length !== SIGNATURE_SIZE_BYTES) {
    throw new PayloadEncodingError(
      'signature',
      `must be ${SIGNATURE_SIZE_BYTES} bytes, got ${signature.length}`,
    )
  }
  const needsRoot = hasParentBeaconBlockRoot(version)
  if ((parentBeaconBlockRoot !== undefined) !== needsRoot) {
    throw new PayloadEncodingError(
      'parentBeaconBlockRoot',
      `must be ${needsRoot ? 'set' : 'absent'} for v${version}`,
    )
  }
  if (
    parentBeaconBlockRoot !== undefined &&
    parentBeaconBlockRoot.length !== PARENT_BEACON_BLOCK_ROOT_SIZE_BYTES
  ) {
    throw new PayloadEncodingError(
      'parentBeaconBlockRoot',
      `must be ${PARENT_BEACON_BLOCK_ROOT_SIZE_BYTES} bytes, got ${parentBeaconBlockRoot.length}`,
    )
  }
  const prefixSize = SIGNATURE_SIZE_BYTES + (needsRoot ? PARENT_BEACON_BLOCK_ROOT_SIZE_BYTES : 0)
  const out = new Uint8Array(prefixSize + executionPayloadSize(payload, version))
  out.set(signature, 0)
  if (parentBeaconBlockRoot !== undefined) out.set(parentBeaconBlockRoot, SIGNATURE_SIZE_BYTES)
  encodeExecutionPayloadInto(payload, version, out, prefixSize)
  return out
}
