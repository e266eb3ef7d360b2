/**
 * el-sim's JSON-RPC method table: the Engine API methods (authenticated port only) and the eth_*
 * / elsim_* reads, each call recorded for tests, errors answered with the codes op-geth uses.
 * Any method not in the table is -32601, so a driver that calls something unexpected shows up.
 */
import type { ChainConfig } from '../chains/types.ts'
import { elSimBlockJson } from './elSimBlockJson.ts'
import { type ElSimChain, ElSimRpcError, type StoredBlock } from './elSimChain.ts'
import { parseNewPayloadParams } from './elSimNewPayloadParams.ts'
import type { ElSimPort } from './elSimServer.ts'
import { RpcErrorCode } from './errors.ts'
import {
  parseForkchoiceState,
  parseHash,
  parseQuantityNumber,
  payloadToJson,
  SchemaError,
  toData,
  toQuantity,
} from './schema.ts'

/** Calls kept in `calls` (oldest dropped), so a long devnet run stays bounded. */
export const ELSIM_MAX_RECORDED_CALLS = 2_000
/** What web3_clientVersion answers. */
export const ELSIM_CLIENT_VERSION = 'op-gossip-el-sim'

/** The Engine API methods el-sim serves (engine_exchangeCapabilities answers them). */
const ENGINE_METHODS = [
  'engine_newPayloadV2',
  'engine_newPayloadV3',
  'engine_newPayloadV4',
  'engine_forkchoiceUpdatedV3',
  'engine_exchangeCapabilities',
] as const

export interface ElSimCall {
  method: string
  /** As received, except newPayload's `transactions`, recorded as their count */
  params: unknown[]
  /** 'auth' = the JWT port, 'http' = the open port */
  port: ElSimPort
  atMs: number
  /** result, or the JSON-RPC error */
  result?: unknown
  error?: { code: number; message: string }
}

export interface ElSimRpcOptions {
  /** Chain id (eth_chainId) and fork times (newPayload checks) */
  chain: ChainConfig
  /** Runs before each call is answered (tests: slow or hanging EL) */
  beforeCall?: ((method: string) => Promise<void> | void) | undefined
}

export interface ElSimRpcModules {
  chainState: ElSimChain
  /** Where each call is recorded (bounded at ELSIM_MAX_RECORDED_CALLS) */
  calls: ElSimCall[]
}

interface JsonRpcRequest {
  jsonrpc?: unknown
  id?: unknown
  method?: unknown
  params?: unknown
}

type MethodHandler = (params: unknown[]) => unknown

const methodNotFound = (method: string) =>
  new ElSimRpcError(
    RpcErrorCode.METHOD_NOT_FOUND,
    `the method ${method} does not exist/is not available`,
  )

export class ElSimRpc {
  private readonly opts: ElSimRpcOptions
  private readonly chainState: ElSimChain
  private readonly calls: ElSimCall[]
  private readonly methods: ReadonlyMap<string, MethodHandler>

  constructor(opts: ElSimRpcOptions, modules: ElSimRpcModules) {
    this.opts = opts
    this.chainState = modules.chainState
    this.calls = modules.calls
    this.methods = this.methodTable()
  }

  /** The JSON-RPC answer to one request object received on `port`. */
  async answer(port: ElSimPort, request: unknown): Promise<unknown> {
    const req = request as JsonRpcRequest | null
    const id = req?.id ?? null
    if (typeof req !== 'object' || req === null || typeof req.method !== 'string') {
      return {
        jsonrpc: '2.0',
        id,
        error: { code: RpcErrorCode.INVALID_REQUEST, message: 'invalid request' },
      }
    }
    const method = req.method
    const params = Array.isArray(req.params) ? req.params : []
    const call: ElSimCall = {
      method,
      params: recordedParams(method, params),
      port,
      atMs: Date.now(),
    }
    this.calls.push(call)
    if (this.calls.length > ELSIM_MAX_RECORDED_CALLS) this.calls.shift()
    try {
      await this.opts.beforeCall?.(method)
      const result = this.call(port, method, params)
      call.result = result
      return { jsonrpc: '2.0', id, result }
    } catch (err) {
      const error = rpcErrorOf(err)
      call.error = error
      return { jsonrpc: '2.0', id, error }
    }
  }

