/**
 * The node's secp256k1 key, shared by libp2p and discv5 (op-node: `--p2p.priv.path`, loaded by
 * src/gossip/peerIdentity.ts). Accepts the raw 32 bytes or a libp2p private key object.
 */
import { OpGossipError } from '../util/errors.ts'

/** A raw 32-byte secp256k1 private key, or anything shaped like @libp2p/crypto's private key. */
export type NodePrivateKey = Uint8Array | { readonly type: string; readonly raw: Uint8Array }

export const SECP256K1_PRIVATE_KEY_LENGTH_BYTES = 32

/** The node key (`--p2p.priv.path`) cannot serve discv5: a configuration problem. */
export class NodeKeyError extends OpGossipError<'DISCOVERY_BAD_NODE_KEY'> {
  override readonly name = 'NodeKeyError'
  constructor(message: string) {
    super('DISCOVERY_BAD_NODE_KEY', message, { kind: 'configuration' })
  }
}

/** The raw 32 bytes of a node key; throws NodeKeyError for another key type or length. */
export function nodeKeyBytes(key: NodePrivateKey): Uint8Array {
  if (key instanceof Uint8Array) {
    if (key.length !== SECP256K1_PRIVATE_KEY_LENGTH_BYTES) {
      throw new NodeKeyError(
        `node key must be ${SECP256K1_PRIVATE_KEY_LENGTH_BYTES} bytes, got ${key.length}`,
      )
    }
    return key
  }
  if (key.type !== 'secp256k1') {
    throw new NodeKeyError(`discv5 needs a secp256k1 node key, got ${key.type}`)
  }
  return nodeKeyBytes(key.raw)
}
