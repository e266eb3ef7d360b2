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
import type { PublicClient } from 'viem'
import type { ChainConfig } from '../chains/types.ts'
import { OpGossipError } from '../util/errors.ts'
import { type Logger, silentLogger } from '../util/logger.ts'

/** `keccak256("systemconfig.unsafeblocksigner")`: SystemConfig's storage slot for the signer. */
export const UNSAFE_BLOCK_SIGNER_SLOT =
  '0x65a7ed542fb37fe237fdfbdd70b31598523fe5b32879e307bae27a0bd9581c08' as const

/** op-node `l1.runtime-config-reload-interval` default. */
export const DEFAULT_RUNTIME_CONFIG_RELOAD_INTERVAL_MS = 10 * 60 * 1000

/** op-node `DefaultSignerGracePeriod` (a constant there; `--p2p.signer.grace-period` here). */
export const DEFAULT_SIGNER_GRACE_PERIOD_MS = 3 * 60 * 60_000

/** Per-request timeout for L1 reads. */
export const DEFAULT_L1_REQUEST_TIMEOUT_MS = 10_000

const ADDRESS_LENGTH_BYTES = 20
const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/

export type SignerOrigin = 'flag' | 'l1' | 'last-known' | 'none'

export const SignerSourceErrorCode = {
  /** `--p2p.unsafe-block-signer` is not a 20-byte address */
  BAD_ADDRESS: 'SIGNER_BAD_ADDRESS',
  /** `--l1` given but the chain has no SystemConfig address to read */
  NO_SYSTEM_CONFIG: 'SIGNER_NO_SYSTEM_CONFIG',
  /** The L1 RPC answers for a different chain than the rollup's L1 */
  L1_WRONG_CHAIN: 'SIGNER_L1_WRONG_CHAIN',
} as const
export type SignerSourceErrorCode =
  (typeof SignerSourceErrorCode)[keyof typeof SignerSourceErrorCode]

/** The flag each code is about (its messages name it too), when there is one. */
const SIGNER_SOURCE_ERROR_FLAGS: Partial<Record<SignerSourceErrorCode, string>> = {
  [SignerSourceErrorCode.NO_SYSTEM_CONFIG]: '--l1',
  [SignerSourceErrorCode.L1_WRONG_CHAIN]: '--l1',
}

/** Every code is a configuration problem: a bad address, or an `--l1` that cannot serve. */
export class SignerSourceError extends OpGossipError<SignerSourceErrorCode> {
  override readonly name = 'SignerSourceError'
  constructor(code: SignerSourceErrorCode, message: string) {
    const flag = SIGNER_SOURCE_ERROR_FLAGS[code]
    super(code, message, { kind: 'configuration', ...(flag === undefined ? {} : { flag }) })
  }
}

/** The two L1 calls the source makes; viem's public client satisfies it, tests may stub it. */
export interface SignerL1Client {
  getStorageAt(args: {
    address: `0x${string}`
    slot: `0x${string}`
    blockTag: 'latest'
  }): Promise<`0x${string}` | undefined>
  getChainId(): Promise<number>
}

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

/**
 * viem's public client on `url`, loaded on first use: viem is large, and a node that reads no L1
 * (a fixed signer, every devnet node) should not pay its memory and start-up time.
 */
function viemL1Client(url: string, timeoutMs: number): SignerL1Client {
  let client: Promise<PublicClient> | undefined
  const get = () =>
    (client ??= import('viem').then(
      ({ createPublicClient, http }) =>
        createPublicClient({
          transport: http(url, { timeout: timeoutMs, retryCount: 1 }),
        }) as PublicClient,
    ))
  return {
    getStorageAt: async (args) => (await get()).getStorageAt(args),
    getChainId: async () => (await get()).getChainId(),
  }
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

/** Parses a 0x-hex 20-byte address; throws SignerSourceError BAD_ADDRESS. */
export function parseSignerAddress(text: string): Uint8Array {
  if (!ADDRESS_PATTERN.test(text)) {
    throw new SignerSourceError(
      SignerSourceErrorCode.BAD_ADDRESS,
      `unsafe block signer must be a 0x-prefixed 20-byte hex address, got ${JSON.stringify(text)}`,
    )
  }
  return new Uint8Array(Buffer.from(text.slice(2), 'hex'))
}

/** The address in a 32-byte storage word (right-aligned), or null for the zero word. */
export function addressFromStorageWord(word: `0x${string}` | undefined): Uint8Array | null {
  if (word === undefined || word === '0x') return null
  const bytes = Buffer.from(word.slice(2).padStart(64, '0'), 'hex')
  const address = new Uint8Array(bytes.subarray(bytes.length - ADDRESS_LENGTH_BYTES))
  return address.every((b) => b === 0) ? null : address
}

function addressHex(address: Uint8Array | null): `0x${string}` | null {
  return address === null ? null : `0x${Buffer.from(address).toString('hex')}`
}

function sameAddress(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b
  return Buffer.from(a).equals(Buffer.from(b))
}

/** The URL's origin only: paths and query strings of RPC URLs often hold API keys. */
export function redactUrl(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return '[unparseable url]'
  }
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
  // The rotated-out signer and when the rotation was seen (op-node's prevP2PBlockSignerAddr and
  // signerChangeTime); the window's end is derived, so it closes without a timer.
  let previous: Uint8Array | null = null
  let rotatedAtMs = 0
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

  function graceEndsAtMs(): number | null {
    return previous === null ? null : rotatedAtMs + gracePeriodMs
  }

  function previousInGrace(): Uint8Array | null {
    if (previous === null) return null
    // op-node: `time.Since(change) > grace` ends it, so the window is still open at its end.
    if (now() - rotatedAtMs > gracePeriodMs) return null
    return previous
  }

  /** op-node's rotateSigner: only a change away from a non-zero L1 value opens a window. */
  function rotate(next: Uint8Array | null): void {
    if (loadedFromL1 && current !== null && !sameAddress(current, next)) {
      previous = current
      rotatedAtMs = now()
      log.info(
        {
          signer: addressHex(next),
          previousSigner: addressHex(previous),
          graceWindowEndsAt: new Date(rotatedAtMs + gracePeriodMs).toISOString(),
          systemConfig,
        },
        'unsafe block signer rotated on L1: the previous signer is accepted until its grace window ends or a block of the new signer verifies',
      )
    }
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
    previousInGrace,
    currentSignerVerified() {
      if (previous === null || current === null) return
      log.info(
        { signer: addressHex(current), previousSigner: addressHex(previous) },
        'a block of the current signer verified: the previous signer grace window is closed',
      )
      previous = null
    },
    status() {
      const open = previousInGrace()
      return {
        signer: addressHex(current),
        origin,
        previousSigner: addressHex(open),
        graceWindowEndsAtMs: open === null ? null : graceEndsAtMs(),
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
