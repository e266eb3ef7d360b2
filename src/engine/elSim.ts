/**
 * el-sim: a test double of an OP execution client (op-geth / op-reth cannot run here). It serves
 * the Engine API and the eth_* reads op-gossip depends on, over real HTTP with real JWT checks,
 * and behaves like op-geth on every point the driver relies on (engine-sync.md §1, §2, §4):
 * 401 on a bad token, per-fork method and param checks, block-hash check, SYNCING for unknown
 * parents (header remembered, 96 at most), ACCEPTED when the parent's state is missing,
 * FCU to an announced unknown head → SYNCING plus a sync from an upstream after a delay,
 * -38002 for a bad safe / finalized. It records every call for tests.
 *
 * It is not an EVM: state roots, receipts and transactions are taken as given.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ChainConfig } from '../chains/types.ts'
import { isForkActive } from '../chains/types.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { EMPTY_OMMERS_HASH, EMPTY_REQUESTS_HASH, withdrawalsTrieRoot } from '../wire/blockHash.ts'
import { keccak256 } from '../wire/keccak.ts'
import { orderedTrieRoot } from '../wire/trie.ts'
import type { BlockVersion } from '../wire/types.ts'
import {
  type ElSimBlockSource,
  ElSimChain,
  type ElSimGenesis,
  type ElSimPayload,
  ElSimRpcError,
  type NewPayloadHook,
  type StoredBlock,
} from './elSimChain.ts'
import { RpcErrorCode } from './errors.ts'
import { JWT_IAT_MAX_SKEW_SECONDS, verifyJwtAuthorization } from './jwt.ts'
import { createRpcClient } from './rpcClient.ts'
import { rpcTransactionJson } from './rpcTransactionJson.ts'
import {
  engineVersionAt,
  HASH_SIZE_BYTES,
  type Hex,
  parseData,
  parseForkchoiceState,
  parseHash,
  parseQuantityNumber,
  payloadFromJson,
  payloadToJson,
  SchemaError,
  toData,
  toQuantity,
} from './schema.ts'

export type { ElSimBlockSource, ElSimGenesis, ElSimPayload, NewPayloadHook } from './elSimChain.ts'

/** Largest request body accepted (a 10 MiB payload is ~20 MiB of JSON hex). */
export const ELSIM_MAX_REQUEST_SIZE_BYTES = 32 * 2 ** 20
/** Calls kept in `calls` (oldest dropped), so a long devnet run stays bounded. */
export const ELSIM_MAX_RECORDED_CALLS = 2_000

/** A fixed genesis for chains whose config has none: keccak256("op-gossip el-sim genesis"). */
export const ELSIM_DEFAULT_GENESIS: ElSimGenesis = {
  hash: toData(keccak256(new TextEncoder().encode('op-gossip el-sim genesis'))),
  number: 0,
  timestamp: 0,
}

export interface ElSimOptions {
  /** Chain id (eth_chainId) and fork times (method and field checks) */
  chain: ChainConfig
  /** The 32-byte secret every Engine API request must be signed with */
  jwtSecret: Uint8Array
  /** @default '127.0.0.1' */
  host?: string
  /** Authenticated port (engine_* and eth_*). @default 0 (any free port) */
  port?: number
  /** Optional unauthenticated port serving eth_* and elsim_* (geth's --http). @default none */
  httpPort?: number
  /** @default chain.genesis when set, else ELSIM_DEFAULT_GENESIS */
  genesis?: ElSimGenesis
  /** Where a sync fetches missing blocks: another el-sim's URL or an in-process source. @default none */
  upstream?: string | ElSimBlockSource
  /** JWT secret for an upstream URL on an authenticated port. @default this el-sim's secret */
  upstreamJwtSecret?: Uint8Array
  /** Delay before a sync completes. @default 200 (ms) */
  syncDelayMs?: number
  /** Block hashes whose execution fails with INVALID */
  invalidHashes?: Iterable<Hex>
  /** Per-block decision hook (tests) */
  newPayloadHook?: NewPayloadHook
  /** Runs before each call is answered (tests: slow or hanging EL) */
  beforeCall?: (method: string) => Promise<void> | void
  /** Allowed |now - iat|. @default 60 (s) */
  jwtMaxSkewSeconds?: number
}

