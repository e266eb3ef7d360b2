/**
 * A per-peer limit on gossip messages received on the block topics, checked before gossipsub
 * computes the message ID (patches/inboundMessageGate.ts): a message over its sender's rate is
 * dropped unprocessed (no Snappy decoding, no hash, not marked seen, no score change), so a
 * flood of re-encoded copies of a block, which are never penalised, costs a bounded amount per
 * peer. Duplicates count like any other message: that is the point.
 *
 * A token bucket per peer: `ratePerSecond` tokens a second, up to `burst`. op-node has a
 * validate throttle but no per-peer limit; the default is one no honest peer reaches:
 *
 * - At 200 ms blocks a sequencer makes 5 blocks a second, published on one topic (two during a
 *   fork transition at most, and each block only on its own version's topic).
 * - An honest peer sends us each message once from the mesh, plus up to
 *   GossipSubGossipRetransmission (3) answers to our IWANTs for it: at most 4 copies of a block,
 *   so 20 messages a second at worst. The default rate is 2.5 times that.
 * - The largest honest burst is a peer answering IWANTs for everything in its gossip window:
 *   op-node's mcache keeps 12 heartbeats (6 s) of messages, 30 blocks at 200 ms, 4 copies each
 *   at most: 120. The default burst is above that.
 *
 * A peer that goes on sending past its limit is flooding: dropping its messages unread still
 * costs decryption and protobuf decoding of every RPC. Once FLOOD_DROPS_FACTOR bursts' worth of
 * its messages were dropped without its bucket having filled up again in between, `allow`
 * reports it as a flooder (once), and the host bans it. An honest peer never gets there: it never
 * reaches the limit at all.
 */
import { RecentMap } from './recentMap.ts'

/** Messages a second one peer may send on the block topics (see the module comment). */
export const DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND = 50
/** Messages one peer may send at once before its rate applies (see the module comment). */
export const DEFAULT_INBOUND_MESSAGE_BURST = 150

/**
 * A peer is a flooder once this many bursts' worth of its messages were dropped while its bucket
 * never filled up again (one full burst more than it was allowed).
 */
export const FLOOD_DROPS_FACTOR = 1

/** Peers with a bucket at once (well above any connection limit; the oldest is dropped). */
export const MAX_RATE_LIMITED_PEERS = 4096

export interface InboundRateLimitOptions {
  /** Messages a second per peer; 0 turns the limit off. @default 50 */
  ratePerSecond: number
  /** Bucket size (messages). @default 150 */
  burst: number
}

export interface InboundRateLimitModules {
  /** Monotonic clock in ms. @default performance.now */
  now?: () => number
}

interface TokenBucket {
  tokens: number
  updatedMs: number
  /** Messages dropped since the bucket was last full */
  dropped: number
  /** Already reported as a flooder */
  flooding: boolean
}

/** `allow`'s answer: take the message, drop it, or drop it and the peer is flooding. */
export type RateVerdict = 'allow' | 'drop' | 'flood'

export interface InboundRateLimit {
  /**
   * Takes one token from `peer`'s bucket: 'allow'; 'drop' when it has none (drop the message);
   * 'flood' (also a drop), once, when the peer's drops reached FLOOD_DROPS_FACTOR bursts.
   */
  check(peer: string): RateVerdict
  /** check(peer) === 'allow' */
  allow(peer: string): boolean
  /** Messages dropped so far */
  readonly dropped: number
}

export function createInboundRateLimit(
  opts: InboundRateLimitOptions,
  modules: InboundRateLimitModules = {},
): InboundRateLimit {
  const { ratePerSecond, burst } = opts
  if (!(ratePerSecond >= 0) || !(burst >= 1)) {
    throw new RangeError('inbound rate limit needs ratePerSecond >= 0 and burst >= 1')
  }
  const now = modules.now ?? (() => performance.now())
  // A peer whose bucket was dropped comes back with a full one.
  const buckets = new RecentMap<string, TokenBucket>(MAX_RATE_LIMITED_PEERS)
  const perMs = ratePerSecond / 1000
  const floodDrops = FLOOD_DROPS_FACTOR * burst
  let dropped = 0
  function check(peer: string): RateVerdict {
    if (ratePerSecond === 0) return 'allow'
    const t = now()
    const bucket = buckets.get(peer)
    if (bucket === undefined) {
      // One object per peer, not per message.
      buckets.set(peer, { tokens: burst - 1, updatedMs: t, dropped: 0, flooding: false })
      return 'allow'
    }
    bucket.tokens = Math.min(burst, bucket.tokens + (t - bucket.updatedMs) * perMs)
    bucket.updatedMs = t
    if (bucket.tokens >= burst) {
      // Behaved for a whole burst: earlier drops are forgiven, a new flood is reported again.
      bucket.dropped = 0
      bucket.flooding = false
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 'allow'
    }
    dropped++
    bucket.dropped++
    if (bucket.dropped >= floodDrops && !bucket.flooding) {
      bucket.flooding = true
      return 'flood'
    }
    return 'drop'
  }
  return {
    check,
    allow: (peer) => check(peer) === 'allow',
    get dropped() {
      return dropped
    },
  }
}
