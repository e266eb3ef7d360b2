/**
 * The sync driver's connection to the EL: connecting (chain id, starting heads), the Engine API
 * calls under the driver's abort signal, and what a failed call means: the EL went away
 * (reconnect in the background, the delay doubling per failure) or it gave an answer we cannot
 * use (back off, try again). newPayload and forkchoiceUpdated answers come back classified: a
 * request the EL calls malformed is `refused`, and -38002 comes with the EL's heads re-read.
 */
import type { Startable } from '../util/lifecycle.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import { checkChainId, type ElHeads, type EngineClient } from './engineClient.ts'
import { EngineError, isRpcError, isTransientEngineError, RpcErrorCode } from './errors.ts'
import { delay } from './rpcClient.ts'
import type { BlockRef, ForkchoiceState, PayloadStatus } from './schema.ts'
import { refLog } from './syncCounters.ts'

/** First delay before reconnecting to an EL that went away, doubled per failure. */
export const DRIVER_RECONNECT_BASE_DELAY_MS = 250
/** Ceiling of the reconnect (and retry) delay. */
export const DRIVER_RECONNECT_MAX_DELAY_MS = 10_000

export type ConnectionState = 'stopped' | 'connecting' | 'ready' | 'el-down'

export interface ElConnectionOptions {
  /** Checked against eth_chainId on every connect */
  chainId: number
  /** @default DRIVER_RECONNECT_BASE_DELAY_MS (250 ms) */
  reconnectBaseDelayMs?: number
  /** @default DRIVER_RECONNECT_MAX_DELAY_MS (10000 ms) */
  reconnectMaxDelayMs?: number
}

export interface ElConnectionModules {
  client: EngineClient
  log?: Logger
  /** Connected (at start or again after the EL was down), with the EL's heads */
  onConnected: (heads: ElHeads, reconnected: boolean) => void
}

export type NewPayloadAnswer =
  | { kind: 'status'; status: PayloadStatus }
  /** -32602 / -38005 / -32601: our request is wrong for this block; retrying cannot help */
  | { kind: 'refused'; error: EngineError }

export type ForkchoiceAnswer =
  | { kind: 'status'; status: PayloadStatus }
  /** -38002: safe / finalized unknown to the EL or not on its chain; its heads, re-read */
  | { kind: 'invalid-forkchoice-state'; heads: ElHeads; error: EngineError }

export class ElConnection implements Startable {
  private readonly chainId: number
  private readonly client: EngineClient
  private readonly log: Logger
  private readonly onConnected: ElConnectionModules['onConnected']
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number

  private current: ConnectionState = 'stopped'
  private error: string | null = null
  private abort = new AbortController()
  private reconnectAttempt = 0
  private failureStreak = 0
  private reconnecting: Promise<void> | null = null

  constructor(opts: ElConnectionOptions, modules: ElConnectionModules) {
    this.chainId = opts.chainId
    this.client = modules.client
    this.log = modules.log ?? silentLogger
    this.onConnected = modules.onConnected
    this.baseDelayMs = opts.reconnectBaseDelayMs ?? DRIVER_RECONNECT_BASE_DELAY_MS
    this.maxDelayMs = opts.reconnectMaxDelayMs ?? DRIVER_RECONNECT_MAX_DELAY_MS
  }

  get state(): ConnectionState {
    return this.current
  }

  /** A method, not a property read, so TS does not narrow the state across awaits. */
  isStopped(): boolean {
    return this.current === 'stopped'
  }

  get lastError(): string | null {
    return this.error
  }

  /**
   * Connects: checks the chain id, reads latest / safe / finalized and logs one line. A wrong
   * JWT secret (401) or chain id rejects; an EL that does not answer is retried in the
   * background (gossip must not wait for it).
   */
  async start(): Promise<void> {
    if (this.current !== 'stopped') return
    this.abort = new AbortController()
    this.current = 'connecting'
    try {
      await this.connect(false)
    } catch (err) {
      if (err instanceof EngineError && isTransientEngineError(err)) {
        this.enterElDown(err) // logs once; gossip goes on while we retry
        return
      }
      this.current = 'stopped'
      throw err
    }
  }

  /** Aborts calls in flight and waits for a reconnect in progress to give up. */
  async stop(): Promise<void> {
    if (this.current === 'stopped') return
    this.current = 'stopped'
    this.abort.abort()
    await this.reconnecting
  }

  // -------------------------------------------------------------------------------------------
  // Calls