export interface ElSimCall {
  method: string
  /** As received, except newPayload's `transactions`, recorded as their count */
  params: unknown[]
  /** 'auth' = the JWT port, 'http' = the open port */
  port: 'auth' | 'http'
  atMs: number
  /** result, or the JSON-RPC error */
  result?: unknown
  error?: { code: number; message: string }
}

export interface ElSimRestartOptions {
  /** @default true. false: back to genesis */
  keepChain?: boolean
  /** Head (and state) fall back to this number */
  rewindToNumber?: number
  /** Blocks above the rewind point stay stored, without state */
  keepBlocksWithoutState?: boolean
  /** Pause between stop and start. @default 0 (ms) */
  downMs?: number
}

interface JsonRpcRequest {
  jsonrpc?: unknown
  id?: unknown
  method?: unknown
  params?: unknown
}

class RpcFailure extends Error {
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

const invalidParams = (message: string) => new RpcFailure(RpcErrorCode.INVALID_PARAMS, message)

/** The methods el-sim serves; any other is -32601 (so a driver bug shows up). */
const ENGINE_METHODS = [
  'engine_newPayloadV2',
  'engine_newPayloadV3',
  'engine_newPayloadV4',
  'engine_forkchoiceUpdatedV3',
  'engine_exchangeCapabilities',
] as const

export class ElSim {
  readonly chainState: ElSimChain
  readonly calls: ElSimCall[] = []
  readonly opts: ElSimOptions
  private readonly log: Logger
  private authServer: Server | null = null
  private httpServer: Server | null = null
  private authPort: number
  private openPort: number | undefined
  private readonly host: string

  constructor(opts: ElSimOptions, modules: { log?: Logger } = {}) {
    this.opts = opts
    this.log = modules.log ?? silentLogger
    this.host = opts.host ?? '127.0.0.1'
    this.authPort = opts.port ?? 0
    this.openPort = opts.httpPort
    const g = opts.chain.genesis
    const genesis =
      opts.genesis ??
      (g === undefined
        ? ELSIM_DEFAULT_GENESIS
        : { hash: g.l2Hash.toLowerCase() as Hex, number: g.l2Number, timestamp: g.l2Time })
    this.chainState = new ElSimChain({
      chain: opts.chain,
      genesis,
      upstream: this.makeUpstream(opts),
      log: this.log,
      ...(opts.syncDelayMs === undefined ? {} : { syncDelayMs: opts.syncDelayMs }),
      ...(opts.invalidHashes === undefined ? {} : { invalidHashes: opts.invalidHashes }),
      ...(opts.newPayloadHook === undefined ? {} : { newPayloadHook: opts.newPayloadHook }),
    })
  }

  private makeUpstream(opts: ElSimOptions): ElSimBlockSource | null {
    const up = opts.upstream
    if (up === undefined) return null
    if (typeof up !== 'string') return up
    return createElSimRpcSource(up, opts.chain, opts.upstreamJwtSecret ?? opts.jwtSecret)
  }

  /** Engine API URL (authenticated). */
  get url(): string {
    return `http://${this.host}:${this.authPort}`
  }

  /** Unauthenticated eth_* URL, when httpPort was given. */
  get httpUrl(): string | null {
    return this.openPort === undefined ? null : `http://${this.host}:${this.openPort}`
  }

  get running(): boolean {
    return this.authServer !== null
  }

  /** This el-sim as an in-process upstream for another one. */
  blockSource(): ElSimBlockSource {
    return { getPayloadByHash: async (hash) => this.chainState.payloadByHash(hash) }
  }

  async start(): Promise<void> {
    if (this.authServer !== null) return
    this.authServer = await this.listen('auth', this.authPort)
    this.authPort = (this.authServer.address() as AddressInfo).port
    if (this.openPort !== undefined) {
      this.httpServer = await this.listen('http', this.openPort)
      this.openPort = (this.httpServer.address() as AddressInfo).port
    }
    this.log.info(
      { url: this.url, httpUrl: this.httpUrl, chainId: this.opts.chain.chainId },
      'el-sim listening',
    )
  }

  async stop(): Promise<void> {
    this.chainState.halt() // a stopped EL syncs no more
    const servers = [this.authServer, this.httpServer]
    this.authServer = null
    this.httpServer = null
    await Promise.all(
      servers.map(
        (s) =>
          s &&
          new Promise<void>((resolve) => {
            s.close(() => resolve())
            s.closeAllConnections()
          }),
      ),
    )
  }

