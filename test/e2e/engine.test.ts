/**
 * The sync driver against el-sim over real HTTP with real JWTs on 127.0.0.1: blocks from the
 * devnet block builder are handed to the driver directly (the gossip-mesh version comes with
 * the host). Delays are short so the whole file stays well under a minute.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { BuiltBlock } from '../../src/blocks/blockBuilder.ts'
import type { ElSim } from '../../src/engine/elSim.ts'
import { createEngineDriver } from '../../src/engine/engineDriver.ts'
import { EngineError } from '../../src/engine/errors.ts'
import { envelopeToJson, type Hex } from '../../src/engine/schema.ts'
import {
  buildBranch,
  buildTestChain,
  hashOf,
  JWT_SECRET,
  rpcResult,
  startCaptureServer,
} from '../unit/engine/helpers.ts'
import {
  type Cleanups,
  confirmedHash,
  engineHarness,
  feed,
  logCapture,
  meta,
  newPayloadHashes,
  waitUntil as waitFor,
} from '../utils/engineHarness.ts'

const cleanups: Cleanups = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
const { el, elWithChain: upstreamWith, driverFor } = engineHarness(cleanups)

function fcuHeads(sim: ElSim): Hex[] {
  return sim
    .callsOf('engine_forkchoiceUpdatedV3')
    .map((c) => (c.params[0] as { headBlockHash: Hex }).headBlockHash)
}

describe('e2e / engine', () => {
  it('in order across forks: newPayloadV2/V3/V4 by timestamp, each followed by FCU(head = block)', async () => {
    const l2Time = 1_700_000_000
    const t = buildTestChain(12, {
      forks: {
        canyon: l2Time + 3,
        delta: l2Time + 3,
        ecotone: l2Time + 5,
        fjord: l2Time + 5,
        granite: l2Time + 5,
        holocene: l2Time + 7,
        isthmus: l2Time + 9,
      },
    })
    expect(t.blocks.map((b) => b.version)).toEqual([1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4])
    const sim = await el(t)
    const { log, lines } = logCapture()
    const driver = driverFor(t, sim.url, {}, log)
    await driver.start()
    const connected = lines.find((l) => l.msg === 'EL connected')
    expect(connected).toMatchObject({
      chainId: 901,
      latest: { number: 0, hash: t.genesis.hash },
      safe: null,
      finalized: null,
    })
    expect(JSON.stringify(lines)).not.toContain(Buffer.from(JWT_SECRET).toString('hex'))

    for (const b of t.blocks) {
      driver.onBlock(b.envelope, meta())
      await waitFor(`block ${b.blockNumber}`, () => confirmedHash(driver) === hashOf(b))
    }
    const engineCalls = sim.calls.filter((c) => c.method.startsWith('engine_'))
    const expected = t.blocks.flatMap((b) => [
      `engine_newPayloadV${Math.max(b.version, 2)}:${hashOf(b)}`,
      `engine_forkchoiceUpdatedV3:${hashOf(b)}`,
    ])
    expect(
      engineCalls.map((c) => {
        const p = c.params[0] as { blockHash?: string; headBlockHash?: string }
        return `${c.method}:${p.blockHash ?? p.headBlockHash}`
      }),
    ).toEqual(expected)
    expect(engineCalls.every((c) => c.error === undefined)).toBe(true)
    expect(sim.chainState.head.hash).toBe(hashOf(t.blocks[11]!))
    const status = driver.status()
    expect(status).toMatchObject({ state: 'ready', syncing: false, gapBlocks: 0 })
    expect(status.target?.hash).toBe(hashOf(t.blocks[11]!))
    expect(status.counters).toMatchObject({
      received: 12,
      newPayloadCalls: 12,
      forkchoiceUpdatedCalls: 12,
      invalid: 0,
    })
  })

  it('out-of-order delivery: late blocks are applied in order, FCU heads never go back', async () => {
    const t = buildTestChain(12)
    const sim = await el(t)
    const driver = driverFor(t, sim.url)
    await driver.start()
    const b = (n: number) => t.blocks[n - 1]!
    feed(driver, [1, 2, 3].map(b))
    await waitFor('block 3', () => confirmedHash(driver) === hashOf(b(3)))
    for (const n of [5, 4, 8, 6, 7, 12, 10, 9, 11]) {
      driver.onBlock(b(n).envelope, meta())
      await new Promise((r) => setTimeout(r, 15))
    }
    await waitFor('block 12', () => confirmedHash(driver) === hashOf(b(12)))
    expect(sim.chainState.head.hash).toBe(hashOf(b(12)))
    for (let n = 1; n <= 12; n++) expect(sim.chainState.getCanonical(n)?.hash).toBe(hashOf(b(n)))
    const numberOf = new Map(t.blocks.map((x) => [hashOf(x), Number(x.blockNumber)]))
    const heads = fcuHeads(sim).map((h) => numberOf.get(h)!)
    for (let i = 1; i < heads.length; i++) expect(heads[i]!).toBeGreaterThanOrEqual(heads[i - 1]!)
    expect(driver.status().counters!.gapsClosed).toBeGreaterThanOrEqual(1)
  })

  it('a 50-block gap is closed by EL sync from an upstream, with no req-resp and no resends', async () => {
    const t = buildTestChain(62)
    const up = await upstreamWith(t, t.blocks)
    const sim = await el(t, { upstream: up.url, syncDelayMs: 300 })
    const { log, lines } = logCapture()
    const driver = driverFor(t, sim.url, {}, log)
    await driver.start()
    feed(driver, t.blocks.slice(0, 10))
    await waitFor('block 10', () => confirmedHash(driver) === hashOf(t.blocks[9]!))

    driver.onBlock(t.blocks[60]!.envelope, meta()) // block 61: blocks 11..60 never arrive
    await waitFor('syncing', () => driver.status().syncing)
    const during = driver.status()
    expect(during.confirmed?.number).toBe(10) // SYNCING never moves the confirmed head
    expect(during.target?.number).toBe(61)
    expect(during.gapBlocks).toBe(51)
    driver.onBlock(t.blocks[61]!.envelope, meta()) // block 62 while the EL syncs
    await waitFor('block 62', () => confirmedHash(driver) === hashOf(t.blocks[61]!))

    const sent = new Set(newPayloadHashes(sim))
    for (const b of t.blocks.slice(10, 60)) expect(sent.has(hashOf(b))).toBe(false)
    expect(sim.chainState.getCanonical(35)?.hash).toBe(hashOf(t.blocks[34]!))
    expect(up.callsOf('elsim_getPayloadByHash').length).toBeGreaterThanOrEqual(50)
    const closed = lines.find((l) => l.msg === 'EL caught up with the target')
    expect(closed).toMatchObject({ head: { number: 62 }, gapBlocks: 52 })
    expect(closed?.tookMs).toBeGreaterThanOrEqual(250)
    expect(driver.status()).toMatchObject({ syncing: false, gapBlocks: 0 })
    expect(driver.status().counters!.gapsClosed).toBe(1)
  })

  it('EL restart mid-stream (down, state rewound): the driver keeps blocks, retries, resumes from re-read heads', async () => {
    const t = buildTestChain(16)
    const sim = await el(t)
    const { log, lines } = logCapture()
    const driver = driverFor(t, sim.url, {}, log)
    await driver.start()
    feed(driver, t.blocks.slice(0, 10))
    await waitFor('block 10', () => confirmedHash(driver) === hashOf(t.blocks[9]!))

    const restarting = sim.restart({ rewindToNumber: 5, downMs: 400 })
    await new Promise((r) => setTimeout(r, 50))
    feed(driver, t.blocks.slice(10, 15)) // gossip goes on while the EL is away
    await waitFor('EL down noticed', () => driver.status().state === 'el-down')
    await restarting
    await waitFor('block 15', () => confirmedHash(driver) === hashOf(t.blocks[14]!))
    expect(sim.chainState.head.hash).toBe(hashOf(t.blocks[14]!))
    for (let n = 6; n <= 15; n++)
      expect(sim.chainState.getCanonical(n)?.hash).toBe(hashOf(t.blocks[n - 1]!))
    expect(
      lines.some((l) => l.msg === 'EL went away, keeping the newest blocks and retrying'),
    ).toBe(true)
    const reconnect = lines.filter((l) => l.msg === 'EL connected').at(-1)
    expect(reconnect).toMatchObject({ latest: { number: 5 } })
    expect(driver.status().counters!.resets).toBeGreaterThanOrEqual(1)
  })

  it('EL restart that loses everything between two calls: noticed and replayed from the buffer', async () => {
    const t = buildTestChain(12)
    const sim = await el(t)
    const driver = driverFor(t, sim.url)
    await driver.start()
    feed(driver, t.blocks.slice(0, 8))
    await waitFor('block 8', () => confirmedHash(driver) === hashOf(t.blocks[7]!))
    await sim.restart({ keepChain: false })
    expect(sim.chainState.head.number).toBe(0)
    feed(driver, t.blocks.slice(8, 12))
    await waitFor('block 12 on the EL', () => sim.chainState.head.hash === hashOf(t.blocks[11]!))
    await waitFor('block 12 confirmed', () => confirmedHash(driver) === hashOf(t.blocks[11]!))
    for (let n = 1; n <= 12; n++)
      expect(sim.chainState.getCanonical(n)?.hash).toBe(hashOf(t.blocks[n - 1]!))
    expect(driver.status().counters!.resets).toBeGreaterThanOrEqual(1)
  })

  it('a wrong JWT secret fails start with a clear 401 / JWT error', async () => {
    const t = buildTestChain(1)
    const sim = await el(t)
    const driver = createEngineDriver({
      chain: t.chain,
      engineUrl: sim.url,
      jwtSecret: new Uint8Array(32).fill(9),
    })
    cleanups.push(() => driver.stop())
    const err = await driver.start().then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).code).toBe('ENGINE_AUTH_FAILED')
    expect((err as EngineError).message).toMatch(/HTTP 401.*signature is invalid.*JWT secret/)
    expect(sim.calls).toHaveLength(0)
  })

  it('a wrong chain id fails start naming both ids', async () => {
    const t = buildTestChain(1)
    const sim = await el(t, { chain: { ...t.chain, chainId: 10 } })
    const driver = driverFor(t, sim.url)
    await expect(driver.start()).rejects.toThrow(
      /reports chain id 10, but the chain config says 901/,
    )
  })

  it('an INVALID block is remembered, counted, never re-sent, and its children are dropped', async () => {
    const t = buildTestChain(8)
    const bad = t.blocks[5]! // block 6
    const sim = await el(t, { invalidHashes: [hashOf(bad)] })
    const { log, lines } = logCapture()
    const driver = driverFor(t, sim.url, {}, log)
    await driver.start()
    feed(driver, t.blocks.slice(0, 6))
    await waitFor('block 5', () => confirmedHash(driver) === hashOf(t.blocks[4]!))
    await waitFor('INVALID counted', () => driver.status().counters!.invalid === 1)
    feed(driver, [bad, bad, t.blocks[6]!, t.blocks[7]!]) // again, and its descendants
    await new Promise((r) => setTimeout(r, 150))
    expect(newPayloadHashes(sim).filter((h) => h === hashOf(bad))).toHaveLength(1)
    expect(newPayloadHashes(sim)).not.toContain(hashOf(t.blocks[6]!))
    expect(fcuHeads(sim)).not.toContain(hashOf(bad))
    const status = driver.status()
    expect(status.confirmed?.number).toBe(5)
    expect(status.target?.number).toBe(5)
    expect(status.counters!.invalid).toBe(1)
    expect(status.counters!.ignoredInvalid).toBe(4)
    const logged = lines.find(
      (l) => l.msg === 'EL rejected a block as INVALID: the sequencer signed an invalid block',
    )
    expect(logged).toMatchObject({
      level: 50,
      block: { number: 6, hash: hashOf(bad) },
      latestValidHash: hashOf(t.blocks[4]!),
    })
    expect(String(logged?.validationError)).toMatch(/configured as invalid/)
  })

  it('a competing branch: no step back to a sibling, then a later block on it reorgs the EL', async () => {
    const t = buildTestChain(10)
    const branch = buildBranch(t, t.blocks[6]!, 6, 55) // 8'..13' on top of block 7
    const up = await upstreamWith(t, [...t.blocks.slice(0, 7), ...branch])
    const sim = await el(t, { upstream: up.url })
    const { log, lines } = logCapture()
    const driver = driverFor(t, sim.url, {}, log)
    await driver.start()
    feed(driver, t.blocks)
    await waitFor('block 10', () => confirmedHash(driver) === hashOf(t.blocks[9]!))

    feed(driver, [branch[1]!]) // 9': a different block at a height the node has
    await new Promise((r) => setTimeout(r, 100))
    expect(newPayloadHashes(sim)).not.toContain(hashOf(branch[1]!))
    expect(confirmedHash(driver)).toBe(hashOf(t.blocks[9]!))
    expect(driver.status().counters!.stale).toBe(1)

    feed(driver, [branch[3]!]) // 11' builds on the other branch: non-adjacent, the EL syncs and reorgs
    await waitFor("block 11'", () => confirmedHash(driver) === hashOf(branch[3]!), 6_000)
    expect(sim.chainState.getCanonical(8)?.hash).toBe(hashOf(branch[0]!))
    expect(sim.chainState.getCanonical(7)?.hash).toBe(hashOf(t.blocks[6]!))
    feed(driver, [branch[4]!]) // 12' is adjacent again
    await waitFor("block 12'", () => confirmedHash(driver) === hashOf(branch[4]!))
    expect(lines.some((l) => l.msg === 'EL caught up with the target')).toBe(true)
  })

  it('a restarted driver resumes from the EL heads', async () => {
    const t = buildTestChain(12)
    const sim = await el(t)
    const first = driverFor(t, sim.url)
    await first.start()
    feed(first, t.blocks.slice(0, 10))
    await waitFor('block 10', () => confirmedHash(first) === hashOf(t.blocks[9]!))
    await first.stop()

    const second = driverFor(t, sim.url)
    await second.start()
    expect(second.status()).toMatchObject({ state: 'ready', gapBlocks: 0 })
    expect(second.status().confirmed?.hash).toBe(hashOf(t.blocks[9]!))
    expect(second.status().target?.hash).toBe(hashOf(t.blocks[9]!))
    sim.clearCalls()
    feed(second, t.blocks.slice(8, 12)) // 9 and 10 are old news now
    await waitFor('block 12', () => confirmedHash(second) === hashOf(t.blocks[11]!))
    expect(newPayloadHashes(sim)).toEqual([hashOf(t.blocks[10]!), hashOf(t.blocks[11]!)])
    expect(second.status().counters!.stale).toBe(2)
  })

  it('the buffer at and past its limit while the EL is away: oldest dropped, the newest reaches the EL', async () => {
    const t = buildTestChain(14)
    const up = await upstreamWith(t, t.blocks)
    const sim = await el(t, { upstream: up.url })
    const driver = driverFor(t, sim.url, {
      sync: { maxBufferedBlocks: 8, retainConfirmedBlocks: 0 },
    })
    await driver.start()
    feed(driver, t.blocks.slice(0, 2))
    await waitFor('block 2', () => confirmedHash(driver) === hashOf(t.blocks[1]!))
    await sim.stop()

    feed(driver, t.blocks.slice(2, 10)) // blocks 3..10: exactly the limit
    await waitFor('EL down noticed', () => driver.status().state === 'el-down')
    expect(driver.status().buffer.blocks).toBe(8)
    expect(driver.status().counters!.evicted).toBe(0)
    feed(driver, t.blocks.slice(10, 14)) // 11..14: four past the limit, 3..6 go
    expect(driver.status().buffer.blocks).toBe(8)
    expect(driver.status().counters!.evicted).toBe(4)
    feed(driver, [t.blocks[3]!]) // a late old block into the full buffer is itself the oldest
    expect(driver.status().counters!.evicted).toBe(5)

    sim.clearCalls()
    await sim.start()
    await waitFor('block 14', () => confirmedHash(driver) === hashOf(t.blocks[13]!))
    const sent = newPayloadHashes(sim)
    expect(sent).toContain(hashOf(t.blocks[13]!))
    for (const n of [3, 4, 5, 6]) expect(sent).not.toContain(hashOf(t.blocks[n - 1]!))
    expect(sim.chainState.getCanonical(5)?.hash).toBe(hashOf(t.blocks[4]!)) // filled by EL sync
  })

  it('an EL that is not up at start does not stop the driver; it connects later and catches up', async () => {
    const t = buildTestChain(4)
    const sim = await el(t)
    await sim.stop()
    const driver = driverFor(t, sim.url)
    await driver.start() // resolves: gossip must not wait for the EL
    expect(driver.status().state).toBe('el-down')
    feed(driver, t.blocks)
    await sim.start()
    await waitFor('block 4', () => confirmedHash(driver) === hashOf(t.blocks[3]!))
  })

  it('--l2.follow.source (EL): safe / finalized are forwarded once the EL has them canonical', async () => {
    const t = buildTestChain(10)
    const up = await upstreamWith(t, t.blocks.slice(0, 10))
    up.chainState.forkchoiceUpdated({
      headBlockHash: hashOf(t.blocks[9]!),
      safeBlockHash: hashOf(t.blocks[7]!),
      finalizedBlockHash: hashOf(t.blocks[3]!),
    })
    const sim = await el(t)
    const driver = driverFor(t, sim.url, { followSourceUrl: up.httpUrl!, followPollIntervalMs: 30 })
    await driver.start()
    feed(driver, t.blocks.slice(0, 6)) // the EL has only 1..6: safe (8) must wait
    await waitFor('block 6', () => confirmedHash(driver) === hashOf(t.blocks[5]!))
    await waitFor('finalized 4', () => driver.status().finalized?.number === 4)
    await new Promise((r) => setTimeout(r, 100))
    expect(driver.status().safe).toBeNull()
    feed(driver, t.blocks.slice(6, 10))
    await waitFor('safe 8', () => driver.status().safe?.number === 8)
    await waitFor(
      'EL labels',
      () => sim.chainState.safe?.number === 8 && sim.chainState.finalized?.number === 4,
    )
    expect(driver.status().followSource).toMatchObject({ kind: 'el' })
  })

  it('--l2.follow.source (op-node): optimism_syncStatus safe_l2 / finalized_l2', async () => {
    const t = buildTestChain(6)
    const ref = (b: BuiltBlock) => ({
      hash: hashOf(b),
      number: Number(b.blockNumber),
      parentHash: '0x00',
      timestamp: 0,
    })
    const opNode = await startCaptureServer((req) =>
      rpcResult(req.id, {
        unsafe_l2: ref(t.blocks[5]!),
        safe_l2: ref(t.blocks[4]!),
        finalized_l2: ref(t.blocks[2]!),
      }),
    )
    cleanups.push(opNode.close)
    const sim = await el(t)
    const driver = driverFor(t, sim.url, { followSourceUrl: opNode.url, followPollIntervalMs: 30 })
    await driver.start()
    feed(driver, t.blocks)
    await waitFor(
      'EL labels',
      () => sim.chainState.safe?.number === 5 && sim.chainState.finalized?.number === 3,
    )
    expect(driver.status().followSource).toMatchObject({ kind: 'op-node' })
  })

  it('--l2.admin-rpc posts each block to op-node with admin_postUnsafePayload, besides the Engine API', async () => {
    const t = buildTestChain(3)
    const opNode = await startCaptureServer((req) => rpcResult(req.id, null))
    cleanups.push(opNode.close)
    const sim = await el(t)
    const driver = driverFor(t, sim.url, { adminRpcUrl: opNode.url })
    await driver.start()
    feed(driver, t.blocks)
    await waitFor('3 posts', () => driver.status().adminRpc?.posted === 3)
    await waitFor('block 3', () => confirmedHash(driver) === hashOf(t.blocks[2]!))
    const bodies = opNode.requests.map(
      (r) => JSON.parse(r.body) as { method: string; params: unknown[] },
    )
    expect(bodies.map((b) => b.method)).toEqual(Array(3).fill('admin_postUnsafePayload'))
    expect(bodies[0]!.params).toEqual([
      JSON.parse(JSON.stringify(envelopeToJson(t.blocks[0]!.envelope))),
    ])
    expect(opNode.requests[0]!.headers.authorization).toBeUndefined()

    const adminOnly = createEngineDriver({ chain: t.chain, adminRpcUrl: opNode.url })
    cleanups.push(() => adminOnly.stop())
    await adminOnly.start()
    adminOnly.onBlock(t.blocks[0]!.envelope, meta())
    await waitFor('admin-only post', () => adminOnly.status().adminRpc?.posted === 1)
    expect(adminOnly.status().state).toBe('disabled')
  })
})
