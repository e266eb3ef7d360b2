/**
 * Status handling of the sync driver against a scripted EngineClient (the narrow interface the
 * driver depends on). End-to-end behaviour with el-sim over HTTP is in test/e2e/engine.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ElHeads, EngineClient } from '../../../src/engine/engineClient.ts'
import { EngineError } from '../../../src/engine/errors.ts'
import type { BlockRef, ForkchoiceState, Hex, PayloadStatus } from '../../../src/engine/schema.ts'
import { blockRefOf, ZERO_HASH } from '../../../src/engine/schema.ts'
import { createSyncDriver, type SyncDriver } from '../../../src/engine/syncDriver.ts'
import type { SignedEnvelope } from '../../../src/wire/types.ts'
import { buildTestChain, hashOf } from './helpers.ts'

const t = buildTestChain(6)
const ref = (n: number): BlockRef => blockRefOf(t.blocks[n - 1]!.envelope.payload)
const genesisRef: BlockRef = {
  hash: t.genesis.hash,
  number: 0,
  parentHash: ZERO_HASH,
  timestamp: t.genesis.timestamp,
}

type NewPayloadAnswer = PayloadStatus | EngineError
type FcuAnswer = PayloadStatus | EngineError

const status = (s: PayloadStatus['status'], latestValidHash: Hex | null = null): PayloadStatus => ({
  status: s,
  latestValidHash,
  validationError: s === 'INVALID' ? 'bad' : null,
})

/** Answers from queues (default VALID); records every call. */
class ScriptedClient implements EngineClient {
  readonly url = 'http://scripted'
  heads: ElHeads = { latest: genesisRef, safe: null, finalized: null }
  newPayloadAnswers: NewPayloadAnswer[] = []
  fcuAnswers: FcuAnswer[] = []
  readonly log: string[] = []
  readonly fcus: ForkchoiceState[] = []

  async newPayload(envelope: SignedEnvelope) {
    const n = Number(envelope.payload.blockNumber)
    this.log.push(`newPayload ${n}`)
    const a = this.newPayloadAnswers.shift() ?? status('VALID')
    if (a instanceof EngineError) throw a
    return a
  }
  async forkchoiceUpdated(state: ForkchoiceState) {
    this.fcus.push(state)
    this.log.push('fcu')
    const a = this.fcuAnswers.shift() ?? status('VALID', state.headBlockHash)
    if (a instanceof EngineError) throw a
    return { payloadStatus: a, payloadId: null }
  }
  async chainId() {
    return t.chain.chainId
  }
  async getBlockByNumber(block: 'latest' | 'safe' | 'finalized' | number) {
    this.log.push(`get ${block}`)
    if (block === 'latest') return this.heads.latest
    if (block === 'safe') return this.heads.safe
    if (block === 'finalized') return this.heads.finalized
    return null
  }
  async getBlockByHash() {
    return null
  }
  async blockNumber() {
    return this.heads.latest.number
  }
  async syncing() {
    return false as const
  }
  async readHeads() {
    this.log.push('readHeads')
    return this.heads
  }
}

const drivers: SyncDriver[] = []
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.stop()
})

async function started(client: ScriptedClient) {
  const driver = createSyncDriver(
    {
      chain: t.chain,
      syncPollIntervalMs: 10_000,
      headPollIntervalMs: 10_000,
      reconnectBaseDelayMs: 5,
    },
    { client },
  )
  drivers.push(driver)
  await driver.start()
  return driver
}

async function settle(driver: SyncDriver, cond: () => boolean) {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(cond()).toBe(true)
  void driver
}

const block = (n: number) => t.blocks[n - 1]!.envelope

