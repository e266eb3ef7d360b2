/**
 * `--l2.admin-rpc URL`: posts each accepted block to an op-node with `admin_postUnsafePayload`
 * (engine-sync.md §6.1), for operators who keep op-node but disable its P2P. op-node checks the
 * block hash and feeds the envelope into its gossip path; the answer (null) only means "queued".
 */
import { type Logger, silentLogger } from '../util/logger.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import { isTransientEngineError } from './errors.ts'
import { createRpcClient, delay, type RpcClient } from './rpcClient.ts'
import { envelopeToJson } from './schema.ts'

/** Blocks waiting to be posted at most; when full the oldest goes (the newest matters most). */
export const ADMIN_SINK_MAX_QUEUED_BLOCKS = 64

export interface AdminRpcSinkOptions {
  /** op-node RPC URL (started with --rpc.enable-admin) */
  url: string
  /** @default ADMIN_SINK_MAX_QUEUED_BLOCKS (64 blocks) */
  maxQueuedBlocks?: number
  /** Per-call timeout. @default 8000 (ms) */
  timeoutMs?: number
  /** Delay before retrying after a transport error, doubled per failure. @default 250 (ms) */
  retryBaseDelayMs?: number
  /** @default 10000 (ms) */
  retryMaxDelayMs?: number
}

export interface AdminRpcSinkStatus {
  /** Blocks waiting (not counting the one in flight) */
  queued: number
  posted: number
  /** op-node answered with an error (e.g. bad block hash): not retried */
  rejected: number
  /** Dropped from the full queue */
  dropped: number
  lastError: string | null
}

export interface AdminRpcSink {
  post(envelope: SignedEnvelope): void
  status(): AdminRpcSinkStatus
  stop(): Promise<void>
}

export function createAdminRpcSink(
  opts: AdminRpcSinkOptions,
  modules: { log?: Logger; rpc?: RpcClient } = {},
): AdminRpcSink {
  const log = modules.log ?? silentLogger
  const rpc =
    modules.rpc ??
    createRpcClient({
      url: opts.url,
      retries: 0,
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    })
  const maxQueued = opts.maxQueuedBlocks ?? ADMIN_SINK_MAX_QUEUED_BLOCKS
  const baseDelay = opts.retryBaseDelayMs ?? 250
  const maxDelay = opts.retryMaxDelayMs ?? 10_000
  const queue: SignedEnvelope[] = []
  const abort = new AbortController()
  const st: AdminRpcSinkStatus = { queued: 0, posted: 0, rejected: 0, dropped: 0, lastError: null }
  let worker: Promise<void> | null = null
  let stopped = false

  async function drain(): Promise<void> {
    for (
      let envelope = queue.shift();
      envelope !== undefined && !stopped;
      envelope = queue.shift()
    ) {
      // The block in flight is out of the queue: overflow only ever drops waiting blocks.
      let failures = 0
      for (;;) {
        try {
          await rpc.call('admin_postUnsafePayload', [envelopeToJson(envelope)], {
            signal: abort.signal,
          })
          st.posted++
          break
        } catch (err) {
          if (stopped) return
          st.lastError = (err as Error).message
          if (isTransientEngineError(err)) {
            if (failures === 0)
              log.warn({ url: rpc.url, err: st.lastError }, 'admin RPC unreachable, retrying')
            await delay(Math.min(maxDelay, baseDelay * 2 ** failures++), abort.signal)
            continue
          }
          st.rejected++
          log.error(
            { url: rpc.url, number: Number(envelope.payload.blockNumber), err: st.lastError },
            'admin_postUnsafePayload refused the block',
          )
          break
        }
      }
    }
  }

  return {
    post(envelope) {
      if (stopped) return
      queue.push(envelope)
      while (queue.length > maxQueued) {
        queue.shift()
        st.dropped++
      }
      if (worker === null) {
        worker = drain().finally(() => {
          worker = null
        })
      }
    },
    status() {
      return { ...st, queued: queue.length }
    },
    async stop() {
      stopped = true
      abort.abort()
      await worker
    },
  }
}
