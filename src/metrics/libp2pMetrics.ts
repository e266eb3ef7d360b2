/**
 * libp2p and gossipsub internals on the node's registry:
 * - `libp2pMetricsOption(registry)` is the `metrics` option of `createLibp2p` (libp2p's
 *   `libp2p_*` / `nodejs_*` metric names, which that library does not let us prefix);
 * - `gossipsubMetricsOptions(registry, chainId)` gives gossipsub's `metricsRegister` and
 *   `metricsTopicStrToLabel` options; its metrics are renamed `op_gossip_gossipsub_*`.
 *
 * gossipsub only ships the MetricsRegister interface, so the prom-client adapter is ours. It also
 * fixes what the library registers against Prometheus' conventions: gossipsub asks for a gauge
 * for every metric, and only ever increments those named `*_total`, so they become counters; its
 * `topicStr` label is named `topic`, as everywhere else in op-gossip; its gauges named `*_count`
 * (a histogram's suffix) lose it.
 *
 * Caveat: @libp2p/prometheus-metrics keeps a module-wide name → metric map that it clears when a
 * node is created. Several nodes in one process each get their own metrics only when each is
 * created and started before the next one is created (what node.ts and the tests do).
 */
import type { MetricsRegister, TopicStrToLabel } from '@libp2p/gossipsub/metrics'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { allBlocksTopics, parseBlocksTopic } from '../wire/topics.ts'
import { METRICS_PREFIX } from './metricsRegistry.ts'

/** The `metrics` option for `createLibp2p`, bound to `registry` (no process metrics: ours has them). */
export function libp2pMetricsOption(registry: Registry): ReturnType<typeof prometheusMetrics> {
  return prometheusMetrics({
    registry,
    collectDefaultMetrics: false,
    preserveExistingMetrics: false,
  })
}

/** Short label of a block topic (`blocksV1`..`blocksV4`), `other` for anything else. */
export function topicLabel(topic: string): string {
  const parsed = parseBlocksTopic(topic)
  return parsed === null ? 'other' : `blocksV${parsed.version}`
}

/** gossipsub's topic → label map for this chain's four block topics. */
export function gossipsubTopicLabels(chainId: number): TopicStrToLabel {
  return new Map(allBlocksTopics(chainId).map((t) => [t, topicLabel(t)]))
}

/** gossipsub names its metrics `gossipsub_*` (with two typos upstream); ours are prefixed. */
export function gossipsubMetricName(name: string): string {
  let fixed = name
  if (fixed.startsWith('gossisub_')) fixed = `gossipsub_${fixed.slice('gossisub_'.length)}`
  else if (!fixed.startsWith('gossipsub_') && fixed.startsWith('gossip_')) {
    fixed = `gossipsub_${fixed.slice('gossip_'.length)}`
  }
  return `${METRICS_PREFIX}${fixed}`
}

/**
 * A gossipsub gauge's name: `*_count` is reserved for histograms and summaries, so the library's
 * `mesh_peer_count` becomes `mesh_peers` (and `mcache_not_validated_count`
 * `mcache_not_validated`).
 */
export function gossipsubGaugeName(name: string): string {
  const full = gossipsubMetricName(name)
  if (!full.endsWith(HISTOGRAM_COUNT_SUFFIX)) return full
  const stem = full.slice(0, -HISTOGRAM_COUNT_SUFFIX.length)
  return stem.endsWith('_peer') ? `${stem}s` : stem
}

const HISTOGRAM_COUNT_SUFFIX = '_count'

type Labels = Record<string, string | number>
type GaugeCollectFn = (gauge: unknown) => void

/** Suffix of the metrics gossipsub only increments: counters, by Prometheus' naming rules. */
export const COUNTER_SUFFIX = '_total'
/** gossipsub's label for a topic, and ours. */
const GOSSIPSUB_TOPIC_LABEL = 'topicStr'
const TOPIC_LABEL = 'topic'

function renameLabelNames(labelNames: readonly string[] | undefined): string[] {
  return (labelNames ?? []).map((n) => (n === GOSSIPSUB_TOPIC_LABEL ? TOPIC_LABEL : n))
}

/**
 * A metric method that takes gossipsub's labels first, rewritten to take `topic` for
 * `topicStr`. Only the few metrics with that label get it (topic joins and heartbeat counts,
 * never per message), so others pay nothing.
 */
function withTopicLabel(method: (...args: never[]) => void): (...args: unknown[]) => void {
  const call = method as (...args: unknown[]) => void
  return (labels, ...rest) => {
    if (typeof labels !== 'object' || labels === null || !(GOSSIPSUB_TOPIC_LABEL in labels)) {
      call(labels, ...rest)
      return
    }
    const { [GOSSIPSUB_TOPIC_LABEL]: topic, ...others } = labels as Labels
    call({ ...others, [TOPIC_LABEL]: topic }, ...rest)
  }
}

/** True when gossipsub's `labelNames` has `topicStr` (the metric's methods need rewriting). */
function hasTopicStr(labelNames: readonly string[] | undefined): boolean {
  return labelNames?.includes(GOSSIPSUB_TOPIC_LABEL) === true
}

/**
 * gossipsub sets most gauges from one `addCollect` callback on a metric it registers late, so a
 * plain per-gauge collect would serve values one scrape old. Instead every gossipsub gauge's
 * collect runs all the callbacks, once per scrape: prom-client calls the collects of one scrape
 * synchronously in a loop, so a flag cleared on the next microtask marks "already ran".
 */