  /** Stop, lose what a restart loses (see ElSimRestartOptions), start on the same ports. */
  async restart(opts: ElSimRestartOptions = {}): Promise<void> {
    await this.stop()
    this.chainState.restart(opts)
    if ((opts.downMs ?? 0) > 0) await new Promise((r) => setTimeout(r, opts.downMs))
    await this.start()
  }

  /** Marks a block hash as failing execution (the INVALID path on purpose). */
  markInvalid(hash: Hex): void {
    this.chainState.invalidHashes.add(hash.toLowerCase() as Hex)
  }

  callsOf(method: string): ElSimCall[] {
    return this.calls.filter((c) => c.method === method)
  }

  clearCalls(): void {
    this.calls.length = 0
  }

  private listen(kind: 'auth' | 'http', port: number): Promise<Server> {
    const server = createServer((req, res) => {
      this.handle(kind, req, res).catch((err: unknown) => {
        this.log.error({ err: (err as Error).message }, 'el-sim: request failed')
        if (!res.headersSent) res.writeHead(500).end()
      })
    })
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, this.host, () => {
        server.off('error', reject)
        resolve(server)
      })
    })
  }

  private async handle(
    kind: 'auth' | 'http',
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'text/plain' }).end('method not allowed\n')
      return
    }
    if (kind === 'auth') {
      const auth = verifyJwtAuthorization(
        req.headers.authorization,
        this.opts.jwtSecret,
        Date.now(),
        this.opts.jwtMaxSkewSeconds ?? JWT_IAT_MAX_SKEW_SECONDS,
      )
      if (!auth.ok) {
        req.resume()
        res.writeHead(401, { 'content-type': 'text/plain' }).end(`${auth.reason}\n`)
        return
      }
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > ELSIM_MAX_REQUEST_SIZE_BYTES) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end('request too large\n')
        req.destroy()
        return
      }
      chunks.push(chunk)
    }
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      this.reply(res, {
        jsonrpc: '2.0',
        id: null,
        error: { code: RpcErrorCode.PARSE_ERROR, message: 'parse error' },
      })
      return
    }
    const answer = Array.isArray(body)
      ? await Promise.all(body.map((r) => this.dispatch(kind, r as JsonRpcRequest)))
      : await this.dispatch(kind, body as JsonRpcRequest)
    this.reply(res, answer)
  }

  private reply(res: ServerResponse, answer: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
  }

  private async dispatch(kind: 'auth' | 'http', req: JsonRpcRequest): Promise<unknown> {
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
      port: kind,
      atMs: Date.now(),
    }
    this.calls.push(call)
    if (this.calls.length > ELSIM_MAX_RECORDED_CALLS) this.calls.shift()
    try {
      await this.opts.beforeCall?.(method)
      const result = this.call(kind, method, params)
      call.result = result
      return { jsonrpc: '2.0', id, result }
    } catch (err) {
      let error: { code: number; message: string }
      if (err instanceof RpcFailure || err instanceof ElSimRpcError) {
        error = { code: err instanceof RpcFailure ? err.code : err.rpcCode, message: err.message }
      } else if (err instanceof SchemaError) {
        error = { code: RpcErrorCode.INVALID_PARAMS, message: `invalid params: ${err.message}` }
      } else {
        error = { code: RpcErrorCode.SERVER_ERROR, message: (err as Error).message }
      }
      call.error = error
      return { jsonrpc: '2.0', id, error }
    }
  }

  private call(kind: 'auth' | 'http', method: string, params: unknown[]): unknown {
    if (method.startsWith('engine_') && kind !== 'auth') {
      throw new RpcFailure(
        RpcErrorCode.METHOD_NOT_FOUND,
        `the method ${method} does not exist/is not available`,
      )
    }
    const c = this.chainState
    switch (method) {
      case 'engine_newPayloadV2':
      case 'engine_newPayloadV3':
      case 'engine_newPayloadV4':
        return c.newPayload(this.checkNewPayload(method, params))
      case 'engine_forkchoiceUpdatedV3': {
        if (params[1] !== null && params[1] !== undefined) {
          throw new RpcFailure(
            RpcErrorCode.INVALID_PAYLOAD_ATTRIBUTES,
            'el-sim does not build payloads',
          )
        }
        const payloadStatus = c.forkchoiceUpdated(parseForkchoiceState(params[0]))
        return { payloadStatus, payloadId: null }
      }
      case 'engine_exchangeCapabilities':
        return [...ENGINE_METHODS]
      case 'eth_chainId':
        return toQuantity(this.opts.chain.chainId)
      case 'eth_blockNumber':
        return toQuantity(c.head.number)
      case 'eth_syncing': {
        const p = c.syncProgress
        if (p === null) return false
        return {
          startingBlock: toQuantity(p.startingBlock),
          currentBlock: toQuantity(c.head.number),
          highestBlock: toQuantity(p.highestBlock),
        }
      }
      case 'eth_getBlockByNumber':
        return this.blockJson(this.blockByNumberParam(params[0]), params[1] === true)
      case 'eth_getBlockByHash': {
        const b = c.getBlock(parseHash(params[0], 'params[0]'))
        return this.blockJson(b ?? null, params[1] === true)
      }
      case 'web3_clientVersion':
        return 'op-gossip-el-sim'
      case 'elsim_getPayloadByHash': {
        const data = c.payloadByHash(parseHash(params[0], 'params[0]'))
        if (data === null) return null
        const json: Record<string, unknown> = {
          executionPayload: payloadToJson(data.payload, data.version),
        }
        if (data.parentBeaconBlockRoot !== undefined)
          json.parentBeaconBlockRoot = toData(data.parentBeaconBlockRoot)
        return json
      }
      default:
        throw new RpcFailure(
          RpcErrorCode.METHOD_NOT_FOUND,
          `the method ${method} does not exist/is not available`,
        )
    }
  }

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
        if (b === null) throw new RpcFailure(RpcErrorCode.SERVER_ERROR, `${param} block not found`)
        return b
      }
      default:
        return c.getCanonical(parseQuantityNumber(param, 'params[0]')) ?? null
    }
  }

  /**
   * The checks op-geth makes before looking at a payload (engine-sync.md §2.1, §2.5):
   * method version vs fork (-38005), presence of fork fields (-32602), OP rules
   * (empty withdrawals, withdrawalsRoot exactly from Isthmus, Holocene / Jovian extraData).
   */
  private checkNewPayload(method: string, params: unknown[]): ElSimPayload {
    const chain = this.opts.chain
    const payload = payloadFromJson(params[0], 'params[0]')
    const ts = payload.timestamp
    const version: BlockVersion = engineVersionAt(chain, ts)
    const methodVersion = Number(method.slice(-1))
    const expectedMethod = version <= 2 ? 2 : version
    if (methodVersion !== expectedMethod) {
      throw new RpcFailure(
        RpcErrorCode.UNSUPPORTED_FORK,
        `Unsupported fork: ${method} for a V${version} payload timestamp`,
      )
    }
    const canyon = isForkActive(chain, 'canyon', ts)
    if (canyon && payload.withdrawals === undefined)
      throw invalidParams('nil withdrawals post-shanghai')
    if (!canyon && payload.withdrawals !== undefined)
      throw invalidParams('non-nil withdrawals pre-shanghai')
    if (payload.withdrawals !== undefined && payload.withdrawals.length > 0) {
      throw invalidParams('non-empty withdrawals post-Canyon')
    }
    const ecotone = isForkActive(chain, 'ecotone', ts)
    if (ecotone && (payload.blobGasUsed === undefined || payload.excessBlobGas === undefined)) {
      throw invalidParams('nil blobGasUsed or excessBlobGas post-cancun')
    }
    if (!ecotone && (payload.blobGasUsed !== undefined || payload.excessBlobGas !== undefined)) {
      throw invalidParams('non-nil blobGasUsed or excessBlobGas pre-cancun')
    }
    const isthmus = isForkActive(chain, 'isthmus', ts)
    if (isthmus && payload.withdrawalsRoot === undefined)
      throw invalidParams('nil withdrawalsRoot post-isthmus')
    if (!isthmus && payload.withdrawalsRoot !== undefined)
      throw invalidParams('non-nil withdrawalsRoot pre-isthmus')
    if (isForkActive(chain, 'jovian', ts)) {
      if (payload.extraData.length !== 17 || payload.extraData[0] !== 1) {
        throw invalidParams('jovian extraData must be 17 bytes with version 1')
      }
    } else if (isForkActive(chain, 'holocene', ts)) {
      if (payload.extraData.length !== 9 || payload.extraData[0] !== 0) {
        throw invalidParams('holocene extraData must be 9 bytes with version 0')
      }
    }
    const expectedParams = version <= 2 ? 1 : version === 3 ? 3 : 4
    if (params.length !== expectedParams) {
      throw invalidParams(`${method} takes ${expectedParams} params, got ${params.length}`)
    }
    const data: ElSimPayload = { payload, version }
    if (version >= 3) {
      if (!Array.isArray(params[1])) throw invalidParams('nil versionedHashes post-cancun')
      if (params[1].length !== 0) throw invalidParams('blob versioned hashes must be empty on L2')
      if (params[2] === null || params[2] === undefined)
        throw invalidParams('nil beaconRoot post-cancun')
      data.parentBeaconBlockRoot = parseData(params[2], 'params[2]', { exact: HASH_SIZE_BYTES })
    }
    if (version === 4) {
      if (!Array.isArray(params[3])) throw invalidParams('nil executionRequests post-prague')
      if (params[3].length !== 0) throw invalidParams('executionRequests must be empty on OP')
    }
    return data
  }

  /** eth_getBlockBy* JSON of a stored block (transaction hashes, or op-geth's objects with full=true). */
  private blockJson(b: StoredBlock | null, full: boolean): unknown {
    if (b === null) return null
    const json: Record<string, unknown> = {
      number: toQuantity(b.number),
      hash: b.hash,
      parentHash: b.parentHash,
      timestamp: toQuantity(b.timestamp),
      sha3Uncles: toData(EMPTY_OMMERS_HASH),
      difficulty: '0x0',
      nonce: '0x0000000000000000',
      uncles: [],
    }
    const data = b.data
    if (data === null) {
      json.transactions = []
      return json
    }
    const p = data.payload
    Object.assign(json, {
      miner: toData(p.feeRecipient),
      stateRoot: toData(p.stateRoot),
      receiptsRoot: toData(p.receiptsRoot),
      transactionsRoot: toData(orderedTrieRoot(p.transactions)),
      logsBloom: toData(p.logsBloom),
      mixHash: toData(p.prevRandao),
      gasLimit: toQuantity(p.gasLimit),
      gasUsed: toQuantity(p.gasUsed),
      extraData: toData(p.extraData),
      baseFeePerGas: toQuantity(p.baseFeePerGas),
      transactions: p.transactions.map((tx, index) =>
        full
          ? rpcTransactionJson(tx, { blockHash: b.hash, blockNumber: BigInt(b.number), index })
          : toData(keccak256(tx)),
      ),
    })
    if (p.withdrawals !== undefined) {
      json.withdrawals = []
      json.withdrawalsRoot = toData(p.withdrawalsRoot ?? withdrawalsTrieRoot(p.withdrawals))
    }
    if (p.blobGasUsed !== undefined) json.blobGasUsed = toQuantity(p.blobGasUsed)
    if (p.excessBlobGas !== undefined) json.excessBlobGas = toQuantity(p.excessBlobGas)
    if (data.parentBeaconBlockRoot !== undefined)
      json.parentBeaconBlockRoot = toData(data.parentBeaconBlockRoot)
    if (data.version === 4) json.requestsHash = toData(EMPTY_REQUESTS_HASH)
    return json
  }
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

