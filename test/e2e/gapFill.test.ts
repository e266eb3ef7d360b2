/**
 * Gap filling from a trusted RPC (`--l2.backup-unsafe-sync-rpc`) over real HTTP on 127.0.0.1:
 * the follower's EL is an el-sim without peers (it cannot EL-sync), the trusted RPC is another
 * el-sim holding the chain (devnet blocks: deposits, EIP-1559, plus legacy and EIP-2930 made with
 * viem), served as op-geth serves eth_getBlockByNumber(n, true).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ElSim } from '../../src/engine/elSim.ts'
import type { EngineDriver, EngineDriverOptions } from '../../src/engine/engineDriver.ts'
import type { GapFillErrorKind } from '../../src/engine/gapFill/trustedRpc.ts'
import {
  buildBranch,
  elSimPayload,
  hashOf,
  startCaptureServer,
  type TestChain,
} from '../unit/engine/helpers.ts'
import {
  type Cleanups,
  confirmedHash,
  engineHarness,
  feed,
  logCapture,
  meta,
  newPayloadNumbers,
  waitUntil,
} from '../utils/engineHarness.ts'
import { buildMixedTxChain } from '../utils/mixedTxChain.ts'

/** Filler timings for tests: quick looks, short back-offs, fast retries. */
const FAST_FILL = {
  checkIntervalMs: 20,
  backoffBaseMs: 200,
  backoffMaxMs: 400,
  retries: 1,
  retryBaseDelayMs: 20,
  retryMaxDelayMs: 40,
  requestTimeoutMs: 2_000,
  headRetryIntervalMs: 50,
} as const

const cleanups: Cleanups = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
const {
  el,
  elWithChain: trustedRpcWith,
  driverFor,
} = engineHarness(cleanups, { gapFillTuning: FAST_FILL })
const waitFor = (what: string, cond: () => boolean, timeoutMs = 10_000) =>
  waitUntil(what, cond, timeoutMs)

/** Every `ms`, the driver's confirmed number: to show the head never goes back. */
function watchConfirmed(driver: EngineDriver, ms = 5): { numbers: number[]; stop: () => void } {
  const numbers: number[] = []
  const timer = setInterval(() => {
    const n = driver.status().confirmed?.number
    if (n !== undefined) numbers.push(n)
  }, ms)
  return { numbers, stop: () => clearInterval(timer) }
}

const nonDecreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x >= xs[i - 1]!)

/** A follower at block `at` whose EL has no peers, then the block at `gapEnd + 1` arrives. */
async function followerWithGap(
  t: TestChain,
  rpcUrl: string,
  opts: { at: number; extra?: Partial<EngineDriverOptions> },
) {
  const sim = await el(t, { noPeers: true })
  const { log, lines } = logCapture()
  const driver = driverFor(t, sim.url, { backupUnsafeSyncRpcUrl: rpcUrl, ...opts.extra }, log)
  await driver.start()
  feed(driver, t.blocks.slice(0, opts.at))
  await waitFor(`block ${opts.at}`, () => confirmedHash(driver) === hashOf(t.blocks[opts.at - 1]!))
  return { sim, driver, lines }
}

