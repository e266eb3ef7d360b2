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
 */
import { RecentMap } from './recentMap.ts'

/** Messages a second one peer may send on the block topics (see the module comment). */
export const DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND = 50
/** Messages one peer may send at once before its rate applies (see the module comment). */
export const DEFAULT_INBOUND_MESSAGE_BURST = 150

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
}

export interface InboundRateLimit {
  /** Takes one token from `peer`'s bucket; false when it has none (drop the message). */
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
  let dropped = 0
  return {
    allow(peer) {
      if (ratePerSecond === 0) return true
      const t = now()
      const bucket = buckets.get(peer)
      if (bucket === undefined) {
        // One object per peer, not per message.
        buckets.set(peer, { tokens: burst - 1, updatedMs: t })
        return true
      }
      bucket.tokens = Math.min(burst, bucket.tokens + (t - bucket.updatedMs) * perMs)
      bucket.updatedMs = t
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return true
      }
      dropped++
      return false
    },
    get dropped() {
      return dropped
    },
  }
}
