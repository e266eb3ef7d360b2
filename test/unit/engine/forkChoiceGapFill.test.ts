/**
 * Fetched (gap-fill) blocks in the fork-choice state: sent in order from the EL head even while
 * the gossip chain above does not connect, an FCU names the newest filled block so the EL head
 * climbs the gap without leaving el-syncing, and the target never moves back.
 */
import { describe, expect, it } from 'vitest'
import { type ForkChoiceOptions, ForkChoiceState } from '../../../src/engine/forkChoiceState.ts'
import type { BlockRef, PayloadStatus } from '../../../src/engine/schema.ts'
import { blockRefOf, ZERO_HASH } from '../../../src/engine/schema.ts'
import { buildTestChain } from './helpers.ts'

const t = buildTestChain(12)
const block = (n: number) => t.blocks[n - 1]!.envelope
const ref = (n: number): BlockRef => blockRefOf(block(n).payload)
const genesisRef: BlockRef = {
  hash: t.genesis.hash,
  number: 0,
  parentHash: ZERO_HASH,
  timestamp: t.genesis.timestamp,
}
const OPTS: ForkChoiceOptions = {
  chain: t.chain,
  maxBufferedBlocks: 256,
  maxBufferedBytes: 128 * 2 ** 20,
  retainConfirmedBlocks: 64,
  syncPollIntervalMs: 1_000,
  fcuRefreshIntervalMs: 2_000,
  headPollIntervalMs: 4_000,
}
const VALID: PayloadStatus = { status: 'VALID', latestValidHash: null, validationError: null }
const SYNCING: PayloadStatus = { status: 'SYNCING', latestValidHash: null, validationError: null }

function pass(fc: ForkChoiceState, answer: (n: number) => PayloadStatus) {
  const p = fc.planPass()
  const sent: number[] = []
  let advanced = false
  for (const b of p?.blocks ?? []) {
    if (!fc.blocks.shouldSend(b)) continue
    sent.push(b.ref.number)
    if (fc.onNewPayloadStatus(b, answer(b.ref.number), 0) === 'valid') advanced = true
  }
  return { sent, fcu: fc.endPass(p, advanced) }
}

describe('engine / forkChoiceState: gap-fill blocks', () => {
  it('climbs the gap from the EL head with fetched blocks, FCU to each filled run, then closes at the target', () => {
    const fc = new ForkChoiceState(OPTS)
    fc.onConnected({ latest: genesisRef, safe: null, finalized: null }, 0)
    fc.addBlock(block(10)) // gossip: 1..9 are missing
    const first = pass(fc, () => SYNCING)
    expect(first.sent).toEqual([10])
    expect(first.fcu?.head.number).toBe(10)
    fc.onForkchoiceStatus(ref(10), SYNCING, 0)
    expect(fc.phaseName()).toBe('el-syncing')

    for (const n of [1, 2, 3]) fc.addFetchedBlock(block(n), 1_000)
    expect(fc.counters).toMatchObject({ received: 1, fetched: 3 })
    const filled = pass(fc, () => VALID)
    expect(filled.sent).toEqual([1, 2, 3]) // 10 was sent already
    expect(filled.fcu?.head).toEqual(ref(3))
    fc.onForkchoiceStatus(ref(3), VALID, 0)
    expect(fc.confirmed).toEqual(ref(3))
    expect(fc.target).toEqual(ref(10)) // never back
    expect(fc.phaseName()).toBe('el-syncing') // the gap is not closed yet
    expect(fc.counters.gapsClosed).toBe(0)

    for (let n = 4; n <= 9; n++) fc.addFetchedBlock(block(n), 1_000)
    const rest = pass(fc, () => VALID) // now the gossip chain connects: one pass to the target
    expect(rest.sent).toEqual([4, 5, 6, 7, 8, 9, 10])
    expect(rest.fcu?.head).toEqual(ref(10))
    fc.onForkchoiceStatus(ref(10), VALID, 0)
    expect(fc.phaseName()).toBe('in-sync')
    expect(fc.counters.gapsClosed).toBe(1)
  })

  it('without fetched blocks nothing changes: a non-adjacent block goes alone', () => {
    const fc = new ForkChoiceState(OPTS)
    fc.onConnected({ latest: genesisRef, safe: null, finalized: null }, 0)
    fc.addBlock(block(1))
    fc.addBlock(block(3))
    expect(fc.planPass()?.blocks.map((b) => b.ref.number)).toEqual([3])
    expect(fc.planPass()?.fillHead).toBeUndefined()
  })

  it('fetched blocks at or below the EL head are stale; a fetched block is never the FCU head below it', () => {
    const fc = new ForkChoiceState(OPTS)
    fc.onConnected({ latest: ref(5), safe: null, finalized: null }, 0)
    expect(fc.addFetchedBlock(block(5), 1_000)).toBe(false)
    expect(fc.addFetchedBlock(block(4), 1_000)).toBe(false)
    expect(fc.counters.stale).toBe(2)
    expect(fc.planPass()).toBeNull()
  })
})