describe('engine / syncDriver', () => {
  it('VALID: newPayload then FCU(head = block); confirmed follows', async () => {
    const c = new ScriptedClient()
    const d = await started(c)
    d.onBlock(block(1))
    await settle(d, () => d.status().confirmed?.hash === hashOf(t.blocks[0]!))
    expect(c.log.slice(-2)).toEqual(['newPayload 1', 'fcu'])
    expect(c.fcus[0]).toEqual({
      headBlockHash: hashOf(t.blocks[0]!),
      safeBlockHash: ZERO_HASH,
      finalizedBlockHash: ZERO_HASH,
    })
  })

  it('FCU SYNCING never moves the confirmed head; the target moves', async () => {
    const c = new ScriptedClient()
    const d = await started(c)
    c.newPayloadAnswers.push(status('SYNCING'))
    c.fcuAnswers.push(status('SYNCING'))
    d.onBlock(block(3)) // non-adjacent: sent anyway
    await settle(d, () => d.status().syncing)
    expect(d.status().confirmed).toEqual(genesisRef)
    expect(d.status().target).toEqual(ref(3))
    expect(d.status().gapBlocks).toBe(3)
    expect(c.log).toContain('newPayload 3')
  })

  it('phase(): in-sync once connected, el-syncing while the EL syncs, in-sync when it caught up', async () => {
    const c = new ScriptedClient()
    const d = createSyncDriver({ chain: t.chain, headPollIntervalMs: 10_000 }, { client: c })
    drivers.push(d)
    expect(d.phase()).toBe('no-heads')
    await d.start()
    expect(d.phase()).toBe('in-sync')
    c.newPayloadAnswers.push(status('SYNCING'))
    c.fcuAnswers.push(status('SYNCING'))
    d.onBlock(block(3))
    await settle(d, () => d.status().syncing)
    expect(d.phase()).toBe('el-syncing')
    d.onBlock(block(4)) // adjacent to the target: FCU(4) answers VALID
    await settle(d, () => d.status().confirmed?.number === 4)
    expect(d.phase()).toBe('in-sync')
  })

  it('ACCEPTED from newPayload is treated like SYNCING (FCU follows)', async () => {
    const c = new ScriptedClient()
    const d = await started(c)
    c.newPayloadAnswers.push(status('ACCEPTED'))
    c.fcuAnswers.push(status('SYNCING'))
    d.onBlock(block(2))
    await settle(d, () => d.status().syncing)
    expect(c.log.slice(-2)).toEqual(['newPayload 2', 'fcu'])
  })

  it('-38002 re-reads the EL heads and uses its safe / finalized instead of retrying blindly', async () => {
    const c = new ScriptedClient()
    const d = await started(c)
    d.onBlock(block(1))
    await settle(d, () => d.status().confirmed?.number === 1)
    d.offerSafeFinalized({ safe: null, finalized: null }) // no-op
    // the EL now says -38002 once; its own heads have safe = 1
    c.heads = { latest: ref(1), safe: ref(1), finalized: null }
    c.fcuAnswers.push(
      new EngineError('ENGINE_RPC_ERROR', 'Invalid forkchoice state', { rpcCode: -38002 }),
    )
    d.onBlock(block(2))
    await settle(d, () => d.status().confirmed?.number === 2)
    const readAt = c.log.lastIndexOf('readHeads')
    expect(readAt).toBeGreaterThan(c.log.indexOf('newPayload 2'))
    expect(c.fcus.at(-1)).toEqual({
      headBlockHash: hashOf(t.blocks[1]!),
      safeBlockHash: hashOf(t.blocks[0]!),
      finalizedBlockHash: ZERO_HASH,
    })
    expect(d.status().counters.resets).toBe(1)
  })

  it('-38002 twice in a row falls back to zero safe / finalized', async () => {
    const c = new ScriptedClient()
    const d = await started(c)
    c.heads = { latest: genesisRef, safe: genesisRef, finalized: genesisRef }
    const err = () =>
      new EngineError('ENGINE_RPC_ERROR', 'Invalid forkchoice state', { rpcCode: -38002 })
    c.fcuAnswers.push(err(), err())
    d.onBlock(block(1))
    await settle(d, () => d.status().confirmed?.number === 1)
    expect(c.fcus).toHaveLength(3)
    expect(c.fcus[2]).toMatchObject({ safeBlockHash: ZERO_HASH, finalizedBlockHash: ZERO_HASH })
  })

  it.each(['INVALID', 'INVALID_TERMINAL_BLOCK'] as const)(
    'newPayload %s: remembered, counted, target stays, never re-sent',
    async (answer) => {
      const c = new ScriptedClient()
      const d = await started(c)
      c.newPayloadAnswers.push(status(answer, genesisRef.hash))
      d.onBlock(block(1))
      await settle(d, () => d.status().counters.invalid === 1)
      d.onBlock(block(1))
      d.onBlock(block(2))
      await new Promise((r) => setTimeout(r, 20))
      expect(c.log.filter((l) => l.startsWith('newPayload'))).toEqual(['newPayload 1'])
      expect(c.fcus).toHaveLength(0)
      expect(d.status().target).toEqual(genesisRef)
      expect(d.status().counters.ignoredInvalid).toBe(2)
    },
  )

  it.each(['INVALID', 'INVALID_TERMINAL_BLOCK'] as const)(
    'FCU %s: the head is remembered invalid and the target falls back to the confirmed head',
    async (answer) => {
      const c = new ScriptedClient()
      const d = await started(c)
      c.newPayloadAnswers.push(status('SYNCING'))
      c.fcuAnswers.push(status(answer))
      d.onBlock(block(2))
      await settle(d, () => d.status().counters.invalid === 1)
      expect(d.status().target).toEqual(genesisRef)
      d.onBlock(block(2))
      expect(d.status().counters.ignoredInvalid).toBe(1)
    },
  )

  it('-32602 / -38005 from newPayload drop the block (a request bug), without retry', async () => {
    const c = new ScriptedClient()
    const d = await started(c)
    c.newPayloadAnswers.push(
      new EngineError('ENGINE_RPC_ERROR', 'Unsupported fork', { rpcCode: -38005 }),
    )
    d.onBlock(block(1))
    await settle(d, () => d.status().counters.engineErrors === 1)
    await new Promise((r) => setTimeout(r, 20))
    expect(c.log.filter((l) => l.startsWith('newPayload'))).toHaveLength(1)
    expect(d.status().state).toBe('ready')
    expect(d.status().buffer.blocks).toBe(0)
  })

  it('a generic server error (-32000) is retried with backoff, without dropping the block', async () => {
    const c = new ScriptedClient()
    const d = await started(c)
    c.fcuAnswers.push(new EngineError('ENGINE_RPC_ERROR', 'boom', { rpcCode: -32000 }))
    d.onBlock(block(1))
    await settle(d, () => d.status().confirmed?.number === 1)
    expect(c.fcus).toHaveLength(2)
    expect(d.status().counters.engineErrors).toBe(1)
  })

  it('a transport error marks the EL down and reconnects by re-reading heads', async () => {
    const c = new ScriptedClient()
    const d = await started(c)
    c.newPayloadAnswers.push(new EngineError('ENGINE_TRANSPORT', 'ECONNREFUSED'))
    d.onBlock(block(1))
    await settle(d, () => d.status().confirmed?.number === 1)
    expect(c.log.filter((l) => l === 'readHeads')).toHaveLength(2) // start + reconnect
    expect(c.log.filter((l) => l === 'newPayload 1')).toHaveLength(2)
  })

  it('a block whose version does not match its fork is not sent', async () => {
    const c = new ScriptedClient()
    const d = await started(c)
    d.onBlock({ ...block(1), version: 3 })
    await new Promise((r) => setTimeout(r, 20))
    expect(c.log.filter((l) => l.startsWith('newPayload'))).toHaveLength(0)
    expect(d.status().counters.engineErrors).toBe(1)
  })

  it('a sibling of a buffered block is logged as conflicting and never becomes the target', async () => {
    const c = new ScriptedClient()
    const d = await started(c)
    c.newPayloadAnswers.push(status('SYNCING'))
    c.fcuAnswers.push(status('SYNCING'))
    d.onBlock(block(3))
    await settle(d, () => d.status().syncing)
    const other = buildTestChain(3, { seed: 5 }).blocks[2]!.envelope // another block 3
    d.onBlock(other)
    await new Promise((r) => setTimeout(r, 20))
    expect(d.status().counters.conflicting).toBe(1)
    expect(d.status().target).toEqual(ref(3))
  })
})
