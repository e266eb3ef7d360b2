import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { NodeKeyError, nodeKeyBytes } from '../../../src/discovery/nodeKey.ts'

describe('discovery / nodeKey', () => {
  it('accepts raw bytes or a libp2p secp256k1 key, nothing else', () => {
    const raw = new Uint8Array(32).fill(5)
    expect(nodeKeyBytes(raw)).toBe(raw)
    expect(nodeKeyBytes(privateKeyFromRaw(raw))).toEqual(raw)
    expect(() => nodeKeyBytes(new Uint8Array(31))).toThrow(NodeKeyError)
    expect(() => nodeKeyBytes({ type: 'Ed25519', raw: new Uint8Array(64) })).toThrow('secp256k1')
  })
})
