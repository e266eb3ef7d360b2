/**
 * Health for `GET /healthz`: healthy when the node has peers and its unsafe head moved within
 * the window (`--rpc.health-window`). The head is sampled on every check and every
 * HEALTH_SAMPLE_INTERVAL_MS, so a change is noticed even when nobody asks. The first window
 * after start counts as a grace period (a node needs a block time or two to see a block).
 */
import type { Startable } from '../util/lifecycle.ts'

/** Window default: 30 blocks of 2 s; a healthy OP chain never pauses this long. */
export const DEFAULT_HEALTH_HEAD_WINDOW_MS = 60_000
/** How often the head is sampled between checks. */
export const HEALTH_SAMPLE_INTERVAL_MS = 1_000

export interface HealthHead {
  number: number
  hash: string
}

export interface HealthOptions {
  /** The head must have moved within this window. @default DEFAULT_HEALTH_HEAD_WINDOW_MS (ms) */
  headWindowMs?: number
}

export interface HealthModules {
  /** Connected peers now */
  peerCount(): number
  /** The node's unsafe head now (null before the first one) */
  head(): HealthHead | null
  /** @default Date.now */
  now?: () => number
}

export interface HealthReport {
  healthy: boolean
  status: 'ok' | 'unhealthy'
  /** Why unhealthy; empty when healthy */
  reasons: string[]
  peers: number
  head: HealthHead | null
  /** Time since the head last changed (or since start when it never did), seconds */
  headAgeSeconds: number
  windowSeconds: number
}

export class HealthMonitor implements Startable {
  private readonly windowMs: number
  private readonly modules: HealthModules
  private readonly now: () => number
  private lastHead: HealthHead | null = null
  private lastChangeMs: number
  private timer: NodeJS.Timeout | null = null

  constructor(opts: HealthOptions, modules: HealthModules) {
    this.windowMs = opts.headWindowMs ?? DEFAULT_HEALTH_HEAD_WINDOW_MS
    if (!(this.windowMs > 0)) throw new RangeError('headWindowMs must be > 0')
    this.modules = modules
    this.now = modules.now ?? Date.now
    this.lastChangeMs = this.now()
  }

  start(): void {
    if (this.timer !== null) return
    this.timer = setInterval(() => this.sample(), HEALTH_SAMPLE_INTERVAL_MS)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  /** Reads the head and notes when it changed. */
  sample(): void {
    let head: HealthHead | null
    try {
      head = this.modules.head()
    } catch {
      return
    }
    if (head === null) return
    if (
      this.lastHead === null ||
      head.hash !== this.lastHead.hash ||
      head.number !== this.lastHead.number
    ) {
      this.lastHead = { number: head.number, hash: head.hash }
      this.lastChangeMs = this.now()
    }
  }

  check(): HealthReport {
    this.sample()
    let peers = 0
    try {
      peers = this.modules.peerCount()
    } catch {
      peers = 0
    }
    const ageMs = Math.max(0, this.now() - this.lastChangeMs)
    const reasons: string[] = []
    if (peers <= 0) reasons.push('no connected peers')
    if (ageMs > this.windowMs) {
      reasons.push(
        this.lastHead === null
          ? `no unsafe head within ${this.windowMs / 1000} s of start`
          : `unsafe head ${this.lastHead.number} has not moved for ${Math.floor(ageMs / 1000)} s (window ${this.windowMs / 1000} s)`,
      )
    }
    const healthy = reasons.length === 0
    return {
      healthy,
      status: healthy ? 'ok' : 'unhealthy',
      reasons,
      peers,
      head: this.lastHead,
      headAgeSeconds: Math.round(ageMs / 100) / 10,
      windowSeconds: this.windowMs / 1000,
    }
  }
}

export function createHealthMonitor(opts: HealthOptions, modules: HealthModules): HealthMonitor {
  return new HealthMonitor(opts, modules)
}