describe('e2e / gap fill from a trusted RPC', () => {
  it('an EL without peers closes a 50-block gap in order from the RPC, then follows gossip', async () => {
    const t = await buildMixedTxChain(62)
    const rpc = await trustedRpcWith(t, t.blocks.slice(0, 10))
    const { sim, driver, lines } = await followerWithGap(t, rpc.httpUrl!, {
      at: 10,
      extra: { gapFill: 'rpc' },
    })
    for (const b of t.blocks.slice(10)) rpc.chainState.insertCanonical(elSimPayload(b))
    const watch = watchConfirmed(driver)
    sim.clearCalls()
    driver.onBlock(t.blocks[60]!.envelope, meta()) // block 61: 11..60 never arrive by gossip
    await waitFor('block 61', () => confirmedHash(driver) === hashOf(t.blocks[60]!))
    driver.onBlock(t.blocks[61]!.envelope, meta()) // then gossip again
    await waitFor('block 62', () => confirmedHash(driver) === hashOf(t.blocks[61]!))
    watch.stop()

    const sent = newPayloadNumbers(sim).filter((n) => n >= 11 && n <= 60)
    expect(sent).toEqual(Array.from({ length: 50 }, (_, i) => 11 + i)) // each once, in order
    expect(nonDecreasing(watch.numbers)).toBe(true)
    for (let n = 1; n <= 62; n++) {
      expect(sim.chainState.getCanonical(n)?.hash).toBe(hashOf(t.blocks[n - 1]!))
    }
    const status = driver.status()
    expect(status.gapFill).toMatchObject({ mode: 'rpc', state: 'idle', blocksFilled: 50 })
    expect(status.gapFill!.requests).toBeGreaterThanOrEqual(51) // 50 blocks + eth_chainId
    // 50 gap blocks, plus the RPC's head at start (block 10, which gossip also brought)
    expect(status.counters).toMatchObject({ fetched: 51 })
    const done = lines.find((l) => l.msg === 'gap filled from the backup RPC')
    expect(done).toMatchObject({ blocks: 50 })
    console.log(`gap fill: 50 blocks in ${done?.tookMs} ms (${done?.blocksPerSecond} blocks/s)`)
  })

  it('el-then-rpc: the RPC is asked only after EL sync made no progress for the patience', async () => {
    const t = await buildMixedTxChain(30)
    const rpc = await trustedRpcWith(t, t.blocks.slice(0, 5))
    const { driver, lines } = await followerWithGap(t, rpc.httpUrl!, {
      at: 5,
      extra: { elSyncPatienceMs: 500 },
    })
    for (const b of t.blocks.slice(5)) rpc.chainState.insertCanonical(elSimPayload(b))
    rpc.clearCalls()
    const gapAt = Date.now()
    driver.onBlock(t.blocks[29]!.envelope, meta())
    await waitFor('block 30', () => confirmedHash(driver) === hashOf(t.blocks[29]!))
    const first = rpc.callsOf('eth_getBlockByNumber')[0]!
    expect(first.atMs - gapAt).toBeGreaterThanOrEqual(450)
    const began = lines.find((l) => l.msg === 'filling the gap from the backup RPC')
    expect(began).toMatchObject({ mode: 'el-then-rpc', from: 6, to: 29 })
    expect(began?.elSyncWaitedMs).toBeGreaterThanOrEqual(500)
    expect(driver.status().gapFill).toMatchObject({ mode: 'el-then-rpc', blocksFilled: 24 })
  })

  it('--l2.gap-fill el never asks the backup RPC: the EL without peers stays syncing', async () => {
    const t = await buildMixedTxChain(20)
    const rpc = await trustedRpcWith(t, t.blocks)
    const { driver } = await followerWithGap(t, rpc.httpUrl!, {
      at: 5,
      extra: { gapFill: 'el' },
    })
    driver.onBlock(t.blocks[19]!.envelope, meta())
    await waitFor('syncing', () => driver.status().syncing)
    await new Promise((r) => setTimeout(r, 400))
    expect(rpc.calls).toHaveLength(0)
    expect(driver.status()).toMatchObject({ syncing: true, gapFill: null })
    expect(driver.status().confirmed?.number).toBe(5)
  })

  it('a gap of 200 blocks (past the 128-block queue) closes in order', async () => {
    const t = await buildMixedTxChain(205)
    const rpc = await trustedRpcWith(t, t.blocks.slice(0, 3))
    const { sim, driver } = await followerWithGap(t, rpc.httpUrl!, {
      at: 3,
      extra: { gapFill: 'rpc' },
    })
    for (const b of t.blocks.slice(3)) rpc.chainState.insertCanonical(elSimPayload(b))
    sim.clearCalls()
    const watch = watchConfirmed(driver)
    driver.onBlock(t.blocks[204]!.envelope, meta())
    await waitFor('block 205', () => confirmedHash(driver) === hashOf(t.blocks[204]!), 30_000)
    watch.stop()
    const sent = newPayloadNumbers(sim).filter((n) => n >= 4 && n <= 204)
    expect(sent).toEqual(Array.from({ length: 201 }, (_, i) => 4 + i))
    expect(nonDecreasing(watch.numbers)).toBe(true)
    expect(driver.status().buffer.blocks).toBeLessThanOrEqual(256)
  })

  describe('a trusted RPC that lies is caught, the head never goes back', () => {
    type Tamper = (req: { method: string; params: unknown[] }, answer: unknown) => unknown
    const blockAt = (req: { method: string; params: unknown[] }, n: number) =>
      req.method === 'eth_getBlockByNumber' && req.params[0] === `0x${n.toString(16)}`

    /** A proxy in front of an honest el-sim that changes some answers. */
    async function lyingProxy(upstreamUrl: string, tamper: Tamper): Promise<string> {
      const server = await startCaptureServer(async (req) => {
        const res = await fetch(upstreamUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', ...req }),
        })
        const body = (await res.json()) as { result?: unknown }
        return { body: { ...body, result: tamper(req, body.result) } }
      })
      cleanups.push(server.close)
      return server.url
    }

    async function branchRpc(t: TestChain, from: number): Promise<ElSim> {
      const branch = buildBranch(t, t.blocks[from - 1]!, 5, 99)
      return trustedRpcWith(t, [...t.blocks.slice(0, from), ...branch])
    }

    const cases: Array<{
      kind: GapFillErrorKind
      tamper: (t: TestChain) => Promise<Tamper>
    }> = [
      {
        kind: 'bad-hash',
        tamper: async () => (req, answer) =>
          blockAt(req, 20) ? { ...(answer as object), stateRoot: `0x${'11'.repeat(32)}` } : answer,
      },
      {
        kind: 'broken-link',
        tamper: async (t) => {
          // Block 20 of a branch off block 18: a real block whose parent is not our block 19.
          const branch = await branchRpc(t, 18)
          const other = branch.chainState.getCanonical(20)!
          const json = (await (
            await fetch(branch.httpUrl!, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                jsonrpc: '2.0',
                id: 1,
                method: 'eth_getBlockByHash',
                params: [other.hash, true],
              }),
            })
          ).json()) as { result: unknown }
          return (req, answer) => (blockAt(req, 20) ? json.result : answer)
        },
      },
      {
        kind: 'wrong-chain',
        tamper: async () => (req, answer) => (req.method === 'eth_chainId' ? '0x1' : answer),
      },
    ]

    for (const { kind, tamper } of cases) {
      it(`${kind}: one log line of that kind, the fill stops with a back-off, no crash`, async () => {
        const t = await buildMixedTxChain(40)
        const honest = await trustedRpcWith(t, t.blocks.slice(0, 10))
        const url = await lyingProxy(honest.httpUrl!, await tamper(t))
        const { driver, lines } = await followerWithGap(t, url, {
          at: 10,
          extra: { gapFill: 'rpc' },
        })
        for (const b of t.blocks.slice(10)) honest.chainState.insertCanonical(elSimPayload(b))
        const watch = watchConfirmed(driver)
        driver.onBlock(t.blocks[39]!.envelope, meta())
        await waitFor(`${kind} caught`, () => (driver.status().gapFill?.errors[kind] ?? 0) >= 1)
        await new Promise((r) => setTimeout(r, 300))
        watch.stop()
        const stopped = lines.filter((l) => l.msg === 'backup RPC gap fill stopped')
        expect(stopped.length).toBeGreaterThanOrEqual(1)
        expect(new Set(stopped.map((l) => l.kind))).toEqual(new Set([kind]))
        expect(nonDecreasing(watch.numbers)).toBe(true)
        const status = driver.status()
        expect(status.state).toBe('ready')
        expect(status.confirmed!.number).toBeLessThan(20) // nothing past the lie reached the EL
        expect(status.confirmed!.number).toBeGreaterThanOrEqual(10)
        expect(status.target?.number).toBe(40)
      })
    }

    it('invalid: a block the EL calls INVALID stops the fill for that source', async () => {
      const t = await buildMixedTxChain(30)
      const rpc = await trustedRpcWith(t, t.blocks.slice(0, 10))
      const sim = await el(t, { noPeers: true, invalidHashes: [hashOf(t.blocks[14]!)] })
      const { log, lines } = logCapture()
      const driver = driverFor(
        t,
        sim.url,
        { backupUnsafeSyncRpcUrl: rpc.httpUrl!, gapFill: 'rpc' },
        log,
      )
      await driver.start()
      feed(driver, t.blocks.slice(0, 10))
      await waitFor('block 10', () => confirmedHash(driver) === hashOf(t.blocks[9]!))
      for (const b of t.blocks.slice(10)) rpc.chainState.insertCanonical(elSimPayload(b))
      const watch = watchConfirmed(driver)
      driver.onBlock(t.blocks[29]!.envelope, meta())
      await waitFor('invalid caught', () => driver.status().gapFill!.errors.invalid >= 1)
      watch.stop()
      expect(lines.find((l) => l.msg === 'backup RPC gap fill stopped')).toMatchObject({
        kind: 'invalid',
      })
      expect(
        lines.some((l) => l.msg === 'EL rejected a block from the backup RPC as INVALID'),
      ).toBe(true)
      expect(nonDecreasing(watch.numbers)).toBe(true)
      expect(driver.status().confirmed!.number).toBeLessThan(15)
      expect(driver.status().state).toBe('ready')
    })
  })

  describe('after a restart the sync target comes from the trusted source at once', () => {
    it('--l2.follow.source (an EL): the EL syncs to its head with no gossip block', async () => {
      const t = await buildMixedTxChain(40)
      const up = await trustedRpcWith(t, t.blocks)
      const sim = await el(t, { upstream: up.url })
      const first = driverFor(t, sim.url)
      await first.start()
      feed(first, t.blocks.slice(0, 10))
      await waitFor('block 10', () => confirmedHash(first) === hashOf(t.blocks[9]!))
      await first.stop()

      const { log, lines } = logCapture()
      const second = driverFor(t, sim.url, { followSourceUrl: up.httpUrl! }, log)
      const startedAt = Date.now()
      await second.start()
      await waitFor('block 40', () => confirmedHash(second) === hashOf(t.blocks[39]!))
      expect(
        lines.find((l) => l.msg === 'sync target from the trusted source at start'),
      ).toMatchObject({ source: 'follow-source', target: { number: 40 }, elHead: { number: 10 } })
      expect(Date.now() - startedAt).toBeLessThan(5_000)
      expect(second.status().counters!.received).toBe(0)
    })

    it('--l2.backup-unsafe-sync-rpc: an EL without peers catches up with no gossip block', async () => {
      const t = await buildMixedTxChain(40)
      const rpc = await trustedRpcWith(t, t.blocks)
      const sim = await el(t, { noPeers: true })
      const first = driverFor(t, sim.url)
      await first.start()
      feed(first, t.blocks.slice(0, 10))
      await waitFor('block 10', () => confirmedHash(first) === hashOf(t.blocks[9]!))
      await first.stop()

      // The default mode (el-then-rpc): the EL without peers makes no progress in the patience.
      const third = driverFor(t, sim.url, {
        backupUnsafeSyncRpcUrl: rpc.httpUrl!,
        elSyncPatienceMs: 200,
      })
      await third.start()
      await waitFor('block 40', () => confirmedHash(third) === hashOf(t.blocks[39]!))
      expect(third.status().counters!.received).toBe(0)
      expect(third.status().gapFill).toMatchObject({ blocksFilled: 29 })
      for (let n = 11; n <= 40; n++) {
        expect(sim.chainState.getCanonical(n)?.hash).toBe(hashOf(t.blocks[n - 1]!))
      }
    })
  })
})