  private call(port: ElSimPort, method: string, params: unknown[]): unknown {
    if (method.startsWith('engine_') && port !== 'auth') throw methodNotFound(method)
    const handler = this.methods.get(method)
    if (handler === undefined) throw methodNotFound(method)
    return handler(params)
  }

  private methodTable(): ReadonlyMap<string, MethodHandler> {
    const c = this.chainState
    const chain = this.opts.chain
    const newPayload =
      (method: string): MethodHandler =>
      (params) =>
        c.newPayload(parseNewPayloadParams(chain, method, params))
    return new Map<string, MethodHandler>([
      ['engine_newPayloadV2', newPayload('engine_newPayloadV2')],
      ['engine_newPayloadV3', newPayload('engine_newPayloadV3')],
      ['engine_newPayloadV4', newPayload('engine_newPayloadV4')],
      [
        'engine_forkchoiceUpdatedV3',
        (params) => {
          if (params[1] !== null && params[1] !== undefined) {
            throw new ElSimRpcError(
              RpcErrorCode.INVALID_PAYLOAD_ATTRIBUTES,
              'el-sim does not build payloads',
            )
          }
          const payloadStatus = c.forkchoiceUpdated(parseForkchoiceState(params[0]))
          return { payloadStatus, payloadId: null }
        },
      ],
      ['engine_exchangeCapabilities', () => [...ENGINE_METHODS]],
      ['eth_chainId', () => toQuantity(chain.chainId)],
      ['eth_blockNumber', () => toQuantity(c.head.number)],
      [
        'eth_syncing',
        () => {
          const p = c.syncProgress
          if (p === null) return false
          return {
            startingBlock: toQuantity(p.startingBlock),
            currentBlock: toQuantity(c.head.number),
            highestBlock: toQuantity(p.highestBlock),
          }
        },
      ],
      [
        'eth_getBlockByNumber',
        (params) => elSimBlockJson(this.blockByNumberParam(params[0]), params[1] === true),
      ],
      [
        'eth_getBlockByHash',
        (params) =>
          elSimBlockJson(c.getBlock(parseHash(params[0], 'params[0]')) ?? null, params[1] === true),
      ],
      ['web3_clientVersion', () => ELSIM_CLIENT_VERSION],
      [
        'elsim_getPayloadByHash',
        (params) => {
          const data = c.payloadByHash(parseHash(params[0], 'params[0]'))
          if (data === null) return null
          const json: Record<string, unknown> = {
            executionPayload: payloadToJson(data.payload, data.version),
          }
          if (data.parentBeaconBlockRoot !== undefined)
            json.parentBeaconBlockRoot = toData(data.parentBeaconBlockRoot)
          return json
        },
      ],
    ])
  }

  /** eth_getBlockByNumber's first param: a number or a tag (safe / finalized fail until set). */
  private blockByNumberParam(param: unknown): StoredBlock | null {
    const c = this.chainState
    switch (param) {
      case 'latest':
      case 'pending':
        return c.head
      case 'earliest':
        return c.getCanonical(c.genesis.number) ?? null
      case 'safe':
      case 'finalized': {
        const b = param === 'safe' ? c.safe : c.finalized
        if (b === null)
          throw new ElSimRpcError(RpcErrorCode.SERVER_ERROR, `${param} block not found`)
        return b
      }
      default:
        return c.getCanonical(parseQuantityNumber(param, 'params[0]')) ?? null
    }
  }
}

/** A thrown error as the JSON-RPC error object op-geth would answer. */
function rpcErrorOf(err: unknown): { code: number; message: string } {
  if (err instanceof ElSimRpcError) return { code: err.rpcCode, message: err.message }
  if (err instanceof SchemaError) {
    return { code: RpcErrorCode.INVALID_PARAMS, message: `invalid params: ${err.message}` }
  }
  return { code: RpcErrorCode.SERVER_ERROR, message: (err as Error).message }
}

/**
 * What `calls` keeps of a call's params: newPayload payloads carry their transaction count in
 * place of the transactions (a recorded call must not pin megabytes of block data).
 */
function recordedParams(method: string, params: unknown[]): unknown[] {
  if (!method.startsWith('engine_newPayload')) return params
  const [payload, ...rest] = params
  if (typeof payload !== 'object' || payload === null) return params
  const txs = (payload as { transactions?: unknown }).transactions
  return [{ ...payload, transactions: Array.isArray(txs) ? txs.length : txs }, ...rest]
}