  async newPayload(envelope: SignedEnvelope): Promise<NewPayloadAnswer> {
    try {
      return { kind: 'status', status: await this.client.newPayload(envelope, this.callOpts()) }
    } catch (err) {
      if (err instanceof EngineError && isCallerBug(err)) return { kind: 'refused', error: err }
      throw err
    }
  }

  async forkchoiceUpdated(state: ForkchoiceState): Promise<ForkchoiceAnswer> {
    try {
      const result = await this.client.forkchoiceUpdated(state, this.callOpts())
      return { kind: 'status', status: result.payloadStatus }
    } catch (err) {
      if (!isRpcError(err, RpcErrorCode.INVALID_FORKCHOICE_STATE)) throw err
      // Re-read rather than retry blindly: the EL's own heads say what it can accept.
      const heads = await this.readHeads()
      return { kind: 'invalid-forkchoice-state', heads, error: err as EngineError }
    }
  }

  latest(): Promise<BlockRef | null> {
    return this.client.getBlockByNumber('latest', this.callOpts())
  }

  blockAt(number: number): Promise<BlockRef | null> {
    return this.client.getBlockByNumber(number, this.callOpts())
  }

  readHeads(): Promise<ElHeads> {
    return this.client.readHeads(this.callOpts())
  }

  // -------------------------------------------------------------------------------------------
  // Failures

  /** The driver's work went through: the next failure backs off from the base delay again. */
  succeeded(): void {
    this.failureStreak = 0
  }

  /**
   * A call failed. Transport, timeout, HTTP and auth errors mean the EL went away: it is
   * reconnected in the background and null comes back. Anything else is an answer we cannot
   * use: logged, and the delay to wait before trying again comes back.
   */
  failed(err: unknown): number | null {
    if (
      err instanceof EngineError &&
      err.code !== 'ENGINE_RPC_ERROR' &&
      err.code !== 'ENGINE_BAD_RESPONSE'
    ) {
      this.enterElDown(err)
      return null
    }
    this.error = (err as Error).message
    this.log.error({ err: this.error }, 'Engine API call failed')
    return this.backoffMs(this.failureStreak++)
  }

  /** Waits `ms`, or less when stopped. */
  pause(ms: number): Promise<void> {
    return delay(ms, this.abort.signal)
  }

  // -------------------------------------------------------------------------------------------

  private callOpts() {
    return { signal: this.abort.signal }
  }

  private backoffMs(attempt: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt)
  }

  private async connect(reconnected: boolean): Promise<void> {
    await checkChainId(this.client, this.chainId, this.callOpts())
    const heads = await this.client.readHeads(this.callOpts())
    if (this.current === 'stopped') return
    this.current = 'ready'
    this.reconnectAttempt = 0
    this.error = null
    this.log.info(
      {
        url: this.client.url,
        chainId: this.chainId,
        latest: refLog(heads.latest),
        safe: refLog(heads.safe),
        finalized: refLog(heads.finalized),
      },
      'EL connected',
    )
    this.onConnected(heads, reconnected)
  }

  private enterElDown(err: unknown): void {
    if (this.current === 'stopped') return
    const atStart = this.current === 'connecting'
    const first = this.current !== 'el-down'
    this.current = 'el-down'
    this.error = (err as Error).message
    const wait = this.backoffMs(this.reconnectAttempt++)
    const code = err instanceof EngineError ? err.code : 'UNKNOWN'
    const ctx = { url: this.client.url, code, err: this.error, retryInMs: wait }
    if (code === 'ENGINE_AUTH_FAILED' || code === 'ENGINE_WRONG_CHAIN') {
      this.log.error(ctx, 'EL refused us, retrying')
    } else if (atStart) {
      this.log.warn(ctx, 'EL not reachable yet, retrying in the background')
    } else if (first) {
      this.log.warn(ctx, 'EL went away, keeping the newest blocks and retrying')
    } else {
      this.log.debug(ctx, 'EL still unreachable')
    }
    const signal = this.abort.signal
    this.reconnecting = (async () => {
      await delay(wait, signal)
      if (this.current !== 'el-down') return
      try {
        await this.connect(true)
      } catch (e) {
        this.enterElDown(e)
      }
    })()
  }
}

/** JSON-RPC errors that mean "this request is wrong", not "try later" (engine-sync.md §2.5). */
function isCallerBug(err: EngineError): boolean {
  return (
    err.code === 'ENGINE_RPC_ERROR' &&
    (err.rpcCode === RpcErrorCode.INVALID_PARAMS ||
      err.rpcCode === RpcErrorCode.UNSUPPORTED_FORK ||
      err.rpcCode === RpcErrorCode.METHOD_NOT_FOUND)
  )
}
