/**
 * `--p2p.priv.path`: the node key as hex in a file (op-node's format: 64 hex characters, an
 * optional 0x and surrounding whitespace tolerated). A missing file is created with a fresh key,
 * mode 0600, like op-node. (The gossip host may bring its own loader; both read the same format.)
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import secp256k1 from 'secp256k1'
import { NodeKeyError } from './nodeKey.ts'

export { DEFAULT_NODE_KEY_FILE } from './nodeKey.ts'

/** A key file is 64 hex characters; anything longer than this is not one. */
export const MAX_NODE_KEY_FILE_SIZE_BYTES = 1024

const KEY_HEX_PATTERN = /^(0x)?([0-9a-fA-F]{64})$/

/** Parses the text of a key file. @throws NodeKeyError */
export function parseNodeKeyHex(text: string): Uint8Array {
  const m = KEY_HEX_PATTERN.exec(text.trim())
  if (m === null || m[2] === undefined) {
    throw new NodeKeyError(
      'node key file must hold a 32-byte secp256k1 private key as 64 hex characters',
    )
  }
  const key = new Uint8Array(Buffer.from(m[2], 'hex'))
  if (!secp256k1.privateKeyVerify(key))
    throw new NodeKeyError('node key is not a valid secp256k1 private key')
  return key
}

export interface LoadedNodeKey {
  privateKey: Uint8Array
  /** True when the file did not exist and a new key was written */
  created: boolean
}

/** Reads the key file, or creates it (mode 0600) with a new random key when it does not exist. */
export function loadOrCreateNodeKeyFile(path: string): LoadedNodeKey {
  let text: string
  try {
    const buf = readFileSync(path)
    if (buf.length > MAX_NODE_KEY_FILE_SIZE_BYTES) {
      throw new NodeKeyError(`node key file ${path} is ${buf.length} bytes: not a key file`)
    }
    text = buf.toString('utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof NodeKeyError) throw err
      throw new NodeKeyError(`cannot read node key file ${path}: ${(err as Error).message}`)
    }
    let key: Uint8Array
    do key = new Uint8Array(randomBytes(32))
    while (!secp256k1.privateKeyVerify(key))
    mkdirSync(dirname(path), { recursive: true })
    // 'wx': never overwrite a key another process wrote in the meantime.
    writeFileSync(path, Buffer.from(key).toString('hex'), { mode: 0o600, flag: 'wx' })
    return { privateKey: key, created: true }
  }
  try {
    return { privateKey: parseNodeKeyHex(text), created: false }
  } catch (err) {
    throw new NodeKeyError(`${path}: ${(err as Error).message}`)
  }
}
