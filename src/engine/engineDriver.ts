/**
 * The Engine side as node.ts sees it: one object that takes accepted gossip blocks and hands them
 * to the EL (`--l2`, via the sync driver), optionally forwards safe / finalized from a trusted
 * source (`--l2.follow.source`), optionally fills gaps the EL cannot sync from a trusted RPC
 * (`--l2.backup-unsafe-sync-rpc`, gapFill/) and optionally posts blocks to an op-node
 * (`--l2.admin-rpc`).
 */
import type { Registry } from 'prom-client'
import type { ChainConfig } from '../chains/types.ts'
import { type NamedStartable, type Startable, stopInReverse } from '../util/lifecycle.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import { type AdminRpcSink, type AdminRpcSinkStatus, createAdminRpcSink } from './adminRpcSink.ts'
import type { BlockMeta } from './blockBuffer.ts'
import { createEngineClient, type EngineClient } from './engineClient.ts'
import { EngineError } from './errors.ts'
import { createFollowSource, type FollowSource, type FollowSourceKind } from './followSource.ts'
import type { GapFillStatus } from './gapFill/gapFiller.ts'
import type { GapFillMode } from './gapFill/gapFillMode.ts'
import { createGapFillParts, type GapFillTuning } from './gapFill/gapFillParts.ts'
import { createEngineMetrics } from './metrics.ts'
import { scrubUrl } from './rpcClient.ts'
import {
  createSyncDriver,
  type SyncDriver,
  type SyncDriverCounters,
  type SyncDriverOptions,
  type SyncDriverState,
  type SyncDriverStatus,
} from './syncDriver.ts'

export type { BlockMeta } from './blockBuffer.ts'

export interface EngineDriverOptions {
  chain: ChainConfig
  /** `--l2`: the EL's Engine API URL (authenticated port, e.g. http://127.0.0.1:8551). @default none */
  engineUrl?: string
  /** `--l2.jwt-secret`: the parsed 32-byte secret (see loadJwtSecretFile). Required with engineUrl */
  jwtSecret?: Uint8Array
  /** `--l2.follow.source`: trusted op-node or EL RPC for safe / finalized. Needs engineUrl. @default none */
  followSourceUrl?: string
  /** `--l2.admin-rpc`: op-node RPC for admin_postUnsafePayload. @default none */
  adminRpcUrl?: string
  /** `--l2.backup-unsafe-sync-rpc`: trusted L2 RPC (op-geth / op-reth) gaps are filled from. Needs engineUrl. @default none */
  backupUnsafeSyncRpcUrl?: string
  /** `--l2.backup-unsafe-sync-rpc.trustrpc`: skip the block-hash check of fetched blocks. @default false */
  backupUnsafeSyncRpcTrust?: boolean
  /** `--l2.gap-fill`. @default 'el-then-rpc' with a backup RPC, else 'el' */
  gapFill?: GapFillMode
  /** `--l2.el-sync.patience`: EL sync without progress this long hands the gap to the RPC. @default 30000 (ms) */
  elSyncPatienceMs?: number
  /** Gap filler and backup RPC tuning (tests) */
  gapFillTuning?: GapFillTuning
  /** Per-call timeout of Engine API calls. @default 8000 (ms) */
  callTimeoutMs?: number
  /** How often the follow source is read. @default 4000 (ms) */
  followPollIntervalMs?: number
  /** Sync driver tuning (buffer limits, poll intervals) */
  sync?: Omit<SyncDriverOptions, 'chain'>
}

export interface EngineDriverModules {
  log?: Logger
  /** When given, op_gossip_engine_* metrics are registered here */
  metricsRegistry?: Registry | null
  /** Overrides the Engine API client (tests) */
  client?: EngineClient
}

