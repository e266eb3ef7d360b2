/**
 * The sync driver's fork-choice state on its own: every EL answer and what it does to target /
 * confirmed / safe / finalized and the phase. No timers, no EL: answers are handed in the way
 * the loop (syncDriver.ts) hands them, and time is a number.
 */
import { describe, expect, it } from 'vitest'
import type { ElHeads } from '../../../src/engine/engineClient.ts'
import { EngineError } from '../../../src/engine/errors.ts'
import { type ForkChoiceOptions, ForkChoiceState } from '../../../src/engine/forkChoiceState.ts'
import { nextSafeFinalized, safeFinalizedChecks } from '../../../src/engine/safeFinalized.ts'
import type { BlockRef, Hex, PayloadStatus } from '../../../src/engine/schema.ts'
import { blockRefOf, ZERO_HASH } from '../../../src/engine/schema.ts'
import type { ForkchoiceRequest } from '../../../src/engine/syncPhase.ts'
import { buildBranch, buildTestChain } from './helpers.ts'

const t = buildTestChain(8)
const block = (n: number) => t.blocks[n - 1]!.envelope
const ref = (n: number): BlockRef => (n === 0 ? genesisRef : blockRefOf(block(n).payload))
const genesisRef: BlockRef = {
  hash: t.genesis.hash,
  number: 0,
  parentHash: ZERO_HASH,
  timestamp: t.genesis.timestamp,
}
const heads = (latest: BlockRef, safe: BlockRef | null = null, finalized: BlockRef | null = null) =>
  ({ latest, safe, finalized }) satisfies ElHeads

const OPTS: ForkChoiceOptions = {
  chain: t.chain,
  maxBufferedBlocks: 256,
  maxBufferedBytes: 128 * 2 ** 20,
  retainConfirmedBlocks: 64,
  syncPollIntervalMs: 1_000,
  fcuRefreshIntervalMs: 2_000,
  headPollIntervalMs: 4_000,
}

const status = (s: PayloadStatus['status'], latestValidHash: Hex | null = null): PayloadStatus => ({
  status: s,
  latestValidHash,
  validationError: s.startsWith('INVALID') ? 'bad' : null,
})
const INVALID_STATUSES = ['INVALID', 'INVALID_BLOCK_HASH', 'INVALID_TERMINAL_BLOCK'] as const

function connected(elHeads: ElHeads = heads(genesisRef), nowMs = 0): ForkChoiceState {
  const fc = new ForkChoiceState(OPTS)
  fc.onConnected(elHeads, nowMs)
  return fc
}

/**
 * One send pass as the loop runs it: each planned block that should go gets `answer(n)`
 * (VALID by default); returns the numbers sent, whether the pass stopped, and the FCU request.
 */
function runPass(
  fc: ForkChoiceState,
  answer: (n: number) => PayloadStatus = () => status('VALID'),
  nowMs = 0,
): { sent: number[]; stopped: boolean; fcu: ForkchoiceRequest | null } {
  const pass = fc.planPass()
  const sent: number[] = []
  let advanced = false
  for (const b of pass?.blocks ?? []) {
    if (!fc.blocks.shouldSend(b)) continue
    sent.push(b.ref.number)
    const next = fc.onNewPayloadStatus(b, answer(b.ref.number), nowMs)
    if (next === 'stop' || next === 'check-head') return { sent, stopped: true, fcu: null }
    if (next === 'valid') advanced = true
  }
  return { sent, stopped: false, fcu: fc.endPass(pass, advanced) }
}

