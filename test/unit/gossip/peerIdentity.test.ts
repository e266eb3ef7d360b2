import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GossipHostError } from '../../../src/gossip/errors.ts'
import { peerIdFromPrivateKeyBytes } from '../../../src/gossip/host.ts'
import {
  DEFAULT_PEER_KEY_FILE,
  ED25519_PEER_KEY_SIZE_BYTES,
  generateEd25519PeerKey,
  generatePeerKey,
  isValidEd25519PeerKey,
  isValidSecp256k1PrivateKey,
  loadOrCreatePeerKey,
  MAX_PEER_KEY_FILE_SIZE_BYTES,
  parsePeerKey,
} from '../../../src/gossip/peerIdentity.ts'

const tempDir = () => mkdtempSync(join(tmpdir(), 'op-gossip-key-'))
const N = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'

function base58btc(bytes: Uint8Array): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
  let out = ''
  while (n > 0n) {
    out = alphabet[Number(n % 58n)] + out
    n /= 58n
  }
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) out = `1${out}`
  return out
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof GossipHostError ? err.code : `other: ${String(err)}`
  }
  return undefined
}

describe('gossip / peerIdentity', () => {
  it("defaults to op-node's file name", () => {
    expect(DEFAULT_PEER_KEY_FILE).toBe('opnode_p2p_priv.txt')
  })

  it('generates a key file with mode 0600 (creating directories) and reloads the same peer ID', () => {
    const path = join(tempDir(), 'nested', 'dir', DEFAULT_PEER_KEY_FILE)
    const first = loadOrCreatePeerKey(path)
    expect(first.created).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const text = readFileSync(path, 'utf8')
    expect(text).toMatch(/^[0-9a-f]{64}$/)
    expect(text).toBe(Buffer.from(first.privateKey).toString('hex'))

    const second = loadOrCreatePeerKey(path)
    expect(second.created).toBe(false)
    expect(Buffer.from(second.privateKey).equals(Buffer.from(first.privateKey))).toBe(true)
    const id = peerIdFromPrivateKeyBytes(first.privateKey)
    expect(peerIdFromPrivateKeyBytes(second.privateKey)).toBe(id)
    // secp256k1 keys give op-node style peer IDs.
    expect(id.startsWith('16Uiu2H')).toBe(true)
  })

  it('reads an op-node key file: 0x prefix and surrounding whitespace tolerated', () => {
    const key = generatePeerKey()
    const hex = Buffer.from(key).toString('hex')
    const path = join(tempDir(), 'k.txt')
    writeFileSync(path, `  0x${hex.toUpperCase()}\n`)
    expect(Buffer.from(loadOrCreatePeerKey(path).privateKey).toString('hex')).toBe(hex)
  })

  it('derives the peer ID as libp2p specifies for secp256k1 (checked by hand for key 1)', () => {
    const key = new Uint8Array(32)
    key[31] = 1
    // Public key of 1 is the generator G, compressed. Peer ID = base58btc(identity multihash of
    // protobuf PublicKey{Type: Secp256k1 (2), Data: G}) = 00 25 | 08 02 12 21 | G.
    const g = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'
    const bytes = Buffer.from(`002508021221${g}`, 'hex')
    expect(peerIdFromPrivateKeyBytes(key)).toBe(base58btc(bytes))
    expect(base58btc(bytes)).toBe('16Uiu2HAm3cuhhRL2msUuLF62KRSfneFDx94RsuouyW25Ho42cFMq')
  })

  it('refuses malformed or out-of-range keys with GOSSIP_BAD_PEER_KEY', () => {
    expect(codeOf(() => parsePeerKey('abcd'))).toBe('GOSSIP_BAD_PEER_KEY')
    expect(codeOf(() => parsePeerKey('zz'.repeat(32)))).toBe('GOSSIP_BAD_PEER_KEY')
    expect(codeOf(() => parsePeerKey('00'.repeat(32)))).toBe('GOSSIP_BAD_PEER_KEY')
    expect(codeOf(() => parsePeerKey(N))).toBe('GOSSIP_BAD_PEER_KEY')
    // n - 1 is the largest valid key.
    expect(codeOf(() => parsePeerKey(`${N.slice(0, 63)}0`))).toBeUndefined()
    expect(isValidSecp256k1PrivateKey(new Uint8Array(31).fill(1))).toBe(false)
  })

  // RFC 8032 §7.1 test 1: an Ed25519 seed and its public key.
  const ED_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'
  const ED_PUB = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'

  it('reads an Ed25519 key (seed + public key, 128 hex) and derives its 12D3KooW peer ID', () => {
    const key = parsePeerKey(`0x${ED_SEED}${ED_PUB}\n`)
    expect(key.length).toBe(ED25519_PEER_KEY_SIZE_BYTES)
    expect(isValidEd25519PeerKey(key)).toBe(true)
    // identity multihash of the protobuf public key (type 1 = Ed25519)
    const id = base58btc(Buffer.from(`002408011220${ED_PUB}`, 'hex'))
    expect(id.startsWith('12D3KooW')).toBe(true)
    expect(peerIdFromPrivateKeyBytes(key)).toBe(id)
  })

  it("refuses an Ed25519 key whose public half is not its seed's", () => {
    const wrongPub = `${ED_PUB.slice(0, 63)}b`
    expect(codeOf(() => parsePeerKey(`${ED_SEED}${wrongPub}`))).toBe('GOSSIP_BAD_PEER_KEY')
    expect(codeOf(() => parsePeerKey(`${ED_SEED}${ED_PUB}00`))).toBe('GOSSIP_BAD_PEER_KEY')
  })

  it('generates valid, distinct Ed25519 keys for devnet nodes', async () => {
    const [a, b] = await Promise.all([generateEd25519PeerKey(), generateEd25519PeerKey()])
    expect(isValidEd25519PeerKey(a)).toBe(true)
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    expect(peerIdFromPrivateKeyBytes(a)).toMatch(/^12D3KooW/)
    expect(parsePeerKey(Buffer.from(a).toString('hex'))).toEqual(a)
  })

  it('reads a file of exactly MAX_PEER_KEY_FILE_SIZE_BYTES and refuses one byte more', () => {
    const hex = Buffer.from(generatePeerKey()).toString('hex')
    const dir = tempDir()
    const atLimit = join(dir, 'at.txt')
    writeFileSync(atLimit, hex.padEnd(MAX_PEER_KEY_FILE_SIZE_BYTES, ' '))
    expect(loadOrCreatePeerKey(atLimit).created).toBe(false)
    const past = join(dir, 'past.txt')
    writeFileSync(past, hex.padEnd(MAX_PEER_KEY_FILE_SIZE_BYTES + 1, ' '))
    expect(codeOf(() => loadOrCreatePeerKey(past))).toBe('GOSSIP_BAD_PEER_KEY')
  })

  it('reports an unreadable path (a directory) as GOSSIP_BAD_PEER_KEY, not a crash', () => {
    expect(codeOf(() => loadOrCreatePeerKey(tempDir()))).toBe('GOSSIP_BAD_PEER_KEY')
  })
})
