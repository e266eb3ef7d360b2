/**
 * The gap filler against a scripted trusted RPC and a scripted driver (no I/O, a fake clock):
 * order, requests in flight, the queue limit at and past its bound, patience, and every kind of
 * lie stopping the fill with a back-off.
 */
import { describe, expect, it } from 'vitest'
import {
  GAP_FILL_MAX_IN_FLIGHT,
  GAP_FILL_MAX_QUEUED_BLOCKS,
  GapFiller,
  type GapFillerOptions,
  type GapFillHost,
} from '../../../src/engine/gapFill/gapFiller.ts'
import { GapFillError, type TrustedRpc } from '../../../src/engine/gapFill/trustedRpc.ts'
import type { RpcBlockPayload } from '../../../src/engine/rpcBlock.ts'
import { type Hex, toData } from '../../../src/engine/schema.ts'
import type { GapToFill } from '../../../src/engine/syncDriver.ts'
import { samplePayload } from './helpers.ts'

const hashAt = (n: number, fork = 0): Hex =>
  toData(
    new Uint8Array(32)
      .fill(0)
      .map((_, i) => (i === 0 ? fork : i < 5 ? (n >> (8 * (i - 1))) & 0xff : 0)),
  ) as Hex
const bytes = (h: Hex) => new Uint8Array(Buffer.from(h.slice(2), 'hex'))

function blockAt(n: number, opts: { parent?: Hex; hash?: Hex } = {}): RpcBlockPayload {
  const payload = samplePayload(4)
  payload.blockNumber = BigInt(n)
  payload.blockHash = bytes(opts.hash ?? hashAt(n))
  payload.parentHash = bytes(opts.parent ?? hashAt(n - 1))
  return { version: 4, payload }
}

function scriptedRpc(serve: (n: number) => RpcBlockPayload | null = (n) => blockAt(n)) {
  const asked: number[] = []
  let inFlight = 0
  let maxInFlight = 0
  let chainIdCalls = 0
  let chainIdAnswer: 'ok' | 'wrong' = 'ok'
  let failNext: GapFillError | null = null
  const rpc: TrustedRpc = {
    url: 'http://127.0.0.1:1',
    async checkChainId() {
      chainIdCalls++
      if (chainIdAnswer === 'wrong') throw new GapFillError('wrong-chain', 'chain 1, expected 901')
    },
    async block(at) {
      if (at === 'latest') throw new Error('not scripted')
      asked.push(at)
      const fail = failNext // the next request asked fails (not one still in flight)
      failNext = null
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      await new Promise((r) => setTimeout(r, 1))
      inFlight--
      if (fail !== null) throw fail
      return serve(at)
    },
  }
  return {
    rpc,
    asked,
    get maxInFlight() {
      return maxInFlight
    },
    get chainIdCalls() {
      return chainIdCalls
    },
    setChainId(a: 'ok' | 'wrong') {
      chainIdAnswer = a
    },
    failOnce(err: GapFillError) {
      failNext = err
    },
  }
}

/** A driver whose EL head moves only when the test says so. */
function scriptedHost(from: number, endNumber: number) {
  const state = {
    confirmed: from,
    delivered: [] as number[],
    invalid: new Set<Hex>(),
    gapOpen: true,
  }
  const host: GapFillHost = {
    gapToFill(): GapToFill | null {
      if (!state.gapOpen || state.confirmed >= endNumber) return null
      return {
        confirmed: {
          number: state.confirmed,
          hash: hashAt(state.confirmed),
          parentHash: hashAt(state.confirmed - 1),
          timestamp: 0,
        },
        end: { number: endNumber, hash: hashAt(endNumber) },
      }
    },
    offerFetchedBlock(block) {
      state.delivered.push(Number(block.payload.blockNumber))
    },
    isKnownInvalid: (hash) => state.invalid.has(hash),
    confirmedHead: () => ({
      number: state.confirmed,
      hash: hashAt(state.confirmed),
      parentHash: hashAt(state.confirmed - 1),
      timestamp: 0,
    }),
  }
  return { host, state }
}

