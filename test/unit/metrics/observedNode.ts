/**
 * For the metrics / RPC e2e tests: one node built by node.ts's createNode (gossip host → block
 * timeline → Engine driver with the instrumented client; observability and the status RPC on
 * top), next to plain mesh nodes from test/utils/mesh.ts, with an el-sim as the EL.
 */
import type { ChainConfig } from '../../../src/chains/types.ts'
import { type ElSim, startElSim } from '../../../src/engine/elSim.ts'
import type { EngineDriver } from '../../../src/engine/engineDriver.ts'
import type { GossipHost } from '../../../src/gossip/host.ts'
import { generatePeerKey } from '../../../src/gossip/peerIdentity.ts'
import type { Observability } from '../../../src/metrics/observability.ts'
import { createNode, type NodeOptions, type OpGossipNode } from '../../../src/node.ts'
import type { Logger } from '../../../src/util/logger.ts'
import { SEQUENCER_ADDRESS, testHostInit } from '../../utils/mesh.ts'

/** Driver timings for tests: fast polls and reconnects. */
export const FAST_SYNC = {
  syncPollIntervalMs: 25,
  headPollIntervalMs: 100,
  fcuRefreshIntervalMs: 100,
  reconnectBaseDelayMs: 20,
  reconnectMaxDelayMs: 200,
} as const

/** A devnet chain whose genesis is `secondsAgo` old, so built blocks pass the age check. */
export function freshGenesis(secondsAgo: number): {
  l2Time: number
  l2Number: number
  l2Hash: `0x${string}`
} {
  const l2Time = Math.floor(Date.now() / 1000) - secondsAgo
  return {
    l2Time,
    l2Number: 0,
    l2Hash: `0x${Buffer.from(`genesis-${l2Time}`.padEnd(32, '.')).toString('hex')}`,
  }
}

export interface ObservedNode {
  node: OpGossipNode
  host: GossipHost
  engine: EngineDriver
  el: ElSim
  obs: Observability
  /** The status RPC's URL, null when off */
  rpcUrl: string | null
  address: string
  stop(): Promise<void>
}

export interface ObservedNodeOptions {
  chain: ChainConfig
  log: Logger
  jwtSecret: Uint8Array
  /** The node's p2p key (32 bytes); a fresh one when absent */
  privateKey?: Uint8Array
  rpc?: NodeOptions['rpc']
  metrics?: NodeOptions['metrics']
}

export async function startObservedNode(opts: ObservedNodeOptions): Promise<ObservedNode> {
  const { chain } = opts
  const genesis = chain.genesis
  if (genesis === undefined) throw new Error('the chain needs a genesis')
  const el = await startElSim(
    {
      chain,
      jwtSecret: opts.jwtSecret,
      genesis: {
        hash: genesis.l2Hash as `0x${string}`,
        number: genesis.l2Number,
        timestamp: genesis.l2Time,
      },
      syncDelayMs: 50,
    },
    { log: opts.log.child({ module: 'el-sim' }) },
  )
  const { chain: _chain, privateKey: _key, ...gossip } = testHostInit(chain)
  const node = createNode(
    {
      chain,
      peerKey: opts.privateKey ?? generatePeerKey(),
      gossip,
      signer: { configuredSigner: `0x${Buffer.from(SEQUENCER_ADDRESS).toString('hex')}` },
      discovery: null,
      // The warm-up has its own tests; here it would only add seconds.
      warmUp: false,
      engine: { engineUrl: el.url, jwtSecret: opts.jwtSecret, sync: FAST_SYNC },
      metrics: opts.metrics === undefined ? { host: '127.0.0.1', port: 0 } : opts.metrics,
      rpc: opts.rpc === undefined ? { host: '127.0.0.1', port: 0 } : opts.rpc,
    },
    { logger: opts.log },
  )
  try {
    await node.start()
  } catch (err) {
    await el.stop()
    throw err
  }
  return {
    node,
    host: node.host,
    engine: node.engine as EngineDriver,
    el,
    obs: node.observability,
    rpcUrl: node.rpc?.url ?? null,
    address: node.host.listenAddresses()[0] as string,
    async stop() {
      await node.stop()
      await el.stop()
    },
  }
}

/** One JSON-RPC call over HTTP. */
export async function rpcCall(
  url: string,
  method: string,
  params: unknown[] = [],
): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } }
}