/** The sync driver's status (see SyncDriverStatus), or its idle values when there is no --l2. */
export interface EngineDriverStatus
  extends Omit<SyncDriverStatus, 'state' | 'counters' | 'syncingSinceMs'> {
  /** 'disabled' when no --l2 was given (admin RPC only) */
  state: SyncDriverState | 'disabled'
  counters: SyncDriverCounters | null
  followSource: { url: string; kind: FollowSourceKind } | null
  adminRpc: (AdminRpcSinkStatus & { url: string }) | null
  /** Gap filling from the backup RPC (null without one, or with --l2.gap-fill el) */
  gapFill: GapFillStatus | null
}

export interface EngineDriver extends Startable {
  /** Connects to the EL (rejects on a wrong JWT secret or chain id), then polls the follow source */
  start(): Promise<void>
  /** Stops the follow source, the sync driver, then the admin RPC sink; a failure is logged */
  stop(): Promise<void>
  /** An accepted gossip block. Never throws, never waits for the EL. */
  onBlock(envelope: SignedEnvelope, meta: BlockMeta): void
  status(): EngineDriverStatus
}

/** Checks that the options can work together; throws ENGINE_CONFIG_INVALID (one line) if not. */
export function checkEngineDriverOptions(opts: EngineDriverOptions): void {
  const bad = (msg: string) => {
    throw new EngineError('ENGINE_CONFIG_INVALID', msg)
  }
  const gapFill = gapFillModeOf(opts)
  if (gapFill !== 'el' && opts.backupUnsafeSyncRpcUrl === undefined) {
    bad(`--l2.gap-fill ${gapFill} needs --l2.backup-unsafe-sync-rpc URL`)
  }
  if (opts.engineUrl === undefined && opts.adminRpcUrl === undefined) {
    bad('an output is needed: --l2 URL (Engine API) and/or --l2.admin-rpc URL')
  }
  if (opts.engineUrl !== undefined && opts.jwtSecret === undefined)
    bad('--l2 needs --l2.jwt-secret FILE')
  if (opts.followSourceUrl !== undefined && opts.engineUrl === undefined) {
    bad('--l2.follow.source needs --l2 (safe/finalized are checked against the EL)')
  }
  if (opts.backupUnsafeSyncRpcUrl !== undefined && opts.engineUrl === undefined) {
    bad('--l2.backup-unsafe-sync-rpc needs --l2 (fetched blocks go to the EL)')
  }
  if (opts.elSyncPatienceMs !== undefined && !(opts.elSyncPatienceMs >= 0)) {
    bad('--l2.el-sync.patience must be a duration >= 0')
  }
  for (const [flag, url] of [
    ['--l2', opts.engineUrl],
    ['--l2.follow.source', opts.followSourceUrl],
    ['--l2.admin-rpc', opts.adminRpcUrl],
    ['--l2.backup-unsafe-sync-rpc', opts.backupUnsafeSyncRpcUrl],
  ] as const) {
    if (url === undefined) continue
    let parsed: URL | null = null
    try {
      parsed = new URL(url)
    } catch {
      // reported below
    }
    if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      bad(`${flag} must be an http:// or https:// URL, got ${scrubUrl(url)}`)
    }
  }
}

/** `--l2.gap-fill` as given, or its default: el-then-rpc with a backup RPC, else el. */
export function gapFillModeOf(opts: EngineDriverOptions): GapFillMode {
  return opts.gapFill ?? (opts.backupUnsafeSyncRpcUrl === undefined ? 'el' : 'el-then-rpc')
}

