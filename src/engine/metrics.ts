/**
 * Prometheus metrics of the Engine API side. Injected as `EngineMetrics | null`; names are
 * snake_case with the `op_gossip_engine_` prefix, labels from small fixed sets.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export interface EngineMetrics {
  /** newPayload answers by status (VALID, INVALID, SYNCING, ACCEPTED, INVALID_BLOCK_HASH) */
  newPayloadTotal: Counter<'status'>
  /** forkchoiceUpdated answers by status */
  forkchoiceUpdatedTotal: Counter<'status'>
  /** Engine API calls that failed (transport, auth, rpc, ...) by error code */
  engineErrorsTotal: Counter<'code'>
  /** Blocks the EL rejected as INVALID (the sequencer signed an invalid block) */
  invalidBlocksTotal: Counter
  /** Blocks dropped from the full buffer (oldest first) */
  bufferEvictedTotal: Counter
  bufferedBlocks: Gauge
  bufferedBytes: Gauge
  targetNumber: Gauge
  confirmedNumber: Gauge
  /** 1 while the EL syncs towards the target */
  syncing: Gauge
  /** How long the EL took to close a gap */
  gapCloseSeconds: Histogram
  /** First seen on gossip → newPayload answered VALID */
  blockToElSeconds: Histogram
  /** Gap filling from the backup RPC (`--l2.backup-unsafe-sync-rpc`) */
  gapFill: GapFillMetrics
}

export interface GapFillMetrics {
  /** Blocks between the EL head and the end of the gap */
  remainingBlocks: Gauge
  /** 1 while blocks are fetched from the backup RPC */
  active: Gauge
  /** Blocks fetched and handed to the driver (its rate is the fill rate) */
  blocksTotal: Counter
  /** Requests to the backup RPC */
  requestsTotal: Counter
  /** Fills stopped by kind (bad-hash, broken-link, wrong-chain, invalid, bad-block, unavailable) */
  errorsTotal: Counter<'kind'>
}

function createGapFillMetrics(registers: Registry[]): GapFillMetrics {
  return {
    remainingBlocks: new Gauge({
      name: 'op_gossip_engine_gap_fill_remaining_blocks',
      help: 'Blocks between the EL head and the end of the gap the backup RPC fills',
      registers,
    }),
    active: new Gauge({
      name: 'op_gossip_engine_gap_fill_active',
      help: '1 while blocks are fetched from the backup RPC',
      registers,
    }),
    blocksTotal: new Counter({
      name: 'op_gossip_engine_gap_fill_blocks_total',
      help: 'Blocks fetched from the backup RPC and handed to the EL',
      registers,
    }),
    requestsTotal: new Counter({
      name: 'op_gossip_engine_gap_fill_requests_total',
      help: 'Requests to the backup RPC',
      registers,
    }),
    errorsTotal: new Counter({
      name: 'op_gossip_engine_gap_fill_errors_total',
      help: 'Gap fills from the backup RPC stopped, by kind',
      labelNames: ['kind'],
      registers,
    }),
  }
}

export function createEngineMetrics(register: Registry): EngineMetrics {
  const registers = [register]
  return {
    newPayloadTotal: new Counter({
      name: 'op_gossip_engine_new_payload_total',
      help: 'engine_newPayload answers by status',
      labelNames: ['status'],
      registers,
    }),
    forkchoiceUpdatedTotal: new Counter({
      name: 'op_gossip_engine_forkchoice_updated_total',
      help: 'engine_forkchoiceUpdated answers by status',
      labelNames: ['status'],
      registers,
    }),
    engineErrorsTotal: new Counter({
      name: 'op_gossip_engine_errors_total',
      help: 'Failed Engine API calls by error code',
      labelNames: ['code'],
      registers,
    }),
    invalidBlocksTotal: new Counter({
      name: 'op_gossip_engine_invalid_blocks_total',
      help: 'Blocks the EL rejected as INVALID',
      registers,
    }),
    bufferEvictedTotal: new Counter({
      name: 'op_gossip_engine_buffer_evicted_total',
      help: 'Blocks dropped from the full driver buffer (oldest first)',
      registers,
    }),
    bufferedBlocks: new Gauge({
      name: 'op_gossip_engine_buffered_blocks',
      help: 'Blocks held by the driver buffer',
      registers,
    }),
    bufferedBytes: new Gauge({
      name: 'op_gossip_engine_buffered_bytes',
      help: 'Bytes held by the driver buffer',
      registers,
    }),
    targetNumber: new Gauge({
      name: 'op_gossip_engine_target_block_number',
      help: 'Number of the newest block handed to the EL',
      registers,
    }),
    confirmedNumber: new Gauge({
      name: 'op_gossip_engine_confirmed_block_number',
      help: 'Number of the head the EL confirmed (FCU VALID or its latest)',
      registers,
    }),
    syncing: new Gauge({
      name: 'op_gossip_engine_syncing',
      help: '1 while the EL syncs towards the target',
      registers,
    }),
    gapCloseSeconds: new Histogram({
      name: 'op_gossip_engine_gap_close_seconds',
      help: 'Time the EL took to reach the target after a gap',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
      registers,
    }),
    blockToElSeconds: new Histogram({
      name: 'op_gossip_engine_block_to_el_seconds',
      help: 'From first seen on gossip to newPayload VALID',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    gapFill: createGapFillMetrics(registers),
  }
}

/** The sync driver's gauges, set from its state after each change. */
export function setSyncGauges(
  m: EngineMetrics,
  s: {
    buffer: { size: number; bytes: number }
    target: { number: number } | null
    confirmed: { number: number } | null
    syncing: boolean
  },
): void {
  m.bufferedBlocks.set(s.buffer.size)
  m.bufferedBytes.set(s.buffer.bytes)
  if (s.target !== null) m.targetNumber.set(s.target.number)
  if (s.confirmed !== null) m.confirmedNumber.set(s.confirmed.number)
  m.syncing.set(s.syncing ? 1 : 0)
}