describe('engine / forkChoiceState', () => {
  describe('EL heads', () => {
    it('has no heads until connected; the EL heads make it in sync and schedule a head poll', () => {
      const fc = new ForkChoiceState(OPTS)
      expect(fc.phaseName()).toBe('no-heads')
      expect(fc.pollDue(1e12)).toBe(false)
      fc.onConnected(heads(genesisRef, genesisRef, null), 100)
      expect(fc.phaseName()).toBe('in-sync')
      expect(fc).toMatchObject({ target: genesisRef, confirmed: genesisRef, safe: genesisRef })
      expect(fc.pollAtMs).toBe(100 + OPTS.headPollIntervalMs)
      expect(fc.forkchoiceOwed).toBe(false)
      expect(fc.pollDue(4_099)).toBe(false)
      expect(fc.pollDue(4_100)).toBe(true)
      fc.pollDone(4_100)
      expect(fc.pollAtMs).toBe(8_100)
    })

    it('an EL restart that lost blocks: heads re-read, the buffered target kept and replayed in order', () => {
      const fc = connected()
      for (const n of [1, 2, 3]) fc.addBlock(block(n))
      const { sent, fcu } = runPass(fc)
      expect(sent).toEqual([1, 2, 3])
      fc.onForkchoiceStatus(fcu!.head, status('VALID'), 0)
      // The EL answers latest = 1 now: it went back.
      expect(fc.onLatest(ref(1), 10)).toEqual({ next: 'reset' })
      expect(fc.phaseName()).toBe('head-lost')
      fc.onResetHeads(heads(ref(1)))
      expect(fc.counters.resets).toBe(1)
      expect(fc.phaseName()).toBe('ahead')
      expect(fc.target).toEqual(ref(3))
      expect(fc.confirmed).toEqual(ref(1))
      expect(fc.forkchoiceOwed).toBe(true)
      // Everything above the EL head goes again, in order, then FCU(3).
      const again = runPass(fc)
      expect(again.sent).toEqual([2, 3])
      expect(again.fcu?.head).toEqual(ref(3))
    })

    it('heads re-read past a target the buffer no longer holds: the EL head becomes the target', () => {
      const fc = connected()
      fc.addBlock(block(2))
      runPass(fc, () => status('SYNCING'))
      fc.onConnected(heads(ref(5)), 0)
      expect(fc.target).toEqual(ref(5))
      expect(fc.phaseName()).toBe('in-sync')
    })
  })

  describe('newPayload answers', () => {
    it('VALID: newPayload, then FCU(head = block) with zero safe / finalized; FCU VALID confirms', () => {
      const fc = connected()
      expect(fc.addBlock(block(1))).toBe(true)
      const { sent, fcu } = runPass(fc)
      expect(sent).toEqual([1])
      expect(fcu).toEqual({
        head: ref(1),
        state: {
          headBlockHash: ref(1).hash,
          safeBlockHash: ZERO_HASH,
          finalizedBlockHash: ZERO_HASH,
        },
      })
      expect(fc.phaseName()).toBe('ahead')
      expect(fc.confirmed).toEqual(genesisRef)
      expect(fc.onForkchoiceStatus(ref(1), status('VALID'), 5)).toBe('done')
      expect(fc).toMatchObject({ target: ref(1), confirmed: ref(1) })
      expect(fc.phaseName()).toBe('in-sync')
      expect(runPass(fc)).toEqual({ sent: [], stopped: false, fcu: null }) // nothing owed
    })

    it.each(['SYNCING', 'ACCEPTED'] as const)(
      '%s: the target moves, FCU(target) follows, the confirmed head stays',
      (answer) => {
        const fc = connected()
        fc.addBlock(block(3)) // non-adjacent: sent anyway, alone
        const { sent, fcu } = runPass(fc, () => status(answer))
        expect(sent).toEqual([3])
        expect(fcu?.head).toEqual(ref(3))
        expect(fc.target).toEqual(ref(3))
        expect(fc.confirmed).toEqual(genesisRef)
        expect(fc.gapBlocks()).toBe(3)
      },
    )

    it.each(INVALID_STATUSES)(
      '%s: the block and its descendants are dropped and remembered; the target stays; no FCU',
      (answer) => {
        const fc = connected()
        for (const n of [1, 2, 3]) fc.addBlock(block(n))
        const { sent, stopped } = runPass(fc, (n) => (n === 1 ? status(answer) : status('VALID')))
        expect(sent).toEqual([1])
        expect(stopped).toBe(true)
        expect(fc.counters.invalid).toBe(3)
        expect(fc.blocks.buffer.size).toBe(0)
        expect(fc.target).toEqual(genesisRef)
        expect(fc.addBlock(block(1))).toBe(false) // never again
        expect(fc.addBlock(block(4))).toBe(false) // builds on a dropped descendant
        expect(fc.counters.ignoredInvalid).toBe(2)
        expect(runPass(fc)).toEqual({ sent: [], stopped: false, fcu: null })
      },
    )

    it('INVALID for the target while it was ahead: the target falls back to the confirmed head', () => {
      const fc = connected()
      fc.addBlock(block(2))
      runPass(fc, () => status('SYNCING')) // target 2
      fc.addBlock(block(1))
      const { stopped } = runPass(fc, (n) => (n === 1 ? status('VALID') : status('INVALID')))
      expect(stopped).toBe(true)
      expect(fc.target).toEqual(genesisRef)
      expect(fc.phaseName()).toBe('in-sync')
    })

    it('a refused newPayload (-38005) drops the block and counts an engine error', () => {
      const fc = connected()
      fc.addBlock(block(1))
      const b = fc.planPass()!.blocks[0]!
      fc.onNewPayloadRefused(b, new EngineError('ENGINE_RPC_ERROR', 'x', { rpcCode: -38005 }))
      expect(fc.blocks.buffer.size).toBe(0)
      expect(fc.counters.engineErrors).toBe(1)
      expect(fc.target).toEqual(genesisRef)
      expect(fc.addBlock(block(1))).toBe(true) // not remembered INVALID: a request bug
    })

    it('SYNCING for a child of our head: the EL is asked; another latest means head-lost', () => {
      const fc = connected()
      fc.addBlock(block(1))
      const b = fc.planPass()!.blocks[0]!
      expect(fc.onNewPayloadStatus(b, status('SYNCING'), 0)).toBe('check-head')
      expect(fc.onHeadCheck(genesisRef)).toBe('pending') // it still has our head: just slow
      expect(fc.onHeadCheck(ref(5))).toBe('stop')
      expect(fc.phase).toEqual({ name: 'head-lost', reason: 'the EL does not have our head' })
    })

    it('a block version that does not match its fork is not kept', () => {
      const fc = connected()
      expect(fc.addBlock({ ...block(1), version: 3 })).toBe(false)
      expect(fc.counters.engineErrors).toBe(1)
    })
  })

  describe('forkchoiceUpdated answers', () => {
    it('SYNCING: el-syncing with the gap, polled every syncPollIntervalMs; VALID closes the gap', () => {
      const fc = connected()
      fc.addBlock(block(3))
      const { fcu } = runPass(fc, () => status('SYNCING'))
      expect(fc.onForkchoiceStatus(fcu!.head, status('SYNCING'), 1_000)).toBe('done')
      expect(fc.phase).toEqual({ name: 'el-syncing', sinceMs: 1_000, fromNumber: 0 })
      expect(fc.confirmed).toEqual(genesisRef)
      expect(fc.pollAtMs).toBe(2_000)
      expect(fc.onForkchoiceStatus(ref(3), status('VALID'), 4_500)).toBe('done')
      expect(fc.phaseName()).toBe('in-sync')
      expect(fc.counters.gapsClosed).toBe(1)
      expect(fc.pollAtMs).toBe(4_500 + OPTS.headPollIntervalMs)
    })

    it.each(INVALID_STATUSES)(
      '%s: the head is remembered invalid, the target falls back, and no FCU goes backwards',
      (answer) => {
        const fc = connected()
        fc.addBlock(block(2))
        const { fcu } = runPass(fc, () => status('SYNCING'))
        expect(fc.onForkchoiceStatus(fcu!.head, status(answer), 0)).toBe('stop')
        expect(fc.counters.invalid).toBe(1)
        expect(fc.target).toEqual(genesisRef)
        expect(fc.addBlock(block(2))).toBe(false)
        expect(fc.counters.ignoredInvalid).toBe(1)
        expect(runPass(fc).fcu).toBeNull() // no FCU(confirmed) to step the EL back
      },
    )

    it('a failed FCU (no answer) is owed again, with the same head', () => {
      const fc = connected()
      fc.addBlock(block(1))
      const first = runPass(fc).fcu
      expect(fc.forkchoiceOwed).toBe(false)
      fc.onForkchoiceFailed()
      expect(fc.forkchoiceOwed).toBe(true)
      expect(runPass(fc).fcu).toEqual(first)
    })

    it("-38002: once the EL's own safe / finalized, twice zero, then no FCU owed for it", () => {
      const fc = connected(heads(genesisRef, genesisRef, genesisRef))
      const err = new EngineError('ENGINE_RPC_ERROR', 'Invalid forkchoice state', {
        rpcCode: -38002,
      })
      fc.onInvalidForkchoiceState(heads(ref(1), ref(1), null), err)
      expect(fc).toMatchObject({ safe: ref(1), finalized: null, confirmed: ref(1) })
      expect(fc.forkchoiceOwed).toBe(true)
      fc.forkchoiceOwed = false
      fc.onInvalidForkchoiceState(heads(ref(1), ref(1), ref(1)), err)
      expect(fc).toMatchObject({ safe: null, finalized: null })
      expect(fc.forkchoiceOwed).toBe(true)
      fc.forkchoiceOwed = false
      fc.onInvalidForkchoiceState(heads(ref(1), ref(1), ref(1)), err)
      expect(fc.forkchoiceOwed).toBe(false)
      expect(fc.counters.resets).toBe(3)
    })
  })

  describe('polling latest', () => {
    function syncingTo3(): ForkChoiceState {
      const fc = connected()
      fc.addBlock(block(3))
      const { fcu } = runPass(fc, () => status('SYNCING'))
      fc.onForkchoiceStatus(fcu!.head, status('SYNCING'), 0)
      return fc
    }

    it('latest = target: the gap is closed via latest', () => {
      const fc = syncingTo3()
      expect(fc.onLatest(ref(3), 700)).toEqual({ next: 'done' })
      expect(fc).toMatchObject({ confirmed: ref(3), target: ref(3) })
      expect(fc.counters.gapsClosed).toBe(1)
    })

    it('while the EL syncs, FCU(target) is owed again every fcuRefreshIntervalMs', () => {
      const fc = syncingTo3()
      fc.onLatest(genesisRef, 1_999)
      expect(fc.forkchoiceOwed).toBe(false)
      fc.onLatest(genesisRef, 2_000)
      expect(fc.forkchoiceOwed).toBe(true)
      expect(runPass(fc).fcu?.head).toEqual(ref(3)) // the target, never the EL's progress
    })

    it('the EL on its way: confirmed follows its latest, the target stays', () => {
      const fc = syncingTo3()
      expect(fc.onLatest(ref(2), 100)).toEqual({ next: 'done' })
      expect(fc).toMatchObject({ confirmed: ref(2), target: ref(3) })
      expect(fc.phaseName()).toBe('el-syncing')
    })

    it('latest past the target: confirmed when the target is on its chain, else recorded as moved', () => {
      const fc = syncingTo3()
      const poll = fc.onLatest(ref(5), 100)
      expect(poll).toEqual({ next: 'check-target', latest: ref(5), number: 3 })
      fc.onTargetHeightRead(ref(5), ref(3), 100)
      expect(fc).toMatchObject({ confirmed: ref(5), target: ref(5) })
      expect(fc.phaseName()).toBe('in-sync')

      const other = buildBranch(t, t.blocks[0]!, 5, 9).map((b) => blockRefOf(b.envelope.payload))
      const moved = connected(heads(ref(5)))
      expect(moved.onLatest(other[4]!, 0)).toMatchObject({ next: 'check-target' })
      moved.onTargetHeightRead(other[4]!, other[3]!, 0)
      expect(moved).toMatchObject({ confirmed: other[4], target: other[4] })
    })
  })

  describe('order', () => {
    it('out of order: the newest goes alone, then the gap in order once it connects; FCU heads never go back', () => {
      const fc = connected()
      const fcuHeads: number[] = []
      fc.addBlock(block(3))
      fc.addBlock(block(2))
      const first = runPass(fc, () => status('SYNCING'))
      expect(first.sent).toEqual([3]) // nothing connects to the EL head yet
      fcuHeads.push(first.fcu!.head.number)
      fc.onForkchoiceStatus(first.fcu!.head, status('SYNCING'), 0)
      fc.addBlock(block(1))
      const second = runPass(fc)
      expect(second.sent).toEqual([1, 2, 3]) // 3 again: its parent is known valid now
      fcuHeads.push(second.fcu!.head.number)
      fc.onForkchoiceStatus(second.fcu!.head, status('VALID'), 0)
      expect(fcuHeads).toEqual([3, 3])
      expect(fc.confirmed).toEqual(ref(3))
    })

    it('a block at or below the EL head is stale; a sibling of a buffered block is conflicting', () => {
      const fc = connected(heads(ref(2)))
      expect(fc.addBlock(block(2))).toBe(false)
      expect(fc.counters.stale).toBe(1)
      fc.addBlock(block(3))
      const sibling = buildBranch(t, t.blocks[1]!, 1, 7)[0]!.envelope // another block 3
      expect(fc.addBlock(sibling)).toBe(true)
      expect(fc.counters.conflicting).toBe(1)
      expect(runPass(fc).fcu?.head).toEqual(ref(3)) // first seen wins
    })
  })

  describe('safe / finalized from a follow source', () => {
    it('applied once the EL has them canonical, never backwards, finalized never above safe', () => {
      const fc = connected(heads(ref(4)))
      const offer = { safe: ref(5), finalized: ref(2) }
      const checks = fc.followChecks(offer)!
      expect(checks).toEqual({ safe: null, finalized: ref(2) }) // safe is past our head
      fc.applySafeFinalized(checks, { safe: null, finalized: ref(2) })
      expect(fc).toMatchObject({ safe: null, finalized: ref(2) })
      expect(fc.forkchoiceOwed).toBe(true)
      expect(runPass(fc).fcu?.state).toEqual({
        headBlockHash: ref(4).hash,
        safeBlockHash: ZERO_HASH,
        finalizedBlockHash: ref(2).hash,
      })
      expect(fc.followChecks({ safe: null, finalized: ref(1) })).toEqual({
        safe: null,
        finalized: null, // backwards
      })
    })

    it('a head the EL has another block for is not applied; finalized above safe is not taken', () => {
      const labelled = { confirmed: ref(6), safe: ref(3), finalized: null }
      const checks = safeFinalizedChecks({ safe: ref(4), finalized: ref(5) }, labelled)!
      expect(nextSafeFinalized(checks, { safe: ref(1), finalized: null }, labelled)).toBeNull()
      expect(nextSafeFinalized(checks, { safe: ref(4), finalized: ref(5) }, labelled)).toEqual({
        safe: ref(4),
        finalized: null,
      })
    })
  })
})