export function createEngineDriver(
  opts: EngineDriverOptions,
  modules: EngineDriverModules = {},
): EngineDriver {
  checkEngineDriverOptions(opts)
  const log = modules.log ?? silentLogger
  const metrics = modules.metricsRegistry ? createEngineMetrics(modules.metricsRegistry) : null

  let sync: SyncDriver | null = null
  if (opts.engineUrl !== undefined) {
    const client =
      modules.client ??
      createEngineClient({
        url: opts.engineUrl,
        jwtSecret: opts.jwtSecret!,
        chain: opts.chain,
        ...(opts.callTimeoutMs === undefined ? {} : { timeoutMs: opts.callTimeoutMs }),
      })
    sync = createSyncDriver(
      { ...opts.sync, chain: opts.chain },
      { client, log: log.child({ module: 'engine' }), metrics },
    )
  }
  const syncDriver = sync

  let follow: FollowSource | null = null
  if (opts.followSourceUrl !== undefined && syncDriver !== null) {
    follow = createFollowSource(
      {
        url: opts.followSourceUrl,
        ...(opts.followPollIntervalMs === undefined
          ? {}
          : { pollIntervalMs: opts.followPollIntervalMs }),
      },
      { log: log.child({ module: 'follow' }), onHeads: (c) => syncDriver.offerSafeFinalized(c) },
    )
  }

  const { filler, headAtStart } =
    syncDriver === null
      ? { filler: null, headAtStart: null }
      : createGapFillParts(
          {
            chain: opts.chain,
            mode: gapFillModeOf(opts),
            ...(opts.backupUnsafeSyncRpcUrl === undefined
              ? {}
              : { backupRpcUrl: opts.backupUnsafeSyncRpcUrl }),
            trustRpc: opts.backupUnsafeSyncRpcTrust === true,
            ...(opts.followSourceUrl === undefined
              ? {}
              : { followSourceUrl: opts.followSourceUrl }),
            ...(opts.elSyncPatienceMs === undefined
              ? {}
              : { elSyncPatienceMs: opts.elSyncPatienceMs }),
            ...(opts.gapFillTuning === undefined ? {} : { tuning: opts.gapFillTuning }),
          },
          {
            host: syncDriver,
            log: log.child({ module: 'gap-fill' }),
            metrics: metrics?.gapFill ?? null,
          },
        )

  const admin: AdminRpcSink | null =
    opts.adminRpcUrl === undefined
      ? null
      : createAdminRpcSink(
          {
            url: opts.adminRpcUrl,
            ...(opts.callTimeoutMs === undefined ? {} : { timeoutMs: opts.callTimeoutMs }),
          },
          { log: log.child({ module: 'admin-rpc' }) },
        )

  // In start order; stopped in reverse. The admin sink posts from its first block: no start.
  const parts: NamedStartable[] = []
  if (admin !== null)
    parts.push({ name: 'admin-rpc', part: { start() {}, stop: () => admin.stop() } })
  if (syncDriver !== null) parts.push({ name: 'sync-driver', part: syncDriver })
  if (follow !== null) parts.push({ name: 'follow-source', part: follow })
  if (filler !== null) parts.push({ name: 'gap-filler', part: filler })
  if (headAtStart !== null) parts.push({ name: 'head-at-start', part: headAtStart })

  return {
    async start() {
      for (const { part } of parts) await part.start()
    },
    async stop() {
      await stopInReverse(parts, log)
    },
    onBlock(envelope, meta) {
      syncDriver?.onBlock(envelope, meta)
      admin?.post(envelope)
    },
    status() {
      const s = syncDriver?.status() ?? null
      return {
        state: s?.state ?? 'disabled',
        target: s?.target ?? null,
        confirmed: s?.confirmed ?? null,
        safe: s?.safe ?? null,
        finalized: s?.finalized ?? null,
        syncing: s?.syncing ?? false,
        gapBlocks: s?.gapBlocks ?? 0,
        buffer: s?.buffer ?? { blocks: 0, bytes: 0 },
        counters: s?.counters ?? null,
        lastError: s?.lastError ?? null,
        followSource:
          follow === null ? null : { url: scrubUrl(opts.followSourceUrl!), kind: follow.kind },
        adminRpc: admin === null ? null : { ...admin.status(), url: scrubUrl(opts.adminRpcUrl!) },
        gapFill: filler?.status() ?? null,
      }
    },
  }
}
