/**
 * Engine API client (engine-sync.md §1-§2): the calls a follower makes on the EL's authenticated
 * port (engine_* plus the eth_* reads op-node also makes there). Statuses are returned, not
 * thrown; transport, HTTP and JSON-RPC failures throw EngineError.
 */
import type { ChainConfig } from '../chains/types.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import { EngineError } from './errors.ts'
import { createRpcClient, type RpcCallOptions, type RpcClient } from './rpcClient.ts'
import {
  type BlockRef,
  FORKCHOICE_UPDATED_METHOD,
  type ForkchoiceState,
  type ForkchoiceUpdatedResult,
  type Hex,
  newPayloadRequest,
  type PayloadStatus,
  parseBlockRef,
  parseForkchoiceUpdatedResult,
  parsePayloadStatus,
  parseQuantityNumber,
  SchemaError,
  toQuantity,
} from './schema.ts'

export type BlockTag = 'latest' | 'safe' | 'finalized'

export interface ElHeads {
  latest: BlockRef
  /** null when the EL has no safe block yet */
  safe: BlockRef | null
  /** null when the EL has no finalized block yet */
  finalized: BlockRef | null
}

export type SyncingResult =
  | false
  | { startingBlock: number; currentBlock: number; highestBlock: number }

export interface EngineClientOptions {
  /** Engine API URL (the EL's authenticated port, e.g. http://127.0.0.1:8551) */
  url: string
  /** The 32-byte JWT secret shared with the EL */
  jwtSecret: Uint8Array
  /** Fork schedule: picks the newPayload version per block */
  chain: ChainConfig
  /** Per-call timeout. @default 8000 (ms) */
  timeoutMs?: number
  /** Transport retries per call. @default 2 */
  retries?: number
}

export interface EngineClient {
  readonly url: string
  newPayload(envelope: SignedEnvelope, opts?: RpcCallOptions): Promise<PayloadStatus>
  forkchoiceUpdated(state: ForkchoiceState, opts?: RpcCallOptions): Promise<ForkchoiceUpdatedResult>
  chainId(opts?: RpcCallOptions): Promise<number>
  /** null when the EL does not have that block (or has no block for that label yet) */
  getBlockByNumber(block: BlockTag | number, opts?: RpcCallOptions): Promise<BlockRef | null>
  getBlockByHash(hash: Hex, opts?: RpcCallOptions): Promise<BlockRef | null>
  blockNumber(opts?: RpcCallOptions): Promise<number>
  syncing(opts?: RpcCallOptions): Promise<SyncingResult>
  /** latest / safe / finalized, tolerating "not found" for safe and finalized */
  readHeads(opts?: RpcCallOptions): Promise<ElHeads>
}

/** geth answers a missing label with an error ("finalized block not found"); kona tolerates these. */
function isBlockNotFound(err: unknown): boolean {
  return (
    err instanceof EngineError &&
    err.code === 'ENGINE_RPC_ERROR' &&
    /not found|unknown block/i.test(err.message)
  )
}

function parseResult<T>(method: string, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    if (err instanceof SchemaError) {
      throw new EngineError('ENGINE_BAD_RESPONSE', `${method}: ${err.message}`, {
        method,
        cause: err,
      })
    }
    throw err
  }
}

export function createEngineClient(opts: EngineClientOptions, rpc?: RpcClient): EngineClient {
  const client =
    rpc ??
    createRpcClient({
      url: opts.url,
      jwtSecret: opts.jwtSecret,
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      ...(opts.retries === undefined ? {} : { retries: opts.retries }),
    })

  async function getBlock(method: string, param: string, callOpts?: RpcCallOptions) {
    try {
      const result = await client.call(method, [param, false], callOpts)
      return parseResult(method, () => parseBlockRef(result))
    } catch (err) {
      if (isBlockNotFound(err)) return null
      throw err
    }
  }

  const engine: EngineClient = {
    url: client.url,
    async newPayload(envelope, callOpts) {
      const { method, params } = newPayloadRequest(envelope, opts.chain)
      const result = await client.call(method, params, callOpts)
      return parseResult(method, () => parsePayloadStatus(result))
    },
    async forkchoiceUpdated(state, callOpts) {
      const result = await client.call(FORKCHOICE_UPDATED_METHOD, [state, null], callOpts)
      return parseResult(FORKCHOICE_UPDATED_METHOD, () => parseForkchoiceUpdatedResult(result))
    },
    async chainId(callOpts) {
      const result = await client.call('eth_chainId', [], callOpts)
      return parseResult('eth_chainId', () => parseQuantityNumber(result, 'result'))
    },
    getBlockByNumber(block, callOpts) {
      const param = typeof block === 'number' ? toQuantity(block) : block
      return getBlock('eth_getBlockByNumber', param, callOpts)
    },
    getBlockByHash(hash, callOpts) {
      return getBlock('eth_getBlockByHash', hash, callOpts)
    },
    async blockNumber(callOpts) {
      const result = await client.call('eth_blockNumber', [], callOpts)
      return parseResult('eth_blockNumber', () => parseQuantityNumber(result, 'result'))
    },
    async syncing(callOpts) {
      const result = await client.call('eth_syncing', [], callOpts)
      if (result === false) return false
      return parseResult('eth_syncing', () => {
        const o = (result ?? {}) as Record<string, unknown>
        return {
          startingBlock: parseQuantityNumber(o.startingBlock, 'result.startingBlock'),
          currentBlock: parseQuantityNumber(o.currentBlock, 'result.currentBlock'),
          highestBlock: parseQuantityNumber(o.highestBlock, 'result.highestBlock'),
        }
      })
    },
    async readHeads(callOpts) {
      const latest = await engine.getBlockByNumber('latest', callOpts)
      if (latest === null) {
        throw new EngineError('ENGINE_BAD_RESPONSE', 'eth_getBlockByNumber("latest") returned null')
      }
      const safe = await engine.getBlockByNumber('safe', callOpts)
      const finalized = await engine.getBlockByNumber('finalized', callOpts)
      return { latest, safe, finalized }
    },
  }
  return engine
}

/**
 * Start-up checks (issue: "check the EL's chain id against the chain config"): throws
 * ENGINE_WRONG_CHAIN on a mismatch, and ENGINE_AUTH_FAILED / transport errors as they come.
 */
export async function checkChainId(
  client: EngineClient,
  expectedChainId: number,
  callOpts?: RpcCallOptions,
): Promise<void> {
  const chainId = await client.chainId(callOpts)
  if (chainId !== expectedChainId) {
    throw new EngineError(
      'ENGINE_WRONG_CHAIN',
      `EL at ${client.url} reports chain id ${chainId}, but the chain config says ${expectedChainId}`,
      { method: 'eth_chainId' },
    )
  }
}
