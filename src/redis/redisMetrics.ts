/**
 * Prometheus metrics of the Redis road (`op_gossip_redis_*`). Injected as `RedisMetrics | null`;
 * labels from small fixed sets (`reason`: an entry or gossip reason code).
 */
import { Counter, Gauge, type Registry } from 'prom-client'

export interface RedisMetrics {
  /** Entries this node appended (first writer of the block) */
  publishedTotal: Counter
  /** Blocks another publisher had already appended (first-writer-wins) */
  publishSkippedTotal: Counter
  /** Blocks dropped from the full publish backlog while Redis was away */
  publishDroppedTotal: Counter
  /** Entries read and accepted, by whether gossip or the stream came first */
  consumedTotal: Counter<'outcome'>
  /** Entries refused, by reason */
  rejectedTotal: Counter<'reason'>
  /** Entries left in the current read (0 when following live) */
  lagEntries: Gauge
  /** Publisher's first sight of the newest block read → read here */
  lagMs: Gauge
  /** Reconnections after a lost connection */
  reconnectsTotal: Counter
}

export function createRedisMetrics(register: Registry): RedisMetrics {
  const registers = [register]
  return {
    publishedTotal: new Counter({
      name: 'op_gossip_redis_published_total',
      help: 'Blocks appended to the Redis stream by this node',
      registers,
    }),
    publishSkippedTotal: new Counter({
      name: 'op_gossip_redis_publish_skipped_total',
      help: 'Blocks another publisher had already appended (first writer wins)',
      registers,
    }),
    publishDroppedTotal: new Counter({
      name: 'op_gossip_redis_publish_dropped_total',
      help: 'Blocks dropped from the full publish backlog while Redis was unreachable',
      registers,
    }),
    consumedTotal: new Counter({
      name: 'op_gossip_redis_consumed_total',
      help: 'Stream entries accepted (delivered) or already seen on gossip (duplicate)',
      labelNames: ['outcome'],
      registers,
    }),
    rejectedTotal: new Counter({
      name: 'op_gossip_redis_rejected_total',
      help: 'Stream entries refused, by reason',
      labelNames: ['reason'],
      registers,
    }),
    lagEntries: new Gauge({
      name: 'op_gossip_redis_stream_lag_entries',
      help: 'Entries still to process in the current read (0 when following live)',
      registers,
    }),
    lagMs: new Gauge({
      name: 'op_gossip_redis_stream_lag_ms',
      help: "Publisher's first sight of the newest entry read to its read here, ms",
      registers,
    }),
    reconnectsTotal: new Counter({
      name: 'op_gossip_redis_reconnects_total',
      help: 'Redis reconnections after a lost connection',
      registers,
    }),
  }
}
