/**
 * Typed errors of the gossip host (configuration, identity, publishing). Validation outcomes are
 * not errors: they are verdicts (src/wire/errors.ts, ./types.ts).
 */
import { type ErrorKind, OpGossipError } from '../util/errors.ts'

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

/** Whose mistake each code is: the user's settings (exit status 2) or the run (exit status 1). */
export const GOSSIP_HOST_ERROR_KINDS = {
  GOSSIP_BAD_MULTIADDR: 'configuration',
  GOSSIP_BAD_PEER_KEY: 'configuration',
  GOSSIP_BAD_OPTION: 'configuration',
  GOSSIP_LISTEN_FAILED: 'configuration',
  GOSSIP_PUBLISH_INVALID: 'runtime',
  GOSSIP_PUBLISH_DUPLICATE: 'runtime',
  GOSSIP_NOT_STARTED: 'runtime',
} as const satisfies Record<GossipHostErrorCode, ErrorKind>

export class GossipHostError extends OpGossipError<GossipHostErrorCode> {
  override readonly name = 'GossipHostError'

  constructor(code: GossipHostErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, {
      kind: GOSSIP_HOST_ERROR_KINDS[code],
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
    })
  }
}