/** An upstream reached over JSON-RPC (`elsim_getPayloadByHash` of another el-sim). */
export function createElSimRpcSource(
  url: string,
  chain: ChainConfig,
  jwtSecret?: Uint8Array,
): ElSimBlockSource {
  const rpc = createRpcClient({
    url,
    retries: 0,
    timeoutMs: 5_000,
    ...(jwtSecret === undefined ? {} : { jwtSecret }),
  })
  return {
    async getPayloadByHash(hash) {
      const res = (await rpc.call('elsim_getPayloadByHash', [hash])) as Record<
        string,
        unknown
      > | null
      if (res === null) return null
      const payload = payloadFromJson(res.executionPayload)
      const data: ElSimPayload = { payload, version: engineVersionAt(chain, payload.timestamp) }
      if (typeof res.parentBeaconBlockRoot === 'string') {
        data.parentBeaconBlockRoot = parseData(res.parentBeaconBlockRoot, 'parentBeaconBlockRoot', {
          exact: HASH_SIZE_BYTES,
        })
      }
      return data
    },
  }
}

/** Creates and starts an el-sim. */
export async function startElSim(
  opts: ElSimOptions,
  modules: { log?: Logger } = {},
): Promise<ElSim> {
  const sim = new ElSim(opts, modules)
  await sim.start()
  return sim
}
