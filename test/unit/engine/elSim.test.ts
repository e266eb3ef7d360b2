import { afterEach, describe, expect, it } from 'vitest'
import { ELSIM_MAX_REQUEST_SIZE_BYTES, ElSim, startElSim } from '../../../src/engine/elSim.ts'
import { createEngineClient } from '../../../src/engine/engineClient.ts'
import type { EngineError } from '../../../src/engine/errors.ts'
import { createJwtToken } from '../../../src/engine/jwt.ts'
import { createRpcClient } from '../../../src/engine/rpcClient.ts'
import { payloadToJson, toData, ZERO_HASH } from '../../../src/engine/schema.ts'
import {
  buildTestChain,
  ERA_TIMESTAMP,
  hashOf,
  JWT_SECRET,
  STAGGERED_CHAIN,
  sampleEnvelope,
  samplePayload,
} from './helpers.ts'

const t = buildTestChain(6)
const sims: ElSim[] = []
afterEach(async () => {
  for (const s of sims.splice(0)) await s.stop()
})

async function sim(opts: Partial<Parameters<typeof startElSim>[0]> = {}) {
  const s = await startElSim({
    chain: t.chain,
    jwtSecret: JWT_SECRET,
    genesis: t.genesis,
    syncDelayMs: 10,
    ...opts,
  })
  sims.push(s)
  return s
}

async function rpcErrorOf(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p
  } catch (err) {
    return err as EngineError
  }
  throw new Error('expected an error')
}

async function post(url: string, body: string, authorization?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (authorization !== undefined) headers.authorization = authorization
  const res = await fetch(url, { method: 'POST', headers, body })
  return { status: res.status, text: await res.text() }
}

const CHAIN_ID_CALL = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] })

