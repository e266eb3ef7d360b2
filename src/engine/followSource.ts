/**
 * `--l2.follow.source URL`: safe / finalized heads from a trusted upstream (engine-sync.md §6.3).
 * If the URL answers `optimism_syncStatus` it is an op-node (safe_l2 / finalized_l2); otherwise
 * it is read as an EL (`eth_getBlockByNumber("safe" | "finalized")`). The driver applies the
 * heads only once its own EL has them on its canonical chain.
 */
import { type Logger, silentLogger } from '../util/logger.ts'
import { EngineError } from './errors.ts'
import { createRpcClient, type RpcClient } from './rpcClient.ts'
import { type Hex, parseBlockRef, parseHash, SchemaError, ZERO_HASH } from './schema.ts'
import type { SafeFinalizedCandidate } from './syncCounters.ts'

export interface FollowSourceOptions {
  /** op-node RPC or EL RPC URL */
  url: string
  /** How often the source is read. @default 4000 (ms) */
  pollIntervalMs?: number
  /** Per-call timeout. @default 8000 (ms) */
  timeoutMs?: number
}

export interface FollowSourceModules {
  /** Receives each answer (the driver verifies it against its EL) */
  onHeads: (candidate: SafeFinalizedCandidate) => void
  log?: Logger
  rpc?: RpcClient
}

export type FollowSourceKind = 'unknown' | 'op-node' | 'el'

export interface FollowSource {
  readonly kind: FollowSourceKind
  /** Reads the source once (detecting its kind on first use). */
  poll(): Promise<SafeFinalizedCandidate>
  start(): void
  stop(): Promise<void>
}

function l2Ref(value: unknown, field: string): { hash: Hex; number: number } | null {
  if (typeof value !== 'object' || value === null) return null
  const o = value as Record<string, unknown>
  const hash = parseHash(o.hash, `${field}.hash`)
  if (hash === ZERO_HASH) return null
  if (typeof o.number !== 'number' || !Number.isSafeInteger(o.number) || o.number < 0) {
    throw new SchemaError(`${field}.number`, 'expected a JSON number')
  }
  return { hash, number: o.number }
}

export function createFollowSource(
  opts: FollowSourceOptions,
  modules: FollowSourceModules,
): FollowSource {
  const log = modules.log ?? silentLogger
  const rpc =
    modules.rpc ??
    createRpcClient({
      url: opts.url,
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    })
  const pollMs = opts.pollIntervalMs ?? 4_000
  let kind: FollowSourceKind = 'unknown'
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> | null = null
  let stopped = true
  let failing = false
  let lastError: string | null = null

  async function readEl(tag: 'safe' | 'finalized') {
    try {
      const ref = parseBlockRef(await rpc.call('eth_getBlockByNumber', [tag, false]))
      return ref === null ? null : { hash: ref.hash, number: ref.number }
    } catch (err) {
      if (
        err instanceof EngineError &&
        err.code === 'ENGINE_RPC_ERROR' &&
        /not found|unknown block/i.test(err.message)
      ) {
        return null
      }
      throw err
    }
  }

  const source: FollowSource = {
    get kind() {
      return kind
    },
    async poll() {
      if (kind !== 'el') {
        try {
          const status = (await rpc.call('optimism_syncStatus', [])) as Record<
            string,
            unknown
          > | null
          if (status !== null && typeof status === 'object' && 'safe_l2' in status) {
            if (kind === 'unknown') log.info({ url: rpc.url }, 'follow source is an op-node')
            kind = 'op-node'
            return {
              safe: l2Ref(status.safe_l2, 'safe_l2'),
              finalized: l2Ref(status.finalized_l2, 'finalized_l2'),
            }
          }
        } catch (err) {
          if (
            kind === 'op-node' ||
            !(err instanceof EngineError) ||
            err.code !== 'ENGINE_RPC_ERROR'
          )
            throw err
        }
        log.info({ url: rpc.url }, 'follow source is an EL (no optimism_syncStatus)')
        kind = 'el'
      }
      return { safe: await readEl('safe'), finalized: await readEl('finalized') }
    },
    start() {
      if (!stopped) return
      stopped = false
      const tick = () => {
        running = source
          .poll()
          .then((candidate) => {
            if (failing) log.info({ url: rpc.url }, 'follow source answers again')
            failing = false
            lastError = null
            if (!stopped) modules.onHeads(candidate)
          })
          .catch((err: unknown) => {
            const message = (err as Error).message
            if (message !== lastError) {
              log.warn({ url: rpc.url, err: message }, 'follow source read failed')
            } else {
              log.debug({ url: rpc.url, err: message }, 'follow source still failing')
            }
            lastError = message
            failing = true
          })
          .finally(() => {
            running = null
            if (!stopped) {
              timer = setTimeout(tick, pollMs)
              timer.unref()
            }
          })
      }
      tick()
    },
    async stop() {
      stopped = true
      if (timer !== null) clearTimeout(timer)
      timer = null
      await running
    },
  }
  return source
}
