/**
 * Where the unsafe-block signer address comes from (op-gossip.md §3.3), in order:
 *  1. `--p2p.unsafe-block-signer` (fixed, never reloaded);
 *  2. the L1 SystemConfig storage slot `keccak256("systemconfig.unsafeblocksigner")` read through
 *     `--l1` at the latest block, re-read every `--l1.runtime-config-reload-interval` (default
 *     10 min, 0 = never) so a key rotation is picked up without a restart, like op-node's
 *     runtime-config reload loop;
 *  3. the chain's last known value, with a warning that it may be stale.
 * With none of them, every block is ignored (op-node's rule for an unset signer) and the node says
 * so once, at error level.
 *
 * Rotation grace (op-node PR #20063, `runcfg/runtime_config.go` `rotateSigner`,
 * `PreviousP2PSequencerAddress`, `ConfirmCurrentSigner`): when an L1 reload sees the signer
 * change from a non-zero address A to a different address B, A stays accepted for the grace
 * period, counted from that reload on the local clock (still open at exactly its end). The first
 * block verified as B's closes the window early. A change back (B → A) is a rotation like any
 * other (B gets a window); B → C drops A at once; a reload that reads the zero address makes B the
 * previous signer and the current one unset, so every block is ignored (the unset check comes
 * first); zero → C opens no window and leaves an earlier one as it was. The first value read from
 * L1 opens no window, whatever the last known value was. A fixed signer never rotates.
 */
import type { ChainConfig } from '../chains/types.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import {
  afterCurrentSignerVerified,
  afterReload,
  type GraceWindowState,
  NO_GRACE_WINDOW,
  previousInGrace,
} from './graceWindow.ts'
import { type SignerL1Client, viemL1Client } from './l1Reader.ts'
import {
  addressFromStorageWord,
  addressHex,
  parseSignerAddress,
  redactUrl,
  SignerSourceError,
  SignerSourceErrorCode,
  sameAddress,
  UNSAFE_BLOCK_SIGNER_SLOT,
} from './signerAddress.ts'

export type { SignerL1Client } from './l1Reader.ts'
export {
  addressFromStorageWord,
  parseSignerAddress,
  redactUrl,
  SignerSourceError,
  SignerSourceErrorCode,
  UNSAFE_BLOCK_SIGNER_SLOT,
} from './signerAddress.ts'

/** op-node `l1.runtime-config-reload-interval` default. */
export const DEFAULT_RUNTIME_CONFIG_RELOAD_INTERVAL_MS = 10 * 60 * 1000

/** op-node `DefaultSignerGracePeriod` (a constant there; `--p2p.signer.grace-period` here). */
export const DEFAULT_SIGNER_GRACE_PERIOD_MS = 3 * 60 * 60_000

/** Per-request timeout for L1 reads. */
export const DEFAULT_L1_REQUEST_TIMEOUT_MS = 10_000

export type SignerOrigin = 'flag' | 'l1' | 'last-known' | 'none'

export interface SignerSourceOptions {
  /** `--p2p.unsafe-block-signer`: wins over everything and is never reloaded */
  configuredSigner?: string
  /** `--l1`: JSON-RPC URL of an L1 execution node */
  l1Url?: string
  /** L1 SystemConfig proxy whose slot holds the signer (required with `l1Url`) */
  systemConfig?: `0x${string}`
  /** Expected L1 chain id; a mismatch makes start() fail, like op-node's CheckL1ChainID */
  l1ChainId?: number
  /** Re-read interval in ms; 0 disables reloads. @default 600_000 (10 min) */
  reloadIntervalMs?: number
  /** Timeout of each L1 request in ms. @default 10_000 */
  l1RequestTimeoutMs?: number
  /** Last known signer, used (with a warning) when neither the flag nor L1 gives one */
  lastKnownSigner?: `0x${string}`
  /** How long a rotated-out signer stays accepted. @default DEFAULT_SIGNER_GRACE_PERIOD_MS */
  gracePeriodMs?: number
}

export interface SignerSourceModules {
  logger?: Logger
  /** L1 client to use instead of a viem client on `l1Url` (tests, or a shared client) */
  l1Client?: SignerL1Client
  /** Clock for the grace window, ms. @default Date.now */
  now?: () => number
}

export interface SignerChange {
  /** New signer (20 bytes), null when none */
  signer: Uint8Array | null
  previous: Uint8Array | null
  origin: SignerOrigin
}

