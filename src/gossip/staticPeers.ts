/**
 * Static peers (`--p2p.static`, op-gossip.md §7): dialled at start, redialled whenever they drop
 * (first after STATIC_PEER_REDIAL_MIN_MS, doubling after each failed dial up to op-node's
 * one-minute redial interval, forever), protected from connection trimming and exempt from score bans (host.ts
 * asks `isStatic`). libp2p-free: host.ts supplies the dial and connection queries.
 */

/** First redial after a static peer drops or a dial fails. */
export const STATIC_PEER_REDIAL_MIN_MS = 1000
/** op-node redials disconnected static peers every minute: the backoff cap. */
export const STATIC_PEER_REDIAL_MAX_MS = 60_000

export interface StaticPeer {
  /** Peer ID string (from the multiaddr's /p2p/ part) */
  peerId: string
  /** The configured multiaddr, as given */
  address: string
}

export interface StaticPeersOptions {
  /** @default STATIC_PEER_REDIAL_MIN_MS */
  redialMinMs?: number
  /** @default STATIC_PEER_REDIAL_MAX_MS */
  redialMaxMs?: number
}

export interface StaticPeersModules {
  isConnected(peerId: string): boolean
  /** Dials the peer at its configured address; rejects on failure. */
  dial(peer: StaticPeer): Promise<void>
  /** Called when a dial fails (for logging). */
  onDialError?(peer: StaticPeer, err: unknown, nextAttemptMs: number): void
}

export interface StaticPeers {
  start(): void
  stop(): void
  isStatic(peerId: string): boolean
  /** Host calls these from libp2p's peer:connect / peer:disconnect events. */
  onConnected(peerId: string): void
  onDisconnected(peerId: string): void
  readonly peers: readonly StaticPeer[]
}

interface PeerState {
  peer: StaticPeer
  attempt: number
  timer: NodeJS.Timeout | null
  dialing: boolean
}

export function createStaticPeers(
  peers: readonly StaticPeer[],
  opts: StaticPeersOptions,
  modules: StaticPeersModules,
): StaticPeers {
  const minMs = opts.redialMinMs ?? STATIC_PEER_REDIAL_MIN_MS
  const maxMs = opts.redialMaxMs ?? STATIC_PEER_REDIAL_MAX_MS
  const states = new Map<string, PeerState>()
  for (const peer of peers) {
    states.set(peer.peerId, { peer, attempt: 0, timer: null, dialing: false })
  }
  let running = false

  function backoffMs(attempt: number): number {
    return Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30))
  }

  function schedule(state: PeerState, delayMs: number): void {
    if (!running || state.timer !== null) return
    state.timer = setTimeout(() => {
      state.timer = null
      void attempt(state)
    }, delayMs)
    state.timer.unref()
  }

  async function attempt(state: PeerState): Promise<void> {
    if (!running || state.dialing || modules.isConnected(state.peer.peerId)) return
    state.dialing = true
    try {
      await modules.dial(state.peer)
      state.attempt = 0
    } catch (err) {
      state.attempt++
      const next = backoffMs(state.attempt)
      modules.onDialError?.(state.peer, err, next)
      state.dialing = false
      schedule(state, next)
      return
    }
    state.dialing = false
    // The connection may already be gone again; the disconnect handler covers that, but a
    // disconnect that raced with the dial finds `dialing` set and is caught here.
    if (!modules.isConnected(state.peer.peerId)) schedule(state, backoffMs(state.attempt++))
  }

  return {
    peers,
    start() {
      running = true
      for (const state of states.values()) void attempt(state)
    },
    stop() {
      running = false
      for (const state of states.values()) {
        if (state.timer !== null) clearTimeout(state.timer)
        state.timer = null
      }
    },
    isStatic(peerId) {
      return states.has(peerId)
    },
    onConnected(peerId) {
      const state = states.get(peerId)
      if (state === undefined) return
      state.attempt = 0
      if (state.timer !== null) clearTimeout(state.timer)
      state.timer = null
    },
    onDisconnected(peerId) {
      const state = states.get(peerId)
      if (state === undefined) return
      schedule(state, backoffMs(state.attempt))
    },
  }
}