function filler(
  host: GapFillHost,
  rpc: TrustedRpc,
  opts: Partial<GapFillerOptions> = {},
  clock = { now: 1_000_000 },
) {
  return new GapFiller(
    { mode: 'rpc', backoffBaseMs: 1_000, backoffMaxMs: 4_000, ...opts },
    { host, rpc, now: () => clock.now },
  )
}

async function stepUntilIdle(f: GapFiller, max = 1_000): Promise<void> {
  for (let i = 0; i < max; i++) if (!(await f.step())) return
}

describe('engine / gapFiller', () => {
  it('fills from the EL head + 1 to the end of the gap, in order, a few requests at a time', async () => {
    const r = scriptedRpc()
    const { host, state } = scriptedHost(10, 60)
    const f = filler(host, r.rpc)
    await stepUntilIdle(f)
    expect(state.delivered).toEqual(Array.from({ length: 50 }, (_, i) => 11 + i))
    expect(r.maxInFlight).toBe(GAP_FILL_MAX_IN_FLIGHT)
    expect(r.chainIdCalls).toBe(1)
    expect(f.status()).toMatchObject({ state: 'filling', blocksFilled: 50, requests: 51 })
    state.confirmed = 60 // the EL took them: the gap is closed
    await f.step()
    expect(f.status()).toMatchObject({ state: 'idle', remainingBlocks: 0 })
  })

  it(`at most ${GAP_FILL_MAX_QUEUED_BLOCKS} blocks ahead of the EL head: at the limit it waits, past it only as the head moves`, async () => {
    const r = scriptedRpc()
    const { host, state } = scriptedHost(0, 1_000)
    const f = filler(host, r.rpc)
    await stepUntilIdle(f)
    expect(state.delivered).toHaveLength(GAP_FILL_MAX_QUEUED_BLOCKS)
    expect(state.delivered.at(-1)).toBe(GAP_FILL_MAX_QUEUED_BLOCKS)
    const asked = r.asked.length
    expect(await f.step()).toBe(false) // at the limit: no request at all
    expect(r.asked).toHaveLength(asked)
    state.confirmed = 1
    await stepUntilIdle(f)
    expect(state.delivered).toHaveLength(GAP_FILL_MAX_QUEUED_BLOCKS + 1)
    expect(state.delivered.at(-1)).toBe(GAP_FILL_MAX_QUEUED_BLOCKS + 1)
  })

  it('el-then-rpc waits the patience without EL progress; progress restarts it', async () => {
    const r = scriptedRpc()
    const { host, state } = scriptedHost(10, 20)
    const clock = { now: 1_000_000 }
    const f = filler(host, r.rpc, { mode: 'el-then-rpc', elSyncPatienceMs: 30_000 }, clock)
    await f.step()
    expect(f.status().state).toBe('waiting')
    clock.now += 29_000
    state.confirmed = 12 // the EL's own sync moved: patience starts again
    await f.step()
    clock.now += 29_000
    await f.step()
    expect(r.asked).toEqual([])
    clock.now += 1_000
    await stepUntilIdle(f)
    expect(state.delivered).toEqual([13, 14, 15, 16, 17, 18, 19, 20])
  })

  it('a block whose parent is not the block before it (or the EL head): broken-link, back-off, then again from the EL head', async () => {
    let lie = true
    const r = scriptedRpc((n) =>
      n === 13 && lie ? blockAt(13, { parent: hashAt(12, 9) }) : blockAt(n),
    )
    const { host, state } = scriptedHost(10, 20)
    const clock = { now: 1_000_000 }
    const f = filler(host, r.rpc, {}, clock)
    await stepUntilIdle(f)
    expect(state.delivered).toEqual([11, 12]) // linked blocks before the lie go; 13 never
    expect(f.status()).toMatchObject({ state: 'backoff', errors: { 'broken-link': 1 } })
    await f.step()
    expect(r.asked).toHaveLength(4) // backing off: not asked again
    lie = false
    clock.now += 1_000
    await stepUntilIdle(f)
    expect(state.delivered.slice(2)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
  })

  it('the block at the end of the gap must be the parent of the blocks above it', async () => {
    const r = scriptedRpc((n) => (n === 20 ? blockAt(20, { hash: hashAt(20, 7) }) : blockAt(n)))
    const { host, state } = scriptedHost(10, 20)
    const f = filler(host, r.rpc)
    await stepUntilIdle(f)
    expect(state.delivered).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19])
    expect(f.status().errors['broken-link']).toBe(1)
  })

  it('wrong chain id: stops before any block is asked, checked again after the back-off', async () => {
    const r = scriptedRpc()
    r.setChainId('wrong')
    const { host } = scriptedHost(10, 20)
    const clock = { now: 1_000_000 }
    const f = filler(host, r.rpc, {}, clock)
    await f.step()
    expect(r.asked).toEqual([])
    expect(f.status().errors['wrong-chain']).toBe(1)
    clock.now += 1_000
    await f.step()
    expect(r.chainIdCalls).toBe(2)
    expect(f.status().errors['wrong-chain']).toBe(2)
  })

  it('a fetched block the EL called INVALID stops the fill (invalid)', async () => {
    const r = scriptedRpc()
    const { host, state } = scriptedHost(10, 30)
    const f = filler(host, r.rpc, { maxInFlight: 2 })
    await f.step()
    expect(state.delivered).toEqual([11, 12])
    state.invalid.add(hashAt(12))
    await f.step()
    expect(f.status()).toMatchObject({ state: 'backoff', errors: { invalid: 1 } })
    expect(state.delivered).toEqual([11, 12])
  })

  it('an RPC that does not have the block yet is not an error; one that fails backs off, doubling', async () => {
    const r = scriptedRpc((n) => (n > 15 ? null : blockAt(n)))
    const { host, state } = scriptedHost(10, 20)
    const clock = { now: 1_000_000 }
    const f = filler(host, r.rpc, {}, clock)
    await stepUntilIdle(f)
    expect(state.delivered).toEqual([11, 12, 13, 14, 15])
    expect(f.status().lastError).toBeNull()
    r.failOnce(new GapFillError('unavailable', 'timeout'))
    await f.step()
    expect(f.status().errors.unavailable).toBe(1)
    clock.now += 999
    const asked = r.asked.length
    await f.step()
    expect(r.asked).toHaveLength(asked) // still backing off (1 s)
    clock.now += 1
    r.failOnce(new GapFillError('unavailable', 'timeout'))
    await f.step()
    expect(f.status().errors.unavailable).toBe(2)
    clock.now += 1_999
    await f.step()
    expect(r.asked).toHaveLength(asked + 4) // second back-off is 2 s
  })

  it('blocks handed over stay watched for INVALID after the gap looks closed, until the EL has them', async () => {
    const r = scriptedRpc()
    const { host, state } = scriptedHost(10, 14)
    const f = filler(host, r.rpc)
    await stepUntilIdle(f)
    expect(state.delivered).toEqual([11, 12, 13, 14])
    state.gapOpen = false // the driver's view: every block is held, nothing left to fetch
    await f.step()
    expect(f.status().state).toBe('idle')
    state.invalid.add(hashAt(13))
    await f.step()
    expect(f.status().errors.invalid).toBe(1)
  })

  it('blocks the EL has are no longer watched', async () => {
    const r = scriptedRpc()
    const { host, state } = scriptedHost(10, 14)
    const f = filler(host, r.rpc)
    await stepUntilIdle(f)
    state.confirmed = 14
    state.invalid.add(hashAt(12)) // (an EL would never do this; it shows the block is forgotten)
    await f.step()
    expect(f.status().errors.invalid).toBe(0)
  })
})
