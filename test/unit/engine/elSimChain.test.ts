import { describe, expect, it } from 'vitest'
import { createBlockBuilder } from '../../../src/blocks/blockBuilder.ts'
import {
  ELSIM_MAX_REMOTE_HEADERS,
  ElSimChain,
  ElSimRpcError,
} from '../../../src/engine/elSimChain.ts'
import { type Hex, ZERO_HASH } from '../../../src/engine/schema.ts'
import { buildBranch, buildTestChain, elSimPayload, hashOf, SEQUENCER_KEY } from './helpers.ts'

const t = buildTestChain(12)
const fcu = (head: Hex, safe: Hex = ZERO_HASH, finalized: Hex = ZERO_HASH) => ({
  headBlockHash: head,
  safeBlockHash: safe,
  finalizedBlockHash: finalized,
})
const block = (n: number) => t.blocks[n - 1]!

function newChain(extra: Partial<ConstructorParameters<typeof ElSimChain>[0]> = {}) {
  return new ElSimChain({ chain: t.chain, genesis: t.genesis, syncDelayMs: 10, ...extra })
}

function withChain(sim: ElSimChain, upTo: number) {
  for (let n = 1; n <= upTo; n++)
    expect(sim.insertCanonical(elSimPayload(block(n))).status).toBe('VALID')
}

