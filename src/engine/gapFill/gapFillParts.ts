/**
 * The gap-filling parts the Engine driver composes: the gap filler (backup RPC, unless
 * `--l2.gap-fill el`) and the sync target at start (from the backup RPC, else from the follow
 * source), each a Startable.
 */
import type { ChainConfig } from '../../chains/types.ts'
import type { Startable } from '../../util/lifecycle.ts'
import type { Logger } from '../../util/logger.ts'
import type { GapFillMetrics } from '../metrics.ts'
import { createRpcClient } from '../rpcClient.ts'
import {
  createGapFiller,
  GAP_FILL_REQUEST_TIMEOUT_MS,
  GAP_FILL_RETRIES,
  GAP_FILL_RETRY_BASE_DELAY_MS,
  GAP_FILL_RETRY_MAX_DELAY_MS,
  type GapFiller,
  type GapFillerOptions,
  type GapFillHost,
} from './gapFiller.ts'
import type { GapFillMode } from './gapFillMode.ts'
import { createHeadAtStart, type HeadAtStartModules } from './headAtStart.ts'
import { createTrustedRpc, type TrustedRpc } from './trustedRpc.ts'

/** Timings of the filler and its RPC client (tests shorten them). */
export interface GapFillTuning extends Omit<GapFillerOptions, 'mode' | 'elSyncPatienceMs'> {
  /** @default GAP_FILL_REQUEST_TIMEOUT_MS (ms) */
  requestTimeoutMs?: number
  /** @default GAP_FILL_RETRIES */
  retries?: number
  /** @default GAP_FILL_RETRY_BASE_DELAY_MS (ms) */
  retryBaseDelayMs?: number
  /** @default GAP_FILL_RETRY_MAX_DELAY_MS (ms) */
  retryMaxDelayMs?: number
  /** Head-at-start retry interval. @default HEAD_AT_START_RETRY_INTERVAL_MS (ms) */
  headRetryIntervalMs?: number
}

export interface GapFillPartsOptions {
  chain: ChainConfig
  mode: GapFillMode
  backupRpcUrl?: string
  trustRpc: boolean
  followSourceUrl?: string
  elSyncPatienceMs?: number
  tuning?: GapFillTuning
}

export interface GapFillPartsModules {
  host: GapFillHost & HeadAtStartModules['host']
  log: Logger
  metrics: GapFillMetrics | null
}

export function createGapFillParts(
  opts: GapFillPartsOptions,
  modules: GapFillPartsModules,
): { filler: GapFiller | null; headAtStart: Startable | null } {
  const {
    requestTimeoutMs,
    retries,
    retryBaseDelayMs,
    retryMaxDelayMs,
    headRetryIntervalMs,
    ...fillerTuning
  } = opts.tuning ?? {}
  const trustedRpcOf = (url: string, trustRpc: boolean): TrustedRpc =>
    createTrustedRpc(
      { chain: opts.chain, trustRpc },
      createRpcClient({
        url,
        timeoutMs: requestTimeoutMs ?? GAP_FILL_REQUEST_TIMEOUT_MS,
        retries: retries ?? GAP_FILL_RETRIES,
        retryBaseDelayMs: retryBaseDelayMs ?? GAP_FILL_RETRY_BASE_DELAY_MS,
        retryMaxDelayMs: retryMaxDelayMs ?? GAP_FILL_RETRY_MAX_DELAY_MS,
      }),
    )
  const { host, log } = modules
  // With --l2.gap-fill el the backup RPC is never asked (not even for the head at start).
  const mode = opts.mode
  const backupRpc =
    opts.backupRpcUrl === undefined || mode === 'el'
      ? null
      : trustedRpcOf(opts.backupRpcUrl, opts.trustRpc)
  const filler =
    backupRpc === null || mode === 'el'
      ? null
      : createGapFiller(
          {
            ...fillerTuning,
            mode,
            ...(opts.elSyncPatienceMs === undefined
              ? {}
              : { elSyncPatienceMs: opts.elSyncPatienceMs }),
          },
          { host, rpc: backupRpc, log, metrics: modules.metrics },
        )
  const headSource =
    backupRpc !== null
      ? { source: 'backup-rpc', rpc: backupRpc }
      : opts.followSourceUrl !== undefined
        ? { source: 'follow-source', rpc: trustedRpcOf(opts.followSourceUrl, false) }
        : null
  const headAtStart =
    headSource === null
      ? null
      : createHeadAtStart(
          {
            source: headSource.source,
            ...(headRetryIntervalMs === undefined ? {} : { retryIntervalMs: headRetryIntervalMs }),
          },
          { host, rpc: headSource.rpc, log },
        )
  return { filler, headAtStart }
}
