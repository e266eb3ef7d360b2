/**
 * el-sim: a test double of an OP execution client (op-geth / op-reth cannot run here). It serves
 * the Engine API and the eth_* reads op-gossip depends on, over real HTTP with real JWT checks,
 * and behaves like op-geth on every point the driver relies on (engine-sync.md §1, §2, §4):
 * 401 on a bad token, per-fork method and param checks, block-hash check, SYNCING for unknown
 * parents (header remembered, 96 at most), ACCEPTED when the parent's state is missing,
 * FCU to an announced unknown head → SYNCING plus a sync from an upstream after a delay (or,
 * with no peers, SYNCING until the CL sends the missing blocks), -38002 for a bad safe /
 * finalized. It records every call for tests.
 *
 * It is not an EVM: state roots, receipts and transactions are taken as given.
 *
 * This file assembles the parts: elSimServer.ts (HTTP + JWT), elSimRpc.ts (the method table),
 * elSimChain.ts (the Engine API rules) on elSimBlockStore.ts (blocks and heads) and
 * elSimSync.ts (EL sync), elSimRpcSource.ts (an upstream over RPC).
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ChainConfig } from '../chains/types.ts'
import type { Startable } from '../util/lifecycle.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { keccak256 } from '../wire/keccak.ts'
import {
  type ElSimBlockSource,
  ElSimChain,
  type ElSimGenesis,
  type NewPayloadHook,
} from './elSimChain.ts'
import { type ElSimCall, ElSimRpc } from './elSimRpc.ts'
import { createElSimRpcSource } from './elSimRpcSource.ts'
import { closeElSimServer, type ElSimPort, listenElSimServer } from './elSimServer.ts'
import { EngineError } from './errors.ts'
import { type Hex, toData } from './schema.ts'

export type { ElSimBlockSource, ElSimGenesis, ElSimPayload, NewPayloadHook } from './elSimChain.ts'
export { ELSIM_MAX_RECORDED_CALLS, type ElSimCall } from './elSimRpc.ts'
export { createElSimRpcSource } from './elSimRpcSource.ts'
export { ELSIM_MAX_REQUEST_SIZE_BYTES } from './elSimServer.ts'

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
  /**
   * An EL that cannot EL-sync: no upstream, nothing is ever fetched; an FCU to an unknown head
   * stays SYNCING until the missing blocks arrive by newPayload. The same as giving no
   * upstream, said explicitly; with `upstream` it is a configuration error. @default false
   */
  noPeers?: boolean
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

export class ElSim implements Startable {
  readonly chainState: ElSimChain
  readonly calls: ElSimCall[] = []
  readonly opts: ElSimOptions
  private readonly log: Logger
  private readonly rpc: ElSimRpc
  private authServer: Server | null = null
  private httpServer: Server | null = null
  private authPort: number
  private openPort: number | undefined
  private readonly host: string

  constructor(opts: ElSimOptions, modules: { log?: Logger } = {}) {
    if (opts.noPeers === true && opts.upstream !== undefined) {
      throw new EngineError(
        'ENGINE_CONFIG_INVALID',
        'el-sim: noPeers and upstream exclude each other (an EL without peers fetches nothing)',
      )
    }
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
    this.rpc = new ElSimRpc(
      { chain: opts.chain, beforeCall: opts.beforeCall },
      { chainState: this.chainState, calls: this.calls },
    )
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
    await Promise.all(servers.map((s) => s && closeElSimServer(s)))
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

  private listen(port: ElSimPort, listenPort: number): Promise<Server> {
    return listenElSimServer(
      {
        port,
        host: this.host,
        listenPort,
        jwtSecret: this.opts.jwtSecret,
        ...(this.opts.jwtMaxSkewSeconds === undefined
          ? {}
          : { jwtMaxSkewSeconds: this.opts.jwtMaxSkewSeconds }),
      },
      { answer: (kind, request) => this.rpc.answer(kind, request), log: this.log },
    )
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
