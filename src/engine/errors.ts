/**
 * Typed errors of the Engine API side (engine-sync.md §2.5). A JSON-RPC error keeps its numeric
 * code; HTTP 401 is an authentication failure; INVALID / SYNCING are statuses, never errors.
 */
import { type ErrorKind, OpGossipError } from '../util/errors.ts'
import { JsonRpcErrorCode } from '../util/jsonRpcErrorCode.ts'

export const EngineErrorCode = {
  /** HTTP 401 from the EL: the JWT secret differs from the EL's (or the clock is off > 60 s) */
  ENGINE_AUTH_FAILED: 'ENGINE_AUTH_FAILED',
  /** Any other non-2xx HTTP status */
  ENGINE_HTTP_ERROR: 'ENGINE_HTTP_ERROR',
  /** The EL answered with a JSON-RPC error object (see `rpcCode`) */
  ENGINE_RPC_ERROR: 'ENGINE_RPC_ERROR',
  /** Connection refused / reset / DNS: the EL is not reachable */
  ENGINE_TRANSPORT: 'ENGINE_TRANSPORT',
  /** No answer within the per-call timeout */
  ENGINE_TIMEOUT: 'ENGINE_TIMEOUT',
  /** The answer is not JSON-RPC, or its result does not have the expected shape */
  ENGINE_BAD_RESPONSE: 'ENGINE_BAD_RESPONSE',
  /** eth_chainId differs from the chain config */
  ENGINE_WRONG_CHAIN: 'ENGINE_WRONG_CHAIN',
  /** The JWT secret file is missing or not 32 bytes of hex */
  ENGINE_JWT_SECRET_INVALID: 'ENGINE_JWT_SECRET_INVALID',
  /** Engine options that cannot work together (e.g. --l2 without a JWT secret) */
  ENGINE_CONFIG_INVALID: 'ENGINE_CONFIG_INVALID',
  /** A block's gossip version disagrees with the fork its timestamp selects */
  ENGINE_VERSION_MISMATCH: 'ENGINE_VERSION_MISMATCH',
} as const

export type EngineErrorCode = keyof typeof EngineErrorCode

/**
 * Whose mistake each code is. Configuration: the user fixes a flag, a file or the EL's settings
 * (a wrong JWT secret answers 401; a wrong chain id means the wrong EL or chain). Runtime: the
 * EL or the network failed while running.
 */
export const ENGINE_ERROR_KIND = {
  ENGINE_AUTH_FAILED: 'configuration',
  ENGINE_HTTP_ERROR: 'runtime',
  ENGINE_RPC_ERROR: 'runtime',
  ENGINE_TRANSPORT: 'runtime',
  ENGINE_TIMEOUT: 'runtime',
  ENGINE_BAD_RESPONSE: 'runtime',
  ENGINE_WRONG_CHAIN: 'configuration',
  ENGINE_JWT_SECRET_INVALID: 'configuration',
  ENGINE_CONFIG_INVALID: 'configuration',
  ENGINE_VERSION_MISMATCH: 'runtime',
} as const satisfies Record<EngineErrorCode, ErrorKind>

/** JSON-RPC error codes the Engine API defines (engine-sync.md §2.5). */
export const RpcErrorCode = {
  ...JsonRpcErrorCode,
  UNKNOWN_PAYLOAD: -38001,
  INVALID_FORKCHOICE_STATE: -38002,
  INVALID_PAYLOAD_ATTRIBUTES: -38003,
  TOO_LARGE_REQUEST: -38004,
  UNSUPPORTED_FORK: -38005,
  TOO_DEEP_REORG: -38006,
} as const

export interface EngineErrorDetails {
  /** JSON-RPC error code (ENGINE_RPC_ERROR only) */
  rpcCode?: number
  /** JSON-RPC error data (ENGINE_RPC_ERROR only) */
  rpcData?: unknown
  /** HTTP status (ENGINE_AUTH_FAILED / ENGINE_HTTP_ERROR) */
  httpStatus?: number
  /** JSON-RPC method of the failed call */
  method?: string
  /** The flag that caused it, when the caller knows (`--l2.jwt-secret`) */
  flag?: string
  cause?: unknown
}

export class EngineError extends OpGossipError<EngineErrorCode> {
  override readonly name = 'EngineError'
  readonly rpcCode: number | undefined
  readonly rpcData: unknown
  readonly httpStatus: number | undefined
  readonly method: string | undefined

  constructor(code: EngineErrorCode, message: string, details: EngineErrorDetails = {}) {
    super(code, message, {
      kind: ENGINE_ERROR_KIND[code],
      ...(details.flag === undefined ? {} : { flag: details.flag }),
      ...(details.cause === undefined ? {} : { cause: details.cause }),
    })
    this.rpcCode = details.rpcCode
    this.rpcData = details.rpcData
    this.httpStatus = details.httpStatus
    this.method = details.method
  }
}

export function isEngineError(err: unknown, code?: EngineErrorCode): err is EngineError {
  return err instanceof EngineError && (code === undefined || err.code === code)
}

/** Errors worth retrying at the transport level: the EL may come back (restart, overload). */
export function isTransientEngineError(err: unknown): boolean {
  if (!(err instanceof EngineError)) return false
  if (err.code === 'ENGINE_TRANSPORT' || err.code === 'ENGINE_TIMEOUT') return true
  return err.code === 'ENGINE_HTTP_ERROR' && (err.httpStatus ?? 0) >= 500
}

/** True for a JSON-RPC error with this numeric code. */
export function isRpcError(err: unknown, rpcCode: number): boolean {
  return err instanceof EngineError && err.code === 'ENGINE_RPC_ERROR' && err.rpcCode === rpcCode
}