/** What the status RPC, metrics and logs show of the signer. */
export interface SignerStatus {
  /** 0x-hex, null when unset */
  signer: `0x${string}` | null
  origin: SignerOrigin
  /** The rotated-out signer while its grace window is open, else null */
  previousSigner: `0x${string}` | null
  /** When that window closes (ms since the epoch), null when none is open */
  graceWindowEndsAtMs: number | null
  gracePeriodMs: number
}

export interface SignerSource {
  /** The signer blocks must be signed by now (20 bytes), or null: synchronous, for the validator */
  current(): Uint8Array | null
  /** The previous signer while its rotation grace window is open, else null */
  previousInGrace(): Uint8Array | null
  /** A block signed by the current signer verified: closes any grace window */
  currentSignerVerified(): void
  status(): SignerStatus
  /** Where the current value came from */
  origin(): SignerOrigin
  /** Resolves the first value (one L1 read when configured) and starts the reload timer */
  start(): Promise<void>
  stop(): void
  /** Reads L1 once now (the reload timer calls this); resolves to the signer afterwards */
  reload(): Promise<Uint8Array | null>
  /** Called whenever the signer changes; returns an unsubscribe function */
  onChange(listener: (change: SignerChange) => void): () => void
}

/** Options for a chain plus the operator's flags (the chain gives SystemConfig, L1 id, fallback). */
export function signerOptionsForChain(
  chain: ChainConfig,
  flags: Pick<
    SignerSourceOptions,
    'configuredSigner' | 'l1Url' | 'reloadIntervalMs' | 'gracePeriodMs'
  >,
): SignerSourceOptions {
  const opts: SignerSourceOptions = { ...flags }
  if (chain.systemConfig !== undefined) opts.systemConfig = chain.systemConfig
  if (chain.l1ChainId !== undefined) opts.l1ChainId = chain.l1ChainId
  if (chain.unsafeBlockSigner !== undefined) opts.lastKnownSigner = chain.unsafeBlockSigner
  return opts
}