class ScrapeHooks {
  private readonly fns: Array<() => void> = []
  private ranThisTick = false

  add(fn: () => void): void {
    this.fns.push(fn)
  }

  runOnce(): void {
    if (this.ranThisTick) return
    this.ranThisTick = true
    queueMicrotask(() => {
      this.ranThisTick = false
    })
    for (const fn of this.fns) fn()
  }
}

/** A prom-client Gauge that also takes gossipsub's `addCollect` callbacks. */
function createGauge(
  registry: Registry,
  hooks: ScrapeHooks,
  config: { name: string; help: string; labelNames?: string[] },
) {
  const gauge = new Gauge({
    name: gossipsubGaugeName(config.name),
    help: config.help,
    labelNames: renameLabelNames(config.labelNames),
    registers: [registry],
    collect() {
      hooks.runOnce()
    },
  })
  if (hasTopicStr(config.labelNames)) {
    gauge.set = withTopicLabel(gauge.set.bind(gauge)) as typeof gauge.set
    gauge.inc = withTopicLabel(gauge.inc.bind(gauge)) as typeof gauge.inc
    gauge.dec = withTopicLabel(gauge.dec.bind(gauge)) as typeof gauge.dec
  }
  return Object.assign(gauge, {
    addCollect(fn: GaugeCollectFn): void {
      hooks.add(() => fn(gauge))
    },
  })
}

/** A `*_total` "gauge" as the prom-client Counter it is (gossipsub only calls inc on them). */
function createCounter(
  registry: Registry,
  hooks: ScrapeHooks,
  config: { name: string; help: string; labelNames?: string[] },
) {
  const counter = new Counter({
    name: gossipsubMetricName(config.name),
    help: config.help,
    labelNames: renameLabelNames(config.labelNames),
    registers: [registry],
  })
  if (hasTopicStr(config.labelNames)) {
    counter.inc = withTopicLabel(counter.inc.bind(counter)) as typeof counter.inc
  }
  return Object.assign(counter, {
    addCollect(fn: GaugeCollectFn): void {
      hooks.add(() => fn(counter))
    },
  })
}

function createHistogram(
  registry: Registry,
  config: { name: string; help: string; labelNames?: string[]; buckets?: number[] },
) {
  // Some bucket lists are computed from score parameters and may repeat a value.
  const buckets =
    config.buckets === undefined ? undefined : [...new Set(config.buckets)].sort((a, b) => a - b)
  const histogram = new Histogram({
    name: gossipsubMetricName(config.name),
    help: config.help,
    labelNames: renameLabelNames(config.labelNames),
    registers: [registry],
    ...(buckets === undefined ? {} : { buckets }),
  })
  if (hasTopicStr(config.labelNames)) {
    histogram.observe = withTopicLabel(
      histogram.observe.bind(histogram),
    ) as typeof histogram.observe
  }
  return histogram
}

/** avg / min / max of a list of values, as one gauge with a `stat` label. */
function createAvgMinMax(
  registry: Registry,
  config: { name: string; help: string; labelNames?: string[] },
) {
  const gauge = new Gauge({
    name: gossipsubMetricName(config.name),
    help: config.help,
    labelNames: [...renameLabelNames(config.labelNames), 'stat'],
    registers: [registry],
  })
  const setStats = (labels: Labels, values: number[]) => {
    let min = values.length > 0 ? Number.POSITIVE_INFINITY : 0
    let max = values.length > 0 ? Number.NEGATIVE_INFINITY : 0
    let sum = 0
    for (const v of values) {
      if (v < min) min = v
      if (v > max) max = v
      sum += v
    }
    gauge.set({ ...labels, stat: 'avg' }, values.length > 0 ? sum / values.length : 0)
    gauge.set({ ...labels, stat: 'min' }, min)
    gauge.set({ ...labels, stat: 'max' }, max)
  }
  const setLabelled = (
    hasTopicStr(config.labelNames) ? withTopicLabel(setStats) : setStats
  ) as typeof setStats
  return {
    set(a: Labels | number[], b?: number[]): void {
      if (Array.isArray(a)) setStats({}, a)
      else setLabelled(a, b ?? [])
    },
  }
}

/** gossipsub's MetricsRegister on top of prom-client and `registry`. */
export function createGossipsubMetricsRegister(registry: Registry): MetricsRegister {
  const hooks = new ScrapeHooks()
  const register = {
    gauge: (config: { name: string; help: string; labelNames?: string[] }) =>
      config.name.endsWith(COUNTER_SUFFIX)
        ? createCounter(registry, hooks, config)
        : createGauge(registry, hooks, config),
    histogram: (config: {
      name: string
      help: string
      labelNames?: string[]
      buckets?: number[]
    }) => createHistogram(registry, config),
    avgMinMax: (config: { name: string; help: string; labelNames?: string[] }) =>
      createAvgMinMax(registry, config),
  }
  // The library's generic signatures (conditional label types) cannot be expressed on a
  // concrete implementation; the shapes match at runtime.
  return register as unknown as MetricsRegister
}

export interface GossipsubMetricsOptions {
  metricsRegister: MetricsRegister
  metricsTopicStrToLabel: TopicStrToLabel
}

/** gossipsub options `{ metricsRegister, metricsTopicStrToLabel }` for this chain and registry. */
export function gossipsubMetricsOptions(
  registry: Registry,
  chainId: number,
): GossipsubMetricsOptions {
  return {
    metricsRegister: createGossipsubMetricsRegister(registry),
    metricsTopicStrToLabel: gossipsubTopicLabels(chainId),
  }
}