describe('engine / elSimChain', () => {
  it('executes a block on a known parent: VALID, not canonical until FCU', () => {
    const sim = newChain()
    expect(sim.newPayload(elSimPayload(block(1)))).toEqual({
      status: 'VALID',
      latestValidHash: hashOf(block(1)),
      validationError: null,
    })
    expect(sim.head.number).toBe(0)
    expect(sim.forkchoiceUpdated(fcu(hashOf(block(1)))).status).toBe('VALID')
    expect(sim.head.hash).toBe(hashOf(block(1)))
    // known block: VALID again without re-execution
    expect(sim.newPayload(elSimPayload(block(1))).status).toBe('VALID')
  })

  it('a wrong block hash is INVALID with a validationError naming both hashes', () => {
    const sim = newChain()
    const data = elSimPayload(block(1))
    const tampered = { ...data, payload: { ...data.payload, gasUsed: data.payload.gasUsed + 1n } }
    const res = sim.newPayload(tampered)
    expect(res.status).toBe('INVALID')
    expect(res.latestValidHash).toBeNull()
    expect(res.validationError).toMatch(
      /blockhash mismatch, want 0x[0-9a-f]{64}, got 0x[0-9a-f]{64}/,
    )
  })

  it('unknown parent: SYNCING, header remembered (at most 96, oldest forgotten)', () => {
    const sim = newChain()
    expect(sim.newPayload(elSimPayload(block(3)))).toEqual({
      status: 'SYNCING',
      latestValidHash: null,
      validationError: null,
    })
    expect(sim.hasRemoteHeader(hashOf(block(3)))).toBe(true)
    const many = buildTestChain(ELSIM_MAX_REMOTE_HEADERS + 2, { seed: 9 })
    for (const b of many.blocks.slice(1)) sim.newPayload(elSimPayload(b)) // parents unknown here
    expect(sim.remoteHeaderCount).toBe(ELSIM_MAX_REMOTE_HEADERS)
    expect(sim.hasRemoteHeader(hashOf(block(3)))).toBe(false)
    expect(sim.hasRemoteHeader(hashOf(many.blocks.at(-1)!))).toBe(true)
  })

  it('configured invalid hash: INVALID with latestValidHash = parent, remembered; children too', () => {
    const sim = newChain({ invalidHashes: [hashOf(block(2))] })
    withChain(sim, 1)
    const res = sim.newPayload(elSimPayload(block(2)))
    expect(res).toMatchObject({ status: 'INVALID', latestValidHash: hashOf(block(1)) })
    expect(res.validationError).toMatch(/configured as invalid/)
    expect(sim.isRejected(hashOf(block(2)))).toBe(true)
    const child = sim.newPayload(elSimPayload(block(3)))
    expect(child).toMatchObject({
      status: 'INVALID',
      validationError: 'links to previously rejected block',
    })
    expect(sim.forkchoiceUpdated(fcu(hashOf(block(2)))).status).toBe('INVALID')
  })

  it('parent known without state (after a restart lost it): ACCEPTED', () => {
    const sim = newChain()
    withChain(sim, 6)
    sim.restart({ rewindToNumber: 3, keepBlocksWithoutState: true })
    expect(sim.head.number).toBe(3)
    expect(sim.newPayload(elSimPayload(block(7))).status).toBe('ACCEPTED')
  })

  it('FCU to a never-seen head: SYNCING without syncing', async () => {
    const upstream = newChain()
    withChain(upstream, 5)
    const sim = newChain({ upstream: { getPayloadByHash: async (h) => upstream.payloadByHash(h) } })
    expect(sim.forkchoiceUpdated(fcu(hashOf(block(5)))).status).toBe('SYNCING')
    expect(sim.syncProgress).toBeNull()
    await sim.idle()
    expect(sim.head.number).toBe(0)
  })

  it('FCU to an announced unknown head: SYNCING, then the sync from the upstream completes', async () => {
    const upstream = newChain()
    withChain(upstream, 10)
    const sim = newChain({ upstream: { getPayloadByHash: async (h) => upstream.payloadByHash(h) } })
    withChain(sim, 2)
    expect(sim.newPayload(elSimPayload(block(10))).status).toBe('SYNCING')
    expect(sim.forkchoiceUpdated(fcu(hashOf(block(10)))).status).toBe('SYNCING')
    expect(sim.syncProgress).toMatchObject({
      target: hashOf(block(10)),
      startingBlock: 2,
      highestBlock: 10,
    })
    await sim.idle()
    expect(sim.head.hash).toBe(hashOf(block(10)))
    expect(sim.getCanonical(6)?.hash).toBe(hashOf(block(6)))
    expect(sim.forkchoiceUpdated(fcu(hashOf(block(10)))).status).toBe('VALID')
  })

  it('a sync whose upstream lacks the blocks keeps SYNCING (no peers have it)', async () => {
    const sim = newChain({ upstream: { getPayloadByHash: async () => null }, syncDelayMs: 5 })
    sim.newPayload(elSimPayload(block(4)))
    expect(sim.forkchoiceUpdated(fcu(hashOf(block(4)))).status).toBe('SYNCING')
    await new Promise((r) => setTimeout(r, 50))
    expect(sim.syncProgress?.target).toBe(hashOf(block(4)))
    expect(sim.head.number).toBe(0)
    sim.restart() // a restart forgets the sync
    expect(sim.syncProgress).toBeNull()
  })

  it('no peers: SYNCING until newPayload brings the missing blocks; the FCU that reaches the target ends the sync', async () => {
    const sim = newChain({ syncDelayMs: 5 })
    withChain(sim, 2)
    expect(sim.upstream).toBeNull()
    expect(sim.newPayload(elSimPayload(block(6))).status).toBe('SYNCING')
    expect(sim.forkchoiceUpdated(fcu(hashOf(block(6)))).status).toBe('SYNCING')
    await new Promise((r) => setTimeout(r, 50))
    expect(sim.forkchoiceUpdated(fcu(hashOf(block(6)))).status).toBe('SYNCING')
    expect(sim.syncProgress).toMatchObject({
      target: hashOf(block(6)),
      startingBlock: 2,
      highestBlock: 6,
    })
    expect(sim.head.number).toBe(2)
    for (let n = 3; n <= 6; n++) expect(sim.newPayload(elSimPayload(block(n))).status).toBe('VALID')
    expect(sim.forkchoiceUpdated(fcu(hashOf(block(6)))).status).toBe('VALID')
    expect(sim.syncProgress).toBeNull()
    // the next head right away: the finished sync must not move the head back to its target
    expect(sim.insertCanonical(elSimPayload(block(7))).status).toBe('VALID')
    await new Promise((r) => setTimeout(r, 50))
    expect(sim.head.hash).toBe(hashOf(block(7)))
  })

  it('-38002 for a safe / finalized that is unknown or not canonical, after applying the head', () => {
    const sim = newChain()
    withChain(sim, 5)
    const side = buildBranch(t, block(2), 2, 77)
    sim.newPayload(elSimPayload(side[0]!))
    let err: unknown
    try {
      sim.forkchoiceUpdated(fcu(hashOf(block(5)), hashOf(side[0]!)))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ElSimRpcError)
    expect((err as ElSimRpcError).rpcCode).toBe(-38002)
    expect(sim.head.number).toBe(5)
    expect(() =>
      sim.forkchoiceUpdated(fcu(hashOf(block(5)), ZERO_HASH, hashOf(block(12)))),
    ).toThrow(/final block/)
    expect(
      sim.forkchoiceUpdated(fcu(hashOf(block(5)), hashOf(block(4)), hashOf(block(2)))).status,
    ).toBe('VALID')
    expect(sim.safe?.number).toBe(4)
    expect(sim.finalized?.number).toBe(2)
  })

  it('zero head is INVALID (op-geth)', () => {
    expect(newChain().forkchoiceUpdated(fcu(ZERO_HASH)).status).toBe('INVALID')
  })

  it('reorgs to a known side branch on FCU, and rewinds to an older canonical block (OP geth)', () => {
    const sim = newChain()
    withChain(sim, 6)
    const side = buildBranch(t, block(3), 4, 78)
    for (const b of side) expect(sim.newPayload(elSimPayload(b)).status).toBe('VALID')
    expect(sim.forkchoiceUpdated(fcu(hashOf(side[3]!))).status).toBe('VALID')
    expect(sim.head.hash).toBe(hashOf(side[3]!))
    expect(sim.getCanonical(4)?.hash).toBe(hashOf(side[0]!))
    expect(sim.getCanonical(3)?.hash).toBe(hashOf(block(3)))
    expect(sim.forkchoiceUpdated(fcu(hashOf(block(2)))).status).toBe('VALID')
    expect(sim.head.number).toBe(2)
    expect(sim.getCanonical(3)).toBeUndefined()
  })

  it('a restart without the chain goes back to genesis', () => {
    const sim = newChain()
    withChain(sim, 3)
    sim.restart({ keepChain: false })
    expect(sim.head.hash).toBe(t.genesis.hash)
    expect(sim.getBlock(hashOf(block(1)))).toBeUndefined()
  })

  it('rejects a block that does not link by number or by timestamp (hash itself valid)', () => {
    const sim = newChain()
    withChain(sim, 1)
    const parent = block(1)
    const builder = createBlockBuilder({
      chain: t.chain,
      privateKey: SEQUENCER_KEY,
      txCount: 1,
      seed: 80,
      parent: { hash: parent.blockHash, number: parent.blockNumber, timestamp: parent.timestamp },
    })
    const skipped = builder.next({ modify: (p) => (p.blockNumber += 1n) })
    expect(sim.newPayload(elSimPayload(skipped))).toMatchObject({
      status: 'INVALID',
      latestValidHash: hashOf(parent),
    })
    const builder2 = createBlockBuilder({
      chain: t.chain,
      privateKey: SEQUENCER_KEY,
      txCount: 1,
      seed: 81,
      parent: { hash: parent.blockHash, number: parent.blockNumber, timestamp: parent.timestamp },
    })
    const sameTime = builder2.next({ timestamp: parent.timestamp })
    expect(sim.newPayload(elSimPayload(sameTime)).validationError).toMatch(/invalid timestamp/)
  })

  it('a hook can force INVALID (with its validationError), SYNCING or ACCEPTED', () => {
    for (const forced of ['SYNCING', 'ACCEPTED'] as const) {
      const sim = newChain({ newPayloadHook: () => ({ status: forced }) })
      expect(sim.newPayload(elSimPayload(block(1))).status).toBe(forced)
      expect(sim.getBlock(hashOf(block(1)))).toBeUndefined()
    }
    const sim = newChain({
      newPayloadHook: (b) =>
        b.number === 2 ? { status: 'INVALID', validationError: 'state root mismatch' } : undefined,
    })
    withChain(sim, 1)
    expect(sim.newPayload(elSimPayload(block(2)))).toMatchObject({
      status: 'INVALID',
      latestValidHash: hashOf(block(1)),
      validationError: 'state root mismatch',
    })
  })
})
