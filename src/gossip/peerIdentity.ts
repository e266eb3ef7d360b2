/**
 * The node's secp256k1 peer key, stored like op-node's `opnode_p2p_priv.txt` (op-gossip.md §7):
 * the 32-byte raw private key as hex (an optional 0x and surrounding whitespace are accepted on
 * read, none is written). Generated with mode 0600 when the file does not exist, so the peer ID
 * stays the same across restarts. The peer ID itself is derived in host.ts (libp2p's job).
 *
 * A file may also hold an Ed25519 key (libp2p's raw form, seed then public key: 128 hex
 * characters): devnet nodes use them (see generateEd25519PeerKey).
 */

import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { GossipHostError } from './errors.ts'

/** op-node's default `p2p.priv.path`. */
export const DEFAULT_PEER_KEY_FILE = 'opnode_p2p_priv.txt'

export const PEER_KEY_SIZE_BYTES = 32
/** libp2p's raw Ed25519 private key: the 32-byte seed, then the 32-byte public key. */
export const ED25519_PEER_KEY_SIZE_BYTES = 64

/** Owner read/write only: the file holds a private key. */
export const PEER_KEY_FILE_MODE = 0o600

/** A key file is 64 hex characters; anything much larger is not one (guards the read). */
export const MAX_PEER_KEY_FILE_SIZE_BYTES = 1024

/** secp256k1 group order n: a private key must be in [1, n-1]. */
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

const HEX_KEY_PATTERN = /^(?:0x)?([0-9a-fA-F]{64}|[0-9a-fA-F]{128})$/

export interface LoadedPeerKey {
  /** 32 raw secp256k1 private key bytes (or 64 raw Ed25519 bytes). Never log them. */
  privateKey: Uint8Array
  /** True when the file did not exist and was generated now */
  created: boolean
  path: string
}

/** True when `key` is 32 bytes in [1, n-1]. */
export function isValidSecp256k1PrivateKey(key: Uint8Array): boolean {
  if (key.length !== PEER_KEY_SIZE_BYTES) return false
  const k = BigInt(`0x${Buffer.from(key).toString('hex')}`)
  return k > 0n && k < SECP256K1_ORDER
}

/** A fresh random valid secp256k1 private key. */
export function generatePeerKey(): Uint8Array {
  for (;;) {
    const key = new Uint8Array(randomBytes(PEER_KEY_SIZE_BYTES))
    // Rejection sampling: a random 256-bit value is out of range with probability ~2^-128.
    if (isValidSecp256k1PrivateKey(key)) return key
  }
}

/**
 * A fresh Ed25519 peer key (libp2p's raw 64-byte form). Devnet nodes use these: a devnet finds
 * its peers through the DHT, whose messages carry peer IDs, and libp2p decompresses a secp256k1
 * public key in pure JS (~250 µs) every time it reads such an ID, where an Ed25519 ID costs
 * nothing to read. On a 50-node devnet that decompression was the largest single CPU cost.
 */
export async function generateEd25519PeerKey(): Promise<Uint8Array> {
  return (await generateKeyPair('Ed25519')).raw
}

/** PKCS#8 DER of an Ed25519 private key, up to the 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** True when `key` is 64 bytes whose second half is the public key of its first half. */
export function isValidEd25519PeerKey(key: Uint8Array): boolean {
  if (key.length !== ED25519_PEER_KEY_SIZE_BYTES) return false
  const seed = Buffer.from(key.subarray(0, 32))
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  })
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return spki.subarray(-32).equals(Buffer.from(key.subarray(32)))
}

/** Parses the file contents (hex, optional 0x, whitespace trimmed). */
export function parsePeerKey(text: string, path = '<input>'): Uint8Array {
  const match = HEX_KEY_PATTERN.exec(text.trim())
  if (match === null) {
    throw new GossipHostError(
      'GOSSIP_BAD_PEER_KEY',
      `peer key file ${path} must hold 64 hex characters (a secp256k1 private key) or 128 (an Ed25519 key)`,
    )
  }
  const key = new Uint8Array(Buffer.from(match[1] as string, 'hex'))
  if (key.length === ED25519_PEER_KEY_SIZE_BYTES) {
    if (!isValidEd25519PeerKey(key)) {
      throw new GossipHostError(
        'GOSSIP_BAD_PEER_KEY',
        `peer key file ${path} is not a valid Ed25519 key (its public half does not match its seed)`,
      )
    }
    return key
  }
  if (!isValidSecp256k1PrivateKey(key)) {
    throw new GossipHostError(
      'GOSSIP_BAD_PEER_KEY',
      `peer key file ${path} is not a valid secp256k1 key`,
    )
  }
  return key
}

/**
 * Reads the key at `path`, or generates one and writes it there (mode 0600, parent directories
 * created with 0700) when the file does not exist.
 * @throws GossipHostError GOSSIP_BAD_PEER_KEY for an unreadable or malformed file
 */
export function loadOrCreatePeerKey(path: string): LoadedPeerKey {
  let text: string
  try {
    const raw = readFileSync(path)
    if (raw.length > MAX_PEER_KEY_FILE_SIZE_BYTES) {
      throw new GossipHostError('GOSSIP_BAD_PEER_KEY', `peer key file ${path} is too large`)
    }
    text = raw.toString('utf8')
  } catch (err) {
    if (err instanceof GossipHostError) throw err
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new GossipHostError('GOSSIP_BAD_PEER_KEY', `cannot read peer key file ${path}`, {
        cause: err,
      })
    }
    return { privateKey: createPeerKeyFile(path), created: true, path }
  }
  return { privateKey: parsePeerKey(text, path), created: false, path }
}

function createPeerKeyFile(path: string): Uint8Array {
  const key = generatePeerKey()
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    // 'wx': never overwrite a key another process created in the meantime.
    writeFileSync(path, Buffer.from(key).toString('hex'), { mode: PEER_KEY_FILE_MODE, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return loadOrCreatePeerKey(path).privateKey
    throw new GossipHostError('GOSSIP_BAD_PEER_KEY', `cannot write peer key file ${path}`, {
      cause: err,
    })
  }
  return key
}
