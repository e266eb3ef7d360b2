import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { describe, expect, it } from 'vitest'
import { NodeKeyError, nodeKeyBytes } from '../../../src/discovery/nodeKey.ts'
import {
  loadOrCreateNodeKeyFile,
  MAX_NODE_KEY_FILE_SIZE_BYTES,
  parseNodeKeyHex,
} from '../../../src/discovery/nodeKeyFile.ts'

const tmp = () => mkdtempSync(join(tmpdir(), 'nodekey-'))

describe('discovery / nodeKeyFile', () => {
  it('creates a key file with mode 0600 and reads the same key back', () => {
    const path = join(tmp(), 'dir', 'priv.txt')
    const first = loadOrCreateNodeKeyFile(path)
    expect(first.created).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readFileSync(path, 'utf8')).toBe(Buffer.from(first.privateKey).toString('hex'))
    const second = loadOrCreateNodeKeyFile(path)
    expect(second.created).toBe(false)
    expect(second.privateKey).toEqual(first.privateKey)
  })

  it("reads op-node's format with or without 0x and whitespace", () => {
    const hex = '11'.repeat(32)
    expect(parseNodeKeyHex(`${hex}\n`)).toEqual(new Uint8Array(32).fill(0x11))
    expect(parseNodeKeyHex(`  0x${hex}`)).toEqual(new Uint8Array(32).fill(0x11))
  })

  it('refuses malformed, invalid and oversized files', () => {
    expect(() => parseNodeKeyHex('12')).toThrow(NodeKeyError)
    expect(() => parseNodeKeyHex('00'.repeat(32))).toThrow('not a valid secp256k1')
    expect(() => parseNodeKeyHex('ff'.repeat(32))).toThrow('not a valid secp256k1')
    const dir = tmp()
    const at = `${'22'.repeat(32)}${' '.repeat(MAX_NODE_KEY_FILE_SIZE_BYTES - 64)}`
    writeFileSync(join(dir, 'at'), at)
    expect(loadOrCreateNodeKeyFile(join(dir, 'at')).privateKey).toEqual(
      new Uint8Array(32).fill(0x22),
    )
    writeFileSync(join(dir, 'past'), `${at} `)
    expect(() => loadOrCreateNodeKeyFile(join(dir, 'past'))).toThrow(NodeKeyError)
  })

  it('nodeKeyBytes accepts raw bytes or a libp2p secp256k1 key, nothing else', () => {
    const raw = new Uint8Array(32).fill(5)
    expect(nodeKeyBytes(raw)).toBe(raw)
    expect(nodeKeyBytes(privateKeyFromRaw(raw))).toEqual(raw)
    expect(() => nodeKeyBytes(new Uint8Array(31))).toThrow(NodeKeyError)
    expect(() => nodeKeyBytes({ type: 'Ed25519', raw: new Uint8Array(64) })).toThrow('secp256k1')
  })
})