describe('engine / elSim', () => {
  it('answers 401 with the reason for a missing, wrong or stale token', async () => {
    const s = await sim()
    expect(await post(s.url, CHAIN_ID_CALL)).toEqual({ status: 401, text: 'missing token\n' })
    const wrong = `Bearer ${createJwtToken(new Uint8Array(32), Math.floor(Date.now() / 1000))}`
    expect(await post(s.url, CHAIN_ID_CALL, wrong)).toEqual({
      status: 401,
      text: 'signature is invalid\n',
    })
    const stale = `Bearer ${createJwtToken(JWT_SECRET, Math.floor(Date.now() / 1000) - 61)}`
    expect(await post(s.url, CHAIN_ID_CALL, stale)).toEqual({ status: 401, text: 'stale token\n' })
    const good = `Bearer ${createJwtToken(JWT_SECRET, Math.floor(Date.now() / 1000))}`
    const ok = await post(s.url, CHAIN_ID_CALL, good)
    expect(JSON.parse(ok.text)).toEqual({ jsonrpc: '2.0', id: 1, result: '0x385' })
    expect(s.calls).toHaveLength(1) // refused requests never reach a method
  })

  it('serves eth reads on the open port, never the engine namespace', async () => {
    const s = await sim({ httpPort: 0 })
    const open = createRpcClient({ url: s.httpUrl! })
    expect(await open.call('eth_chainId', [])).toBe('0x385')
    const err = await rpcErrorOf(open.call('engine_forkchoiceUpdatedV3', [{}, null]))
    expect(err.rpcCode).toBe(-32601)
  })

  it('refuses a request body over its limit with 413', async () => {
    const s = await sim()
    const good = `Bearer ${createJwtToken(JWT_SECRET, Math.floor(Date.now() / 1000))}`
    const body = `{"x":"${'a'.repeat(ELSIM_MAX_REQUEST_SIZE_BYTES)}"}`
    const res = await post(s.url, body, good).catch(() => ({ status: 413, text: '' }))
    expect(res.status).toBe(413)
  })

  describe('method and field checks (op-geth)', () => {
    async function staggered() {
      const s = await sim({
        chain: STAGGERED_CHAIN,
        genesis: { hash: ZERO_HASH.replace(/0$/, '1') as `0x${string}`, number: 0, timestamp: 0 },
      })
      return createRpcClient({ url: s.url, jwtSecret: JWT_SECRET, retries: 0 })
    }
    const root = toData(new Uint8Array(32).fill(0x77))

    it('-38005 when the method version does not match the payload timestamp', async () => {
      const rpc = await staggered()
      const v4 = payloadToJson(samplePayload(4), 4)
      expect((await rpcErrorOf(rpc.call('engine_newPayloadV3', [v4, [], root]))).rpcCode).toBe(
        -38005,
      )
      const v3 = payloadToJson(samplePayload(3), 3)
      expect((await rpcErrorOf(rpc.call('engine_newPayloadV2', [v3]))).rpcCode).toBe(-38005)
    })

    it('-32602 for missing or extra fork fields, non-empty lists and missing params', async () => {
      const rpc = await staggered()
      const cases: Array<[string, unknown[], RegExp]> = [
        [
          'engine_newPayloadV2',
          [{ ...payloadToJson(samplePayload(1), 1), withdrawals: [] }],
          /non-nil withdrawals pre-shanghai/,
        ],
        [
          'engine_newPayloadV2',
          [
            {
              ...payloadToJson(samplePayload(1), 1),
              timestamp: `0x${ERA_TIMESTAMP[2].toString(16)}`,
            },
          ],
          /nil withdrawals post-shanghai/,
        ],
        ['engine_newPayloadV3', [payloadToJson(samplePayload(3), 3), [], null], /nil beaconRoot/],
        [
          'engine_newPayloadV3',
          [payloadToJson(samplePayload(3), 3), [root], root],
          /versioned hashes must be empty/,
        ],
        [
          'engine_newPayloadV4',
          [payloadToJson(samplePayload(4), 4), [], root, null],
          /nil executionRequests/,
        ],
        [
          'engine_newPayloadV4',
          [payloadToJson(samplePayload(4), 4), [], root, ['0x00']],
          /executionRequests must be empty/,
        ],
        [
          'engine_newPayloadV4',
          [{ ...payloadToJson(samplePayload(4), 4), withdrawalsRoot: undefined }, [], root, []],
          /nil withdrawalsRoot post-isthmus/,
        ],
        [
          'engine_newPayloadV3',
          [{ ...payloadToJson(samplePayload(3), 3), withdrawalsRoot: root }, [], root],
          /non-nil withdrawalsRoot pre-isthmus/,
        ],
        [
          'engine_newPayloadV4',
          [{ ...payloadToJson(samplePayload(4), 4), extraData: '0x' }, [], root, []],
          /holocene extraData/,
        ],
        [
          'engine_newPayloadV4',
          [{ ...payloadToJson(samplePayload(4), 4), gasUsed: '0x00' }, [], root, []],
          /gasUsed/,
        ],
      ]
      for (const [method, params, message] of cases) {
        const err = await rpcErrorOf(rpc.call(method, params))
        expect(err.rpcCode, message.source).toBe(-32602)
        expect(err.message).toMatch(message)
      }
    })

    it('the right method with a wrong block hash is INVALID, not an error', async () => {
      const s = await sim({ chain: STAGGERED_CHAIN })
      const client = createEngineClient({
        url: s.url,
        jwtSecret: JWT_SECRET,
        chain: STAGGERED_CHAIN,
      })
      for (const v of [1, 2, 3, 4] as const) {
        const res = await client.newPayload(sampleEnvelope(v))
        expect(res.status).toBe('INVALID')
        expect(res.validationError).toMatch(/blockhash mismatch/)
      }
      expect(s.callsOf('engine_newPayloadV2')).toHaveLength(2)
      expect(s.callsOf('engine_newPayloadV4')[0]!.result).toMatchObject({ status: 'INVALID' })
    })

    it('FCU with payload attributes is refused (el-sim does not build)', async () => {
      const rpc = await staggered()
      const state = {
        headBlockHash: ZERO_HASH,
        safeBlockHash: ZERO_HASH,
        finalizedBlockHash: ZERO_HASH,
      }
      expect(
        (await rpcErrorOf(rpc.call('engine_forkchoiceUpdatedV3', [state, { timestamp: '0x1' }])))
          .rpcCode,
      ).toBe(-38003)
      expect((await rpcErrorOf(rpc.call('engine_newPayloadV1', []))).rpcCode).toBe(-32601)
    })
  })

  it('eth reads: chain id, block by number / tag / hash, block number, syncing', async () => {
    const s = await sim()
    const client = createEngineClient({ url: s.url, jwtSecret: JWT_SECRET, chain: t.chain })
    for (const b of t.blocks.slice(0, 3)) await client.newPayload(b.envelope)
    await client.forkchoiceUpdated({
      headBlockHash: hashOf(t.blocks[2]!),
      safeBlockHash: hashOf(t.blocks[1]!),
      finalizedBlockHash: ZERO_HASH,
    })
    expect(await client.chainId()).toBe(901)
    expect(await client.blockNumber()).toBe(3)
    expect((await client.getBlockByNumber('latest'))?.hash).toBe(hashOf(t.blocks[2]!))
    expect((await client.getBlockByNumber('safe'))?.number).toBe(2)
    expect(await client.getBlockByNumber('finalized')).toBeNull() // geth: "finalized block not found"
    expect((await client.getBlockByNumber(1))?.hash).toBe(hashOf(t.blocks[0]!))
    expect(await client.getBlockByNumber(99)).toBeNull()
    expect((await client.getBlockByHash(hashOf(t.blocks[1]!)))?.number).toBe(2)
    expect(await client.syncing()).toBe(false)
    const rpc = createRpcClient({ url: s.url, jwtSecret: JWT_SECRET })
    const full = (await rpc.call('eth_getBlockByNumber', ['0x1', false])) as Record<string, unknown>
    expect(full.transactions).toHaveLength(3)
    expect(full.requestsHash).toBe(
      '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })

  it('syncs from an upstream el-sim over RPC after its delay; eth_syncing reports progress', async () => {
    const up = await sim()
    for (const b of t.blocks) {
      const data = {
        payload: b.envelope.payload,
        version: b.version,
        parentBeaconBlockRoot: b.envelope.parentBeaconBlockRoot!,
      }
      expect(up.chainState.insertCanonical(data).status).toBe('VALID')
    }
    const s = await sim({ upstream: up.url, syncDelayMs: 100 })
    const client = createEngineClient({ url: s.url, jwtSecret: JWT_SECRET, chain: t.chain })
    const tip = t.blocks.at(-1)!
    expect((await client.newPayload(tip.envelope)).status).toBe('SYNCING')
    const fcu = {
      headBlockHash: hashOf(tip),
      safeBlockHash: ZERO_HASH,
      finalizedBlockHash: ZERO_HASH,
    }
    expect((await client.forkchoiceUpdated(fcu)).payloadStatus.status).toBe('SYNCING')
    expect(await client.syncing()).toEqual({ startingBlock: 0, currentBlock: 0, highestBlock: 6 })
    await s.chainState.idle()
    expect((await client.getBlockByNumber('latest'))?.hash).toBe(hashOf(tip))
    expect((await client.forkchoiceUpdated(fcu)).payloadStatus.status).toBe('VALID')
    expect(up.callsOf('elsim_getPayloadByHash').length).toBeGreaterThanOrEqual(6)
  })

  it('no peers: FCU to a head with an unknown parent stays SYNCING until newPayload brings the gap', async () => {
    const s = await sim({ noPeers: true, syncDelayMs: 20 })
    const client = createEngineClient({ url: s.url, jwtSecret: JWT_SECRET, chain: t.chain })
    for (const b of t.blocks.slice(0, 2))
      expect((await client.newPayload(b.envelope)).status).toBe('VALID')
    const fcuTo = (n: number) => ({
      headBlockHash: hashOf(t.blocks[n - 1]!),
      safeBlockHash: ZERO_HASH,
      finalizedBlockHash: ZERO_HASH,
    })
    expect((await client.forkchoiceUpdated(fcuTo(2))).payloadStatus.status).toBe('VALID')
    const tip = t.blocks[5]! // block 6: its parent 5 (and 3, 4) never reached this EL
    expect((await client.newPayload(tip.envelope)).status).toBe('SYNCING')
    expect((await client.forkchoiceUpdated(fcuTo(6))).payloadStatus.status).toBe('SYNCING')
    await new Promise((r) => setTimeout(r, 5 * 20)) // several sync delays: nothing is fetched
    expect((await client.forkchoiceUpdated(fcuTo(6))).payloadStatus.status).toBe('SYNCING')
    expect(await client.syncing()).toEqual({ startingBlock: 2, currentBlock: 2, highestBlock: 6 })
    expect(await client.blockNumber()).toBe(2)

    for (const b of t.blocks.slice(2, 6))
      expect((await client.newPayload(b.envelope)).status).toBe('VALID')
    expect((await client.forkchoiceUpdated(fcuTo(6))).payloadStatus.status).toBe('VALID')
    expect(await client.blockNumber()).toBe(6)
    expect(await client.syncing()).toBe(false)
  })

  it('noPeers with an upstream is a configuration error', () => {
    const both = () =>
      new ElSim({
        chain: t.chain,
        jwtSecret: JWT_SECRET,
        noPeers: true,
        upstream: 'http://127.0.0.1:1',
      })
    expect(both).toThrow(/noPeers and upstream exclude each other/)
    expect(both).toThrow(
      expect.objectContaining({ code: 'ENGINE_CONFIG_INVALID', kind: 'configuration' }),
    )
  })

  it('restarts on the same port, losing in-memory state as asked', async () => {
    const s = await sim()
    // default retries: the first call after a restart may hit a pooled keep-alive socket the
    // server closed, exactly like a real EL restart
    const client = createEngineClient({ url: s.url, jwtSecret: JWT_SECRET, chain: t.chain })
    for (const b of t.blocks) await client.newPayload(b.envelope)
    await client.forkchoiceUpdated({
      headBlockHash: hashOf(t.blocks[5]!),
      safeBlockHash: ZERO_HASH,
      finalizedBlockHash: ZERO_HASH,
    })
    const url = s.url
    await s.restart({ rewindToNumber: 2 })
    expect(s.url).toBe(url)
    expect(await client.blockNumber()).toBe(2)
    await s.restart({ keepChain: false })
    expect(await client.blockNumber()).toBe(0)
  })
})
