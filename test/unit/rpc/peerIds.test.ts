import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import secp256k1 from 'secp256k1'
import { keccak256 } from 'viem'
import { describe, expect, it } from 'vitest'
import { devnetKey } from '../../../src/blocks/blockBuilder.ts'
import {
  isPeerIdString,
  MAX_PEER_ID_LENGTH_CHARS,
  nodeIdOfPeerId,
  ZERO_NODE_ID,
} from '../../../src/rpc/peerIds.ts'

describe('rpc / peerIds', () => {
  const key = devnetKey('peer-ids')
  const peerId = peerIdFromPrivateKey(privateKeyFromRaw(key)).toString()

  it('derives the discv5 node ID (keccak256 of the uncompressed public key) from a secp256k1 peer ID', () => {
    const pub = secp256k1.publicKeyCreate(key, false)
    const expected = keccak256(pub.subarray(1)).slice(2)
    expect(nodeIdOfPeerId(peerId)).toBe(expected)
    expect(nodeIdOfPeerId(peerId)).toMatch(/^[0-9a-f]{64}$/)
  })

  it('gives the zero node ID for other key types and garbage', () => {
    expect(nodeIdOfPeerId('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA')).toBe(
      ZERO_NODE_ID,
    )
    expect(nodeIdOfPeerId('not a peer id')).toBe(ZERO_NODE_ID)
  })

  it('validates peer ID strings', () => {
    expect(isPeerIdString(peerId)).toBe(true)
    expect(isPeerIdString('12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA')).toBe(true)
    expect(isPeerIdString(`${peerId}x`)).toBe(false)
    expect(isPeerIdString('')).toBe(false)
    expect(isPeerIdString(42)).toBe(false)
    expect(isPeerIdString('Q'.repeat(MAX_PEER_ID_LENGTH_CHARS + 1))).toBe(false)
  })
})
