/**
 * JSON-RPC 2.0 request handling, transport-free: a request body in, a response body out.
 * Bad input always becomes a JSON-RPC error object, never a throw:
 * parse error -32700, invalid request -32600, method not found -32601, invalid params -32602,
 * a method's own failure -32000 (go-ethereum's code for handler errors, which op-node returns).
 * Batches are supported up to MAX_RPC_BATCH_LENGTH calls.
 */

import { JsonRpcErrorCode } from '../util/jsonRpcErrorCode.ts'

export { JsonRpcErrorCode }

/** Calls in one batch request at most (go-ethereum's default is 1000; ours are status calls). */
export const MAX_RPC_BATCH_LENGTH = 100
/** Longest method name looked up (anything longer is not ours). */
export const MAX_RPC_METHOD_NAME_LENGTH_CHARS = 128

export type JsonRpcId = string | number | null

/** A failure with a JSON-RPC error code; what a method throws to pick the code. */
export class JsonRpcError extends Error {
  override readonly name = 'JsonRpcError'
  readonly code: number
  readonly data: unknown
  constructor(code: number, message: string, data?: unknown) {
    super(message)
    this.code = code
    this.data = data
  }
}

export function invalidParams(message: string): JsonRpcError {
  return new JsonRpcError(JsonRpcErrorCode.INVALID_PARAMS, message)
}

export interface RpcCallContext {
  /** Aborted when the server stops or the client went away */
  signal: AbortSignal
}

/** A method gets the positional params (already checked to be an array). */
export type RpcMethod = (params: readonly unknown[], ctx: RpcCallContext) => unknown

export type RpcMethods = Readonly<Record<string, RpcMethod>>

interface JsonRpcSuccess {
  jsonrpc: '2.0'
  id: JsonRpcId
  result: unknown
}

interface JsonRpcFailure {
  jsonrpc: '2.0'
  id: JsonRpcId
  error: { code: number; message: string; data?: unknown }
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure

export function errorResponse(
  id: JsonRpcId,
  code: number,
  message: string,
  data?: unknown,
): JsonRpcFailure {
  const error: JsonRpcFailure['error'] = { code, message }
  if (data !== undefined) error.data = data
  return { jsonrpc: '2.0', id, error }
}

function isValidId(id: unknown): id is JsonRpcId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))
}

/** Checks positional params: at most `max`, at least `min`. */
export function expectParams(params: readonly unknown[], min: number, max: number): void {
  if (params.length > max) throw invalidParams(`too many arguments, want at most ${max}`)
  if (params.length < min)
    throw invalidParams(`missing value for required argument ${params.length}`)
}

/** One call; returns null for a notification (no id). */
async function handleCall(
  call: unknown,
  methods: RpcMethods,
  ctx: RpcCallContext,
): Promise<JsonRpcResponse | null> {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) {
    return errorResponse(null, JsonRpcErrorCode.INVALID_REQUEST, 'invalid request: not an object')
  }
  const req = call as Record<string, unknown>
  const hasId = Object.hasOwn(req, 'id')
  const id = hasId && isValidId(req.id) ? req.id : null
  if (hasId && !isValidId(req.id)) {
    return errorResponse(null, JsonRpcErrorCode.INVALID_REQUEST, 'invalid request: bad id')
  }
  if (req.jsonrpc !== '2.0') {
    return errorResponse(
      id,
      JsonRpcErrorCode.INVALID_REQUEST,
      'invalid request: jsonrpc must be "2.0"',
    )
  }
  if (typeof req.method !== 'string' || req.method.length === 0) {
    return errorResponse(
      id,
      JsonRpcErrorCode.INVALID_REQUEST,
      'invalid request: method must be a string',
    )
  }
  const name = req.method
  const method =
    name.length <= MAX_RPC_METHOD_NAME_LENGTH_CHARS && Object.hasOwn(methods, name)
      ? methods[name]
      : undefined
  if (method === undefined) {
    if (!hasId) return null
    const shown = name.length <= MAX_RPC_METHOD_NAME_LENGTH_CHARS ? name : `${name.slice(0, 32)}…`
    return errorResponse(
      id,
      JsonRpcErrorCode.METHOD_NOT_FOUND,
      `the method ${shown} does not exist/is not available`,
    )
  }
  const rawParams = req.params
  let params: readonly unknown[]
  if (rawParams === undefined || rawParams === null) params = []
  else if (Array.isArray(rawParams)) params = rawParams
  else {
    return hasId ? errorResponse(id, JsonRpcErrorCode.INVALID_PARAMS, 'non-array args') : null
  }
  try {
    const result = await method(params, ctx)
    return hasId ? { jsonrpc: '2.0', id, result: result === undefined ? null : result } : null
  } catch (err) {
    if (!hasId) return null
    if (err instanceof JsonRpcError) return errorResponse(id, err.code, err.message, err.data)
    return errorResponse(id, JsonRpcErrorCode.SERVER_ERROR, (err as Error)?.message ?? String(err))
  }
}

/**
 * Handles one HTTP body: a single call or a batch. Returns the response value to serialize, or
 * null when nothing is to be sent back (only notifications).
 */
export async function handleJsonRpcBody(
  body: string,
  methods: RpcMethods,
  ctx: RpcCallContext,
): Promise<JsonRpcResponse | JsonRpcResponse[] | null> {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch (err) {
    return errorResponse(
      null,
      JsonRpcErrorCode.PARSE_ERROR,
      `parse error: ${(err as Error).message}`,
    )
  }
  if (!Array.isArray(parsed)) return handleCall(parsed, methods, ctx)
  if (parsed.length === 0) {
    return errorResponse(null, JsonRpcErrorCode.INVALID_REQUEST, 'invalid request: empty batch')
  }
  if (parsed.length > MAX_RPC_BATCH_LENGTH) {
    return errorResponse(
      null,
      JsonRpcErrorCode.INVALID_REQUEST,
      `invalid request: batch of ${parsed.length} calls exceeds ${MAX_RPC_BATCH_LENGTH}`,
    )
  }
  // One at a time: status calls are cheap, and this bounds the work a batch can start.
  const out: JsonRpcResponse[] = []
  for (const call of parsed) {
    const res = await handleCall(call, methods, ctx)
    if (res !== null) out.push(res)
  }
  return out.length === 0 ? null : out
}
