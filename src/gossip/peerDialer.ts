/**
 * Keeps the node connected to at least `target` peers (op-node: `p2p.peers.lo`) by dialling peers
 * it knows about but is not connected to, like op-node's discovery loop (op-gossip.md §8.2: every
 * 5 s while below target, 20 s otherwise; 4 dial workers). Where known peers come from is not
 * this module's business: the host's peer store, filled by the DHT (devnets), by `addPeers` (the
 * seam a discv5 module will feed) or by identify. An optional `lookup` (a DHT query) runs when
 * the node is below target and has no untried peer left, to learn more.
 */
import { RecentMap } from './recentMap.ts'

/** op-node's discovery period while below the target. */
export const DISCOVERY_INTERVAL_MS = 5000
/** op-node's discovery period once the target is met. */
export const DISCOVERY_IDLE_INTERVAL_MS = 20_000
/** op-node's dial workers. */
export const DISCOVERY_DIAL_CONCURRENCY = 4
/** A peer whose dial failed is not retried by discovery for this long. */
export const DISCOVERY_DIAL_FAILURE_BACKOFF_MS = 60_000
/**
 * A DHT lookup that taught us no new peer doubles the wait before the next one, up to this;
 * one that found a peer resets it to the discovery interval. Below target on a network smaller
 * than the target (or one whose other nodes are unreachable), lookups every 5 s from every
 * node kept a 50-node devnet's CPU saturated, which made the remaining joins time out.
 */
export const DISCOVERY_LOOKUP_MAX_INTERVAL_MS = 120_000
/** Dial-failure records kept (memory bound); the oldest is dropped first. */
export const MAX_DIAL_FAILURE_RECORDS = 10_000

export interface PeerDialerOptions {
  /** Connected peers to aim for */
  target: number
  /** @default DISCOVERY_INTERVAL_MS */
  intervalMs?: number
  /** @default DISCOVERY_IDLE_INTERVAL_MS */
  idleIntervalMs?: number
  /** @default DISCOVERY_DIAL_CONCURRENCY */
  concurrency?: number
  /** @default DISCOVERY_DIAL_FAILURE_BACKOFF_MS */
  failureBackoffMs?: number
}

export interface PeerDialerModules {
  connectedCount(): number
  /** Known peers that are not connected, not banned and not us. */
  candidates(): Promise<string[]>
  dial(peerId: string): Promise<void>
  /**
   * Learn more peers (e.g. a DHT lookup); resolves to how many peers it newly learned (0 backs
   * the next lookup off). Errors are ignored and count as 0.
   */
  lookup?: () => Promise<number>
  /** @default Date.now */
  now?: () => number
}

export interface PeerDialer {
  start(): void
  stop(): void
  /** Runs one round now (unless one is running); resolves when it is done. */
  runRound(): Promise<void>
}

export function createPeerDialer(opts: PeerDialerOptions, modules: PeerDialerModules): PeerDialer {
  const now = modules.now ?? Date.now
  const intervalMs = opts.intervalMs ?? DISCOVERY_INTERVAL_MS
  const idleIntervalMs = opts.idleIntervalMs ?? DISCOVERY_IDLE_INTERVAL_MS
  const concurrency = opts.concurrency ?? DISCOVERY_DIAL_CONCURRENCY
  const failureBackoffMs = opts.failureBackoffMs ?? DISCOVERY_DIAL_FAILURE_BACKOFF_MS
  /** peerId → time of the last failed dial */
  const failures = new RecentMap<string, number>(MAX_DIAL_FAILURE_RECORDS)
  let timer: NodeJS.Timeout | null = null
  let running = false
  let round: Promise<void> | null = null
  let again = false
  let lookupRunning = false
  let lastLookupMs = Number.NEGATIVE_INFINITY
  /** Wait between lookups: intervalMs, doubled after each fruitless one (see the constant). */
  let lookupIntervalMs = intervalMs

  function recentlyFailed(peerId: string): boolean {
    const at = failures.get(peerId)
    if (at === undefined) return false
    if (now() - at < failureBackoffMs) return true
    failures.delete(peerId)
    return false
  }

  function recordFailure(peerId: string): void {
    failures.set(peerId, now())
  }

  /**
   * A lookup runs beside the dialling, never in front of it (a DHT walk can take seconds), at
   * most once per lookup interval, and starts another round as soon as it is done.
   */
  function startLookup(): void {
    const lookup = modules.lookup
    if (lookup === undefined || lookupRunning || !running) return
    if (now() - lastLookupMs < lookupIntervalMs) return
    lastLookupMs = now()
    lookupRunning = true
    lookup()
      .catch(() => 0)
      .then((learned) => {
        lookupIntervalMs =
          learned > 0
            ? intervalMs
            : Math.min(lookupIntervalMs * 2, Math.max(intervalMs, DISCOVERY_LOOKUP_MAX_INTERVAL_MS))
      })
      .finally(() => {
        lookupRunning = false
        if (running && modules.connectedCount() < opts.target) void runRound()
      })
  }

  async function doRound(): Promise<void> {
    const missing = opts.target - modules.connectedCount()
    if (!running || missing <= 0) return
    const queue = (await modules.candidates()).filter((p) => !recentlyFailed(p)).slice(0, missing)
    // Walk the DHT only when every known peer is already tried: lookups cost CPU on every node.
    if (queue.length === 0) startLookup()
    async function worker(): Promise<void> {
      for (let peerId = queue.shift(); peerId !== undefined; peerId = queue.shift()) {
        if (!running) return
        try {
          await modules.dial(peerId)
        } catch {
          recordFailure(peerId)
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
  }

  /** One round at a time; a request during a round runs one more round right after it. */
  function runRound(): Promise<void> {
    if (round !== null) {
      again = true
      return round
    }
    round = doRound()
      .catch(() => {})
      .finally(() => {
        round = null
        if (again && running) {
          again = false
          void runRound()
        }
      })
    return round
  }

  function loop(): void {
    if (!running) return
    void runRound().then(() => {
      if (!running) return
      const wait = modules.connectedCount() < opts.target ? intervalMs : idleIntervalMs
      timer = setTimeout(loop, wait)
      timer.unref()
    })
  }

  return {
    start() {
      if (running) return
      running = true
      loop()
    },
    stop() {
      running = false
      if (timer !== null) clearTimeout(timer)
      timer = null
    },
    runRound,
  }
}
