/**
 * Peer ID helpers for the status RPC: validation of peer ID params (like op-node's
 * `peer.ID.Validate` plus its JSON decoding) and the discv5 node ID op-node reports next to a
 * peer ID (keccak256 of the uncompressed secp256k1 public key, without its 0x04 prefix).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import secp256k1 from 'secp256k1'
import { keccak256 } from '../wire/keccak.ts'

/** Longest peer ID string accepted (an RSA peer ID is ~46 chars, an inlined key ~53). */
export const MAX_PEER_ID_LENGTH_CHARS = 128

/** op-node prints an unknown node ID as 32 zero bytes (enode.ID's zero value), hex without 0x. */
export const ZERO_NODE_ID = '00'.repeat(32)

/** True when `value` is a well-formed libp2p peer ID string. */
export function isPeerIdString(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PEER_ID_LENGTH_CHARS)
    return false
  try {
    peerIdFromString(value)
    return true
  } catch {
    return false
  }
}

/** enode ID (64 hex chars, no 0x, as go-ethereum's enode.ID marshals) of a secp256k1 peer ID. */
export function nodeIdOfPeerId(peerId: string): string {
  try {
    const id = peerIdFromString(peerId)
    if (id.type !== 'secp256k1') return ZERO_NODE_ID
    const uncompressed = secp256k1.publicKeyConvert(id.publicKey.raw, false)
    return Buffer.from(keccak256(uncompressed.subarray(1))).toString('hex')
  } catch {
    return ZERO_NODE_ID
  }
}
