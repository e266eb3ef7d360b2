/**
 * Wraps an Engine API client so every call is timed by method and outcome
 * (op_gossip_engine_request_duration_seconds) and the block timeline learns when the EL
 * answered newPayload / forkchoiceUpdated for a block. Composition instead of a hook in the
 * driver: the driver stays unaware of metrics beyond its own.
 */
import type { EngineClient } from '../engine/engineClient.ts'
import { EngineError } from '../engine/errors.ts'
import { FORKCHOICE_UPDATED_METHOD, NEW_PAYLOAD_METHOD } from '../engine/schema.ts'
import { bytesToHex } from './blockTimeline.ts'
import type { BlockMetricsRecorder } from './nodeMetrics.ts'

/** The part of the block timeline the wrapper reports to. */
export interface EngineAnswerListener {
  onNewPayload(hash: string, outcome: string): void
  onForkchoice(headHash: string, outcome: string): void
}

export interface EngineInstrumentationModules {
  metrics?: BlockMetricsRecorder | null
  timeline?: EngineAnswerListener | null
  /** Monotonic clock, ms. @default performance.now */
  clock?: () => number
}

/** Outcome label of a failed call: the typed error code when there is one. */
export function errorOutcome(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'error'
}

export function instrumentEngineClient(
  client: EngineClient,
  modules: EngineInstrumentationModules = {},
): EngineClient {
  const metrics = modules.metrics ?? null
  const timeline = modules.timeline ?? null
  const clock = modules.clock ?? (() => performance.now())

  async function timed<T>(
    method: string,
    call: () => Promise<T>,
    outcomeOf: (r: T) => string,
  ): Promise<T> {
    const start = clock()
    try {
      const result = await call()
      metrics?.observeEngineRequest(method, outcomeOf(result), (clock() - start) / 1000)
      return result
    } catch (err) {
      metrics?.observeEngineRequest(method, errorOutcome(err), (clock() - start) / 1000)
      throw err
    }
  }
  const ok = () => 'ok'

  const wrapped: EngineClient = {
    url: client.url,
    async newPayload(envelope, opts) {
      const hash = bytesToHex(envelope.payload.blockHash)
      try {
        const status = await timed(
          NEW_PAYLOAD_METHOD[envelope.version],
          () => client.newPayload(envelope, opts),
          (s) => s.status,
        )
        timeline?.onNewPayload(hash, status.status)
        return status
      } catch (err) {
        timeline?.onNewPayload(hash, errorOutcome(err))
        throw err
      }
    },
    async forkchoiceUpdated(state, opts) {
      try {
        const result = await timed(
          FORKCHOICE_UPDATED_METHOD,
          () => client.forkchoiceUpdated(state, opts),
          (r) => r.payloadStatus.status,
        )
        timeline?.onForkchoice(state.headBlockHash, result.payloadStatus.status)
        return result
      } catch (err) {
        timeline?.onForkchoice(state.headBlockHash, errorOutcome(err))
        throw err
      }
    },
    chainId: (opts) => timed('eth_chainId', () => client.chainId(opts), ok),
    getBlockByNumber: (block, opts) =>
      timed(
        'eth_getBlockByNumber',
        () => client.getBlockByNumber(block, opts),
        (r) => (r === null ? 'not_found' : 'ok'),
      ),
    getBlockByHash: (hash, opts) =>
      timed(
        'eth_getBlockByHash',
        () => client.getBlockByHash(hash, opts),
        (r) => (r === null ? 'not_found' : 'ok'),
      ),
    blockNumber: (opts) => timed('eth_blockNumber', () => client.blockNumber(opts), ok),
    syncing: (opts) => timed('eth_syncing', () => client.syncing(opts), ok),
    // readHeads is three eth_getBlockByNumber calls: done here so each one is timed.
    async readHeads(opts) {
      const latest = await wrapped.getBlockByNumber('latest', opts)
      if (latest === null) {
        throw new EngineError('ENGINE_BAD_RESPONSE', 'eth_getBlockByNumber("latest") returned null')
      }
      const safe = await wrapped.getBlockByNumber('safe', opts)
      const finalized = await wrapped.getBlockByNumber('finalized', opts)
      return { latest, safe, finalized }
    },
  }
  return wrapped
}
