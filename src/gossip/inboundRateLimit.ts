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
 * Unproven peers. A fresh peer identity costs an attacker nothing, so whatever a peer we know
 * nothing about may send is what a flood gets per identity: random-signature blocks are
 * IGNOREd, not penalised (gossip/scoring.ts), so only this limit stops them, and each one it
 * lets through costs a decompression, a hash and a signature recovery. A peer is proven once a
 * message it was first to send us was ACCEPTed (`prove`, from the message pipeline): it gave us
 * a block we did not have. Until then it has the smaller unproven bucket; once proven, the one
 * above (the tokens it lacks for the bigger burst are added at once).
 *
 * An honest peer that is never first (most of a big mesh) stays unproven for good, so the
 * unproven bucket holds everything an honest relay sends:
 *
 * - On connect an op-node peer sends nothing of its own: it relays each new block (one mesh
 *   push) and answers the IWANTs we sent after its IHAVEs; we ask only for IDs we have not seen
 *   and it answers each ID at most 3 times. At most 4 copies a block, 20 a second at 200 ms
 *   blocks: the unproven rate, 25, is above it, so a steady honest relay never empties it.
 * - One IHAVE lists op-node's gossip window (3 heartbeats, 1.5 s: at most 8 blocks at 200 ms),
 *   so one IWANT answer is at most 8 messages; every copy of a whole gossip window arriving at
 *   once (a stalled connection catching up) is 8 × 4 = 32: the unproven burst, 40, is above it.
 *
 * Duplicates of an accepted block count too, and do not prove their sender: the gate cannot
 * tell a duplicate (it runs before the ID), and anyone can replay a block it got from the
 * network, or re-encode it (a new Snappy encoding, the same ID after decompression), so with
 * duplicates as proof a fresh identity would buy the full bucket with one replayed message.
 * A first-seen accepted block proves one peer only (one copy is first), blocks come 5 a second,
 * and its sender had to beat our whole mesh to it: it was useful. The proven peers are bounded
 * like the buckets (MAX_RATE_LIMITED_PEERS, the least recently proven forgotten first); a
 * forgotten honest peer loses nothing it needs, since the unproven bucket holds any relay.
 *
 * A peer that goes on sending past its limit is flooding: dropping its messages unread still
 * costs decryption and protobuf decoding of every RPC. Once FLOOD_DROPS_FACTOR bursts' worth of
 * its messages were dropped without its bucket having filled up again in between, `check`
 * reports it as a flooder (once), and the host bans it. This counts in the bucket that applies:
 * a fresh identity flooding is banned after the unproven burst plus as many drops (40 + 40
 * messages, of which 40 were validated). An honest peer never gets there: it never reaches the
 * limit at all.
 */
import { RecentMap } from './recentMap.ts'

/** Messages a second one peer may send on the block topics (see the module comment). */
export const DEFAULT_INBOUND_MESSAGES_PER_PEER_PER_SECOND = 50
/** Messages one peer may send at once before its rate applies (see the module comment). */
export const DEFAULT_INBOUND_MESSAGE_BURST = 150

/** Messages a second a peer not yet proven may send (see the module comment). */
export const DEFAULT_UNPROVEN_MESSAGES_PER_SECOND = 25
/** Messages a peer not yet proven may send at once (see the module comment). */
export const DEFAULT_UNPROVEN_MESSAGE_BURST = 40

/**
 * A peer is a flooder once this many bursts' worth of its messages were dropped while its bucket
 * never filled up again (one full burst more than it was allowed).
 */
export const FLOOD_DROPS_FACTOR = 1

/**
 * Peers with a bucket at once, and peers remembered as proven (well above any connection
 * limit; the oldest is dropped).
 */
export const MAX_RATE_LIMITED_PEERS = 4096

