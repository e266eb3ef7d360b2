/** Small hand-made payloads and a capturing JSON-RPC server for engine unit tests. */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ChainConfig } from '../../../src/chains/types.ts'
import type { BlockVersion, ExecutionPayload, SignedEnvelope } from '../../../src/wire/types.ts'

/** Forks staggered so each payload version has its own era: V1 <1000, V2 <2000, V3 <4000, V4. */
export const STAGGERED_CHAIN: ChainConfig = {
  name: 'staggered',
  chainId: 4242,
  blockTime: 2,
  forks: {
    regolith: 0,
    canyon: 1000,
    delta: 1000,
    ecotone: 2000,
    fjord: 2000,
    granite: 2000,
    holocene: 3000,
    isthmus: 4000,
    jovian: null,
    karst: null,
  },
}

/** A timestamp in each version's era of STAGGERED_CHAIN. */
export const ERA_TIMESTAMP: Record<BlockVersion, number> = { 1: 500, 2: 1500, 3: 2500, 4: 4500 }

const fill = (byte: number, n: number) => new Uint8Array(n).fill(byte)

/** A compact, fully deterministic payload of `version` (fields a version lacks are absent). */
export function samplePayload(version: BlockVersion): ExecutionPayload {
  const p: ExecutionPayload = {
    parentHash: fill(0x11, 32),
    feeRecipient: new Uint8Array(Buffer.from('4200000000000000000000000000000000000011', 'hex')),
    stateRoot: fill(0x22, 32),
    receiptsRoot: fill(0x33, 32),
    logsBloom: new Uint8Array(256),
    prevRandao: fill(0x44, 32),
    blockNumber: 16n,
    gasLimit: 30_000_000n,
    gasUsed: 0n,
    timestamp: BigInt(ERA_TIMESTAMP[version]),
    extraData: version === 4 ? new Uint8Array([0, 0, 0, 0, 250, 0, 0, 0, 6]) : new Uint8Array(0),
    baseFeePerGas: 1_000_000_007n,
    blockHash: fill(0x55, 32),
    transactions: [new Uint8Array([0x7e, 0x01]), new Uint8Array([0x02, 0xab, 0xcd])],
  }
  if (version >= 2) p.withdrawals = []
  if (version >= 3) {
    p.blobGasUsed = 0n
    p.excessBlobGas = 0n
  }
  if (version === 4) p.withdrawalsRoot = fill(0x66, 32)
  return p
}

export function sampleEnvelope(version: BlockVersion): SignedEnvelope {
  const env: SignedEnvelope = {
    version,
    signature: new Uint8Array(65),
    payload: samplePayload(version),
    signedBytes: new Uint8Array(100),
  }
  if (version >= 3) env.parentBeaconBlockRoot = fill(0x77, 32)
  return env
}

export interface CapturedRequest {
  body: string
  headers: IncomingMessage['headers']
}

/**
 * A real HTTP server on 127.0.0.1 that records each request and answers with `respond`
 * (status + body, or 'destroy' to drop the connection).
 */
export async function startCaptureServer(
  respond: (
    req: { method: string; params: unknown[]; id: unknown },
    n: number,
  ) =>
    | { status?: number; body: unknown }
    | 'destroy'
    | Promise<{ status?: number; body: unknown } | 'destroy'>,
): Promise<{ url: string; requests: CapturedRequest[]; close: () => Promise<void> }> {
  const requests: CapturedRequest[] = []
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c)
    const body = Buffer.concat(chunks).toString('utf8')
    requests.push({ body, headers: req.headers })
    const parsed = JSON.parse(body) as { method: string; params: unknown[]; id: unknown }
    const answer = await respond(parsed, requests.length)
    if (answer === 'destroy') {
      req.socket.destroy()
      return
    }
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(text)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r())
        server.closeAllConnections()
      }),
  }
}

export const rpcResult = (id: unknown, result: unknown) => ({
  body: { jsonrpc: '2.0', id, result },
})
export const rpcError = (id: unknown, code: number, message: string) => ({
  body: { jsonrpc: '2.0', id, error: { code, message } },
})
export const VALID_STATUS = {
  status: 'VALID',
  latestValidHash: `0x${'55'.repeat(32)}`,
  validationError: null,
}

// ---------------------------------------------------------------------------------------------
// Realistic chains from the devnet block builder

import { type BuiltBlock, createBlockBuilder, devnetKey } from '../../../src/blocks/blockBuilder.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import type { ElSimGenesis, ElSimPayload } from '../../../src/engine/elSimChain.ts'
import { type Hex, toData } from '../../../src/engine/schema.ts'

export const SEQUENCER_KEY = devnetKey('engine-tests-sequencer')
export const JWT_SECRET = devnetKey('engine-tests-jwt')

export interface TestChain {
  chain: ChainConfig
  genesis: ElSimGenesis
  /** blocks[i] has number i + 1 */
  blocks: BuiltBlock[]
}

/**
 * A devnet chain (1 s blocks, Regolith..Isthmus at 0 unless `forks` says otherwise) and `count`
 * signed blocks on top of its genesis, two transactions each.
 */
export function buildTestChain(
  count: number,
  opts: { forks?: Partial<ChainConfig['forks']>; seed?: number } = {},
): TestChain {
  const l2Time = 1_700_000_000
  const genesis: ElSimGenesis = {
    hash: toData(devnetKey(`genesis-${opts.seed ?? 1}`)),
    number: 0,
    timestamp: l2Time,
  }
  const chain = createDevnetChain({
    blockTime: 1,
    genesis: { l2Time, l2Number: 0, l2Hash: genesis.hash },
    ...(opts.forks === undefined ? {} : { forks: opts.forks }),
  })
  const builder = createBlockBuilder({
    chain,
    privateKey: SEQUENCER_KEY,
    txCount: 2,
    seed: opts.seed ?? 1,
    startTimestamp: BigInt(l2Time + 1),
  })
  return { chain, genesis, blocks: Array.from({ length: count }, () => builder.next()) }
}

/** A competing branch on top of `parent` (another seed: different blocks at the same heights). */
export function buildBranch(
  t: TestChain,
  parent: BuiltBlock,
  count: number,
  seed: number,
): BuiltBlock[] {
  const builder = createBlockBuilder({
    chain: t.chain,
    privateKey: SEQUENCER_KEY,
    txCount: 2,
    seed,
    parent: { hash: parent.blockHash, number: parent.blockNumber, timestamp: parent.timestamp },
  })
  return Array.from({ length: count }, () => builder.next())
}

export function elSimPayload(b: BuiltBlock): ElSimPayload {
  const data: ElSimPayload = { payload: b.envelope.payload, version: b.version }
  if (b.envelope.parentBeaconBlockRoot !== undefined)
    data.parentBeaconBlockRoot = b.envelope.parentBeaconBlockRoot
  return data
}

export function hashOf(b: BuiltBlock): Hex {
  return toData(b.blockHash)
}
