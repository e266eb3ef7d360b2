/**
 * One Prometheus registry per node (never prom-client's global one), so several nodes in one
 * process (tests, the devnet) keep separate metrics. Process metrics (RSS, heap, CPU, GC, event
 * loop lag) come from prom-client's default collectors under our prefix.
 */
import { collectDefaultMetrics, Registry } from 'prom-client'

/** Prefix of every metric op-gossip defines (libp2p's own `libp2p_*` / `nodejs_*` keep theirs). */
export const METRICS_PREFIX = 'op_gossip_'

/** Resolution of the event-loop delay monitor behind `op_gossip_nodejs_eventloop_lag_*`. */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 10

/**
 * prom-client's gauges named like counters (`*_total`): Prometheus' linter rejects them, and the
 * same totals are the sum of `op_gossip_nodejs_active_{handles,requests,resources}{type}`.
 */
export const DROPPED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
].map((name) => METRICS_PREFIX + name)

export interface MetricsRegistryOptions {
  /**
   * Register prom-client's process collectors (`op_gossip_process_*`, `op_gossip_nodejs_*`).
   * They are process-wide: tests that build many nodes in one process may turn them off.
   * @default true
   */
  processMetrics?: boolean
}

export function createMetricsRegistry(opts: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry()
  if (opts.processMetrics ?? true) {
    collectDefaultMetrics({
      register: registry,
      prefix: METRICS_PREFIX,
      eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS,
    })
    for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name)
  }
  return registry
}