export function createSignerSource(
  opts: SignerSourceOptions,
  modules: SignerSourceModules = {},
): SignerSource {
  const log = (modules.logger ?? silentLogger).child({ module: 'signer' })
  const now = modules.now ?? Date.now
  const reloadIntervalMs = opts.reloadIntervalMs ?? DEFAULT_RUNTIME_CONFIG_RELOAD_INTERVAL_MS
  const gracePeriodMs = opts.gracePeriodMs ?? DEFAULT_SIGNER_GRACE_PERIOD_MS
  if (!Number.isFinite(gracePeriodMs) || gracePeriodMs < 0) {
    throw new RangeError(`gracePeriodMs must be >= 0, got ${gracePeriodMs}`)
  }
  const configured =
    opts.configuredSigner === undefined ? null : parseSignerAddress(opts.configuredSigner)
  const lastKnown =
    opts.lastKnownSigner === undefined ? null : parseSignerAddress(opts.lastKnownSigner)

  let l1: SignerL1Client | null = null
  const systemConfig = opts.systemConfig
  if (configured === null && (opts.l1Url !== undefined || modules.l1Client !== undefined)) {
    if (systemConfig === undefined) {
      throw new SignerSourceError(
        SignerSourceErrorCode.NO_SYSTEM_CONFIG,
        '--l1 needs the chain L1 SystemConfig address (rollup.json l1_system_config_address)',
      )
    }
    l1 =
      modules.l1Client ??
      viemL1Client(opts.l1Url as string, opts.l1RequestTimeoutMs ?? DEFAULT_L1_REQUEST_TIMEOUT_MS)
  }

  let current: Uint8Array | null = null
  let origin: SignerOrigin = 'none'
  let grace: GraceWindowState = NO_GRACE_WINDOW
  let timer: NodeJS.Timeout | undefined
  let warnedNone = false
  let loadedFromL1 = false
  const listeners = new Set<(change: SignerChange) => void>()

  function set(signer: Uint8Array | null, from: SignerOrigin): void {
    const previous = current
    const changed = !sameAddress(previous, signer)
    current = signer
    origin = signer === null ? 'none' : from
    if (signer === null && !warnedNone) {
      warnedNone = true
      log.error(
        { systemConfig, l1: l1 !== null },
        'NO UNSAFE BLOCK SIGNER: every gossiped block will be ignored; set --l1 (reads the L1 SystemConfig) or --p2p.unsafe-block-signer',
      )
    }
    if (!changed) return
    for (const listener of listeners) listener({ signer, previous, origin })
  }

  const previousSigner = () => previousInGrace(grace, now(), gracePeriodMs)

  /** A reload read `next`: the first L1 value opens no window, whatever was there before it. */
  function rotate(next: Uint8Array | null): void {
    if (!loadedFromL1) return
    const before = grace
    grace = afterReload(grace, current, next, now())
    if (grace === before) return
    log.info(
      {
        signer: addressHex(next),
        previousSigner: addressHex(grace.previous),
        graceWindowEndsAt: new Date(grace.rotatedAtMs + gracePeriodMs).toISOString(),
        systemConfig,
      },
      'unsafe block signer rotated on L1: the previous signer is accepted until its grace window ends or a block of the new signer verifies',
    )
  }

  async function readL1(): Promise<Uint8Array | null> {
    if (l1 === null || systemConfig === undefined) throw new Error('no L1 client')
    const word = await l1.getStorageAt({
      address: systemConfig,
      slot: UNSAFE_BLOCK_SIGNER_SLOT,
      blockTag: 'latest',
    })
    return addressFromStorageWord(word)
  }

  let inflight: Promise<Uint8Array | null> | undefined
  /** One read at a time: a slow L1 must not pile up reads when the interval is short. */
  function reload(): Promise<Uint8Array | null> {
    inflight ??= reloadOnce().finally(() => {
      inflight = undefined
    })
    return inflight
  }

  async function reloadOnce(): Promise<Uint8Array | null> {
    if (l1 === null) return current
    try {
      const signer = await readL1()
      const changed = !sameAddress(signer, current)
      if (!loadedFromL1 && origin === 'last-known' && changed) {
        log.warn(
          { lastKnown: addressHex(current), signer: addressHex(signer), systemConfig },
          'the unsafe block signer on L1 differs from the last known value',
        )
      } else if (!loadedFromL1) {
        log.info({ signer: addressHex(signer), systemConfig }, 'unsafe block signer loaded from L1')
      } else if (changed && current === null) {
        log.info({ signer: addressHex(signer), systemConfig }, 'unsafe block signer set on L1')
      }
      if (signer === null) {
        log.error({ systemConfig }, 'L1 SystemConfig has no unsafe block signer (zero slot)')
      }
      rotate(signer)
      loadedFromL1 = true
      set(signer, 'l1')
    } catch (err) {
      log.warn(
        { err: (err as Error).message, keeping: addressHex(current), systemConfig },
        'reading the unsafe block signer from L1 failed',
      )
    }
    return current
  }

  return {
    current: () => current,
    previousInGrace: previousSigner,
    currentSignerVerified() {
      const before = grace
      grace = afterCurrentSignerVerified(grace, current)
      if (grace === before) return
      log.info(
        { signer: addressHex(current), previousSigner: addressHex(before.previous) },
        'a block of the current signer verified: the previous signer grace window is closed',
      )
    },
    status() {
      const open = previousSigner()
      return {
        signer: addressHex(current),
        origin,
        previousSigner: addressHex(open),
        graceWindowEndsAtMs: open === null ? null : grace.rotatedAtMs + gracePeriodMs,
        gracePeriodMs,
      }
    },
    origin: () => origin,
    async start() {
      if (configured !== null) {
        log.info(
          { signer: addressHex(configured) },
          'unsafe block signer from --p2p.unsafe-block-signer',
        )
        set(configured, 'flag')
        return
      }
      if (l1 !== null) {
        if (opts.l1ChainId !== undefined) {
          let chainId: number | undefined
          try {
            chainId = await l1.getChainId()
          } catch (err) {
            log.warn({ err: (err as Error).message }, 'could not check the L1 chain id')
          }
          if (chainId !== undefined && chainId !== opts.l1ChainId) {
            throw new SignerSourceError(
              SignerSourceErrorCode.L1_WRONG_CHAIN,
              `--l1 is chain ${chainId}, but this rollup settles on L1 chain ${opts.l1ChainId}`,
            )
          }
        }
        if (opts.l1Url !== undefined)
          log.info({ l1: redactUrl(opts.l1Url) }, 'reading signer from L1')
        await reload()
        if (!loadedFromL1 && lastKnown !== null) {
          log.warn(
            { signer: addressHex(lastKnown) },
            'using the last known unsafe block signer until L1 answers: it may be stale',
          )
          set(lastKnown, 'last-known')
        } else if (!loadedFromL1) {
          set(null, 'none')
        }
        if (reloadIntervalMs > 0) {
          timer = setInterval(() => void reload(), reloadIntervalMs)
          timer.unref()
        }
        return
      }
      if (lastKnown !== null) {
        log.warn(
          { signer: addressHex(lastKnown) },
          'no --l1: using the last known unsafe block signer, which may be stale (a key rotation is missed)',
        )
        set(lastKnown, 'last-known')
        return
      }
      set(null, 'none')
    },
    stop() {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
    },
    reload,
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
