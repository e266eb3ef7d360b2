/**
 * The sync driver's EL connection against a scripted EngineClient: connecting, answers classified
 * (refused, -38002 with the heads re-read), what a failure means (EL down and reconnect, or back
 * off with a doubling delay).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ElConnection } from '../../../src/engine/elConnection.ts'
import type { ElHeads, EngineClient } from '../../../src/engine/engineClient.ts'
import { EngineError } from '../../../src/engine/errors.ts'
import type { BlockRef } from '../../../src/engine/schema.ts'
import { ZERO_HASH } from '../../../src/engine/schema.ts'
import { buildTestChain } from './helpers.ts'

const t = buildTestChain(1)
const genesisRef: BlockRef = {
  hash: t.genesis.hash,
  number: 0,
  parentHash: ZERO_HASH,
  timestamp: t.genesis.timestamp,
}
const HEADS: ElHeads = { latest: genesisRef, safe: null, finalized: null }
const VALID = { status: 'VALID' as const, latestValidHash: null, validationError: null }
const rpcError = (rpcCode: number) =>
  new EngineError('ENGINE_RPC_ERROR', `code ${rpcCode}`, { rpcCode })

/** Each call takes the next scripted failure for its name (none: it answers). */
function scriptedClient(failures: Partial<Record<string, EngineError[]>> = {}) {
  const calls: string[] = []
  const next = (name: string) => {
    calls.push(name)
    const err = failures[name]?.shift()
    if (err !== undefined) throw err
  }
  const client: EngineClient = {
    url: 'http://scripted',
    async newPayload() {
      next('newPayload')
      return VALID
    },
    async forkchoiceUpdated() {
      next('forkchoiceUpdated')
      return { payloadStatus: VALID, payloadId: null }
    },
    async chainId() {
      next('chainId')
      return t.chain.chainId
    },
    async getBlockByNumber() {
      next('getBlockByNumber')
      return genesisRef
    },
    async getBlockByHash() {
      return null
    },
    async blockNumber() {
      return 0
    },
    async syncing() {
      return false as const
    },
    async readHeads() {
      next('readHeads')
      return HEADS
    },
  }
  return { client, calls }
}

const connections: ElConnection[] = []
afterEach(async () => {
  for (const c of connections.splice(0)) await c.stop()
})

function connection(client: EngineClient, chainId = t.chain.chainId) {
  const connects: boolean[] = []
  const el = new ElConnection(
    { chainId, reconnectBaseDelayMs: 5, reconnectMaxDelayMs: 20 },
    { client, onConnected: (_heads, reconnected) => connects.push(reconnected) },
  )
  connections.push(el)
  return { el, connects }
}

async function until(cond: () => boolean) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(cond()).toBe(true)
}

describe('engine / elConnection', () => {
  it('start checks the chain id, reads the heads and reports the connection', async () => {
    const { client, calls } = scriptedClient()
    const { el, connects } = connection(client)
    await el.start()
    expect(el.state).toBe('ready')
    expect(calls).toEqual(['chainId', 'readHeads'])
    expect(connects).toEqual([false])
  })

  it('a wrong chain id rejects start as a configuration error', async () => {
    const { client } = scriptedClient()
    const { el } = connection(client, 10)
    const err = await el.start().then(
      () => null,
      (e: unknown) => e as EngineError,
    )
    expect(err).toMatchObject({ code: 'ENGINE_WRONG_CHAIN', kind: 'configuration' })
    expect(el.state).toBe('stopped')
  })

  it('an EL not reachable at start: start resolves, the EL is down, a reconnect follows', async () => {
    const down = () => new EngineError('ENGINE_TRANSPORT', 'ECONNREFUSED')
    const { client } = scriptedClient({ chainId: [down(), down()] })
    const { el, connects } = connection(client)
    await el.start()
    expect(el.state).toBe('el-down')
    expect(el.lastError).toBe('ECONNREFUSED')
    await until(() => el.state === 'ready')
    expect(connects).toEqual([true])
    expect(el.lastError).toBeNull()
  })

  it.each([
    [-32602, 'INVALID_PARAMS'],
    [-38005, 'UNSUPPORTED_FORK'],
    [-32601, 'METHOD_NOT_FOUND'],
  ])('newPayload %i (%s) is a refused request, not a failure', async (code) => {
    const { client } = scriptedClient({ newPayload: [rpcError(code)] })
    const { el } = connection(client)
    await el.start()
    const answer = await el.newPayload(t.blocks[0]!.envelope)
    expect(answer).toMatchObject({ kind: 'refused', error: { rpcCode: code } })
    expect(await el.newPayload(t.blocks[0]!.envelope)).toEqual({ kind: 'status', status: VALID })
  })

  it('any other newPayload error is thrown', async () => {
    const { client } = scriptedClient({ newPayload: [rpcError(-32000)] })
    const { el } = connection(client)
    await el.start()
    await expect(el.newPayload(t.blocks[0]!.envelope)).rejects.toMatchObject({ rpcCode: -32000 })
  })

  it('forkchoiceUpdated -38002 comes back with the EL heads re-read', async () => {
    const { client, calls } = scriptedClient({ forkchoiceUpdated: [rpcError(-38002)] })
    const { el } = connection(client)
    await el.start()
    const state = {
      headBlockHash: ZERO_HASH,
      safeBlockHash: ZERO_HASH,
      finalizedBlockHash: ZERO_HASH,
    }
    const answer = await el.forkchoiceUpdated(state)
    expect(answer).toMatchObject({ kind: 'invalid-forkchoice-state', heads: HEADS })
    expect(calls.slice(-2)).toEqual(['forkchoiceUpdated', 'readHeads'])
  })

  it('an unusable answer backs off, doubling up to the ceiling; success starts over', async () => {
    const { client } = scriptedClient()
    const { el } = connection(client)
    await el.start()
    const bad = new EngineError('ENGINE_BAD_RESPONSE', 'not JSON')
    expect([el.failed(bad), el.failed(bad), el.failed(bad), el.failed(bad)]).toEqual([
      5, 10, 20, 20,
    ])
    expect(el.state).toBe('ready')
    expect(el.lastError).toBe('not JSON')
    el.succeeded()
    expect(el.failed(rpcError(-32000))).toBe(5)
  })

  it('a transport error marks the EL down; the reconnect reports itself', async () => {
    const { client } = scriptedClient()
    const { el, connects } = connection(client)
    await el.start()
    expect(el.failed(new EngineError('ENGINE_TIMEOUT', 'no answer in time'))).toBeNull()
    expect(el.state).toBe('el-down')
    await until(() => el.state === 'ready')
    expect(connects).toEqual([false, true])
  })

  it('stop ends a reconnect in progress', async () => {
    const { client, calls } = scriptedClient({
      chainId: Array.from({ length: 50 }, () => new EngineError('ENGINE_TRANSPORT', 'down')),
    })
    const { el } = connection(client)
    await el.start()
    await el.stop()
    expect(el.state).toBe('stopped')
    const n = calls.length
    await new Promise((r) => setTimeout(r, 40))
    expect(calls.length).toBe(n)
  })
})