export interface InboundRateLimitOptions {
  /** Messages a second per proven peer; 0 turns every limit off. @default 50 */
  ratePerSecond: number
  /** Bucket size of a proven peer (messages). @default 150 */
  burst: number
  /**
   * The bucket of a peer not proven yet, never larger than the proven one (each value is
   * capped by the one above).
   * @default DEFAULT_UNPROVEN_MESSAGES_PER_SECOND, DEFAULT_UNPROVEN_MESSAGE_BURST
   */
  unproven?: { ratePerSecond: number; burst: number }
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

interface BucketLimits {
  perMs: number
  burst: number
  /** Drops that make the peer a flooder */
  floodDrops: number
}

/** `check`'s answer: take the message, drop it, or drop it and the peer is flooding. */
export type RateVerdict = 'allow' | 'drop' | 'flood'

export interface InboundRateLimit {
  /**
   * Takes one token from `peer`'s bucket: 'allow'; 'drop' when it has none (drop the message);
   * 'flood' (also a drop), once, when the peer's drops reached FLOOD_DROPS_FACTOR bursts.
   */
  check(peer: string): RateVerdict
  /** check(peer) === 'allow' */
  allow(peer: string): boolean
  /** A message `peer` was first to send was accepted: it has the proven bucket from now on. */
  prove(peer: string): void
  /** True while `peer` is remembered as proven */
  isProven(peer: string): boolean
  /** Messages dropped so far */
  readonly dropped: number
}

function bucketLimits(ratePerSecond: number, burst: number): BucketLimits {
  return { perMs: ratePerSecond / 1000, burst, floodDrops: FLOOD_DROPS_FACTOR * burst }
}

export function createInboundRateLimit(
  opts: InboundRateLimitOptions,
  modules: InboundRateLimitModules = {},
): InboundRateLimit {
  const { ratePerSecond, burst } = opts
  const unprovenOpts = opts.unproven ?? {
    ratePerSecond: DEFAULT_UNPROVEN_MESSAGES_PER_SECOND,
    burst: DEFAULT_UNPROVEN_MESSAGE_BURST,
  }
  if (!(ratePerSecond >= 0) || !(burst >= 1)) {
    throw new RangeError('inbound rate limit needs ratePerSecond >= 0 and burst >= 1')
  }
  if (!(unprovenOpts.ratePerSecond > 0) || !(unprovenOpts.burst >= 1)) {
    throw new RangeError('inbound rate limit needs unproven ratePerSecond > 0 and burst >= 1')
  }
  const now = modules.now ?? (() => performance.now())
  const off = ratePerSecond === 0
  const proven = bucketLimits(ratePerSecond, burst)
  const unproven = bucketLimits(
    Math.min(unprovenOpts.ratePerSecond, ratePerSecond),
    Math.min(unprovenOpts.burst, burst),
  )
  // A peer whose bucket was dropped comes back with a full one.
  const buckets = new RecentMap<string, TokenBucket>(MAX_RATE_LIMITED_PEERS)
  const provenPeers = new RecentMap<string, true>(MAX_RATE_LIMITED_PEERS)
  let dropped = 0

  function refill(bucket: TokenBucket, limits: BucketLimits, t: number): void {
    bucket.tokens = Math.min(limits.burst, bucket.tokens + (t - bucket.updatedMs) * limits.perMs)
    bucket.updatedMs = t
  }

  function check(peer: string): RateVerdict {
    if (off) return 'allow'
    const t = now()
    const limits = provenPeers.has(peer) ? proven : unproven
    const bucket = buckets.get(peer)
    if (bucket === undefined) {
      // One object per peer, not per message.
      buckets.set(peer, { tokens: limits.burst - 1, updatedMs: t, dropped: 0, flooding: false })
      return 'allow'
    }
    refill(bucket, limits, t)
    if (bucket.tokens >= limits.burst) {
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
    if (bucket.dropped >= limits.floodDrops && !bucket.flooding) {
      bucket.flooding = true
      return 'flood'
    }
    return 'drop'
  }

  function prove(peer: string): void {
    if (off) return
    const wasProven = provenPeers.has(peer)
    // Set again even when known: the peers proving themselves now are the last forgotten.
    provenPeers.set(peer, true)
    const bucket = buckets.get(peer)
    if (wasProven || bucket === undefined) return
    // As if it had had the proven bucket all along: what it spent stays spent.
    refill(bucket, unproven, now())
    bucket.tokens += proven.burst - unproven.burst
  }

  return {
    check,
    allow: (peer) => check(peer) === 'allow',
    prove,
    isProven: (peer) => provenPeers.has(peer),
    get dropped() {
      return dropped
    },
  }
}
