/**
 * Typed errors of the gossip host (configuration, identity, publishing). Validation outcomes are
 * not errors: they are verdicts (src/wire/errors.ts, ./types.ts).
 */

export const GossipHostErrorCode = {
  /** A multiaddr (static peer, bootnode, dial target) does not parse or lacks what it needs */
  GOSSIP_BAD_MULTIADDR: 'GOSSIP_BAD_MULTIADDR',
  /** The peer key file is unreadable, not hex, or not a valid secp256k1 private key */
  GOSSIP_BAD_PEER_KEY: 'GOSSIP_BAD_PEER_KEY',
  /** An option is out of range or inconsistent (e.g. peers.lo > peers.hi) */
  GOSSIP_BAD_OPTION: 'GOSSIP_BAD_OPTION',
  /** publish() was refused by the node's own validator (the reason says which check) */
  GOSSIP_PUBLISH_INVALID: 'GOSSIP_PUBLISH_INVALID',
  /** publish() of a message gossipsub has already seen (same message ID) */
  GOSSIP_PUBLISH_DUPLICATE: 'GOSSIP_PUBLISH_DUPLICATE',
  /** The host is not started (or already stopped) */
  GOSSIP_NOT_STARTED: 'GOSSIP_NOT_STARTED',
  /** libp2p could not listen on the requested address */
  GOSSIP_LISTEN_FAILED: 'GOSSIP_LISTEN_FAILED',
} as const

export type GossipHostErrorCode = keyof typeof GossipHostErrorCode

export class GossipHostError extends Error {
  override readonly name = 'GossipHostError'
  readonly code: GossipHostErrorCode

  constructor(code: GossipHostErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
