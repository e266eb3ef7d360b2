import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createBlockBuilder, devnetKey } from '../../../src/blocks/blockBuilder.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import {
  BUILD_AT_SLOT_FRACTION,
  createSequencerLoop,
  MIN_SEQUENCER_INTERVAL_SECONDS,
  nextSlotAfter,
  nextSlotMsAfter,
  type PublishedReport,
} from '../../../src/devnet/sequencerLoop.ts'
import { createBlockValidator } from '../../../src/gossip/validator.ts'

const GENESIS_S = 1_800_000_000
const chain = createDevnetChain({
  blockTime: 2,
  genesis: { l2Time: GENESIS_S, l2Number: 0, l2Hash: `0x${'ab'.repeat(32)}` },
})
const KEY = devnetKey('sequencer loop test')

describe('devnet / sequencerLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('puts slots on the genesis grid, strictly after now', () => {
    expect(nextSlotAfter(chain, GENESIS_S * 1000)).toBe(GENESIS_S + 2)
    expect(nextSlotAfter(chain, GENESIS_S * 1000 + 1)).toBe(GENESIS_S + 2)
    expect(nextSlotAfter(chain, (GENESIS_S + 2) * 1000)).toBe(GENESIS_S + 4)
    expect(nextSlotAfter(chain, (GENESIS_S + 3) * 1000 + 999)).toBe(GENESIS_S + 4)
    // before genesis: the first slot after it
    expect(nextSlotAfter(chain, 0)).toBe(GENESIS_S + 2)
  })

  it('publishes one valid block per slot at the slot time, built in the previous slot', async () => {
    vi.setSystemTime((GENESIS_S + 10) * 1000 + 300)
    const reports: PublishedReport[] = []
    const builtAt: number[] = []
    const data: Uint8Array[] = []
    const loop = createSequencerLoop(
      { chain, signerKey: KEY },
      {
        now: () => Date.now(),
        createBuilder(opts) {
          const b = createBlockBuilder(opts)
          return {
            signer: b.signer,
            next(o) {
              builtAt.push(Date.now())
              return b.next(o)
            },
          }
        },
        async publish(block) {
          data.push(block.data)
          return { messageId: 'ab', recipients: ['x', 'y'] }
        },
        onPublished: (p) => reports.push(p.report),
        onPublishFailed: (n, err) => {
          throw new Error(`unexpected failure of ${n}: ${String(err)}`)
        },
      },
    )
    loop.produce({ txCount: 2 })
    expect(loop.producing).toBe(true)
    await vi.advanceTimersByTimeAsync(6000)
    loop.stop()
    await vi.advanceTimersByTimeAsync(10_000)

    expect(reports.map((r) => r.timestamp)).toEqual([
      GENESIS_S + 12,
      GENESIS_S + 14,
      GENESIS_S + 16,
    ])
    expect(reports.map((r) => r.number)).toEqual([1, 2, 3])
    expect(reports.map((r) => r.publishedMs)).toEqual(reports.map((r) => r.timestamp * 1000))
    expect(reports.every((r) => r.txs === 3 && r.recipients === 2)).toBe(true)
    // the first block right away, each next one at 40 % of the previous slot
    expect(builtAt[0]).toBe((GENESIS_S + 10) * 1000 + 300)
    expect(builtAt[1]).toBe((GENESIS_S + 12) * 1000 + 2000 * BUILD_AT_SLOT_FRACTION)
    // every block is valid for the chain and signer at its slot
    const b = createBlockBuilder({ chain, privateKey: KEY })
    data.forEach((d, i) => {
      const v = createBlockValidator({
        chain,
        signer: () => b.signer,
        now: () => (GENESIS_S + 12 + 2 * i) * 1000,
      })
      const topic = '/optimism/901/3/blocks'
      expect(v.validate(topic, d).verdict).toBe('accept')
    })
  })

  it('changes size on the fly and keeps going after a failed publish', async () => {
    vi.setSystemTime((GENESIS_S + 10) * 1000)
    const sizes: number[] = []
    const failed: number[] = []
    let calls = 0
    const loop = createSequencerLoop(
      { chain, signerKey: KEY },
      {
        now: () => Date.now(),
        async publish(block) {
          calls++
          if (calls === 1) throw new Error('no peers')
          sizes.push(block.data.length)
          return { messageId: '', recipients: [] }
        },
        onPublished: () => {},
        onPublishFailed: (n) => failed.push(n),
      },
    )
    loop.produce({ txCount: 1 })
    // t = +13 s: block 1 failed at +12 s, block 2 (1 tx) was built at +12.8 s
    await vi.advanceTimersByTimeAsync(3000)
    loop.produce({ blockBytes: 20_000 })
    await vi.advanceTimersByTimeAsync(4000)
    loop.stop()
    expect(failed).toEqual([1])
    expect(sizes.length).toBe(2)
    // block 2 was built before the resize, block 3 after it
    expect(sizes[0]).toBeLessThan(2000)
    expect(sizes[1]).toBeGreaterThan(10_000)
  })

  it('puts sub-second slots on a grid of the interval from genesis', () => {
    const g = GENESIS_S * 1000
    expect(nextSlotMsAfter(chain, 200, g)).toBe(g + 200)
    expect(nextSlotMsAfter(chain, 200, g + 199)).toBe(g + 200)
    expect(nextSlotMsAfter(chain, 200, g + 200)).toBe(g + 400)
    expect(nextSlotMsAfter(chain, 200, 0)).toBe(g + 200)
    // a whole-second interval gives the same instants as the chain's slots
    expect(nextSlotMsAfter(chain, 2000, g + 2500)).toBe(nextSlotAfter(chain, g + 2500) * 1000)
  })

  it('publishes every 200 ms with increasing numbers and timestamps the validator accepts', async () => {
    vi.setSystemTime((GENESIS_S + 10) * 1000 + 30)
    const reports: PublishedReport[] = []
    const data: Uint8Array[] = []
    const loop = createSequencerLoop(
      { chain, signerKey: KEY, intervalSeconds: 0.2 },
      {
        now: () => Date.now(),
        async publish(block) {
          data.push(block.data)
          return { messageId: 'ab', recipients: ['x'] }
        },
        onPublished: (p) => reports.push(p.report),
        onPublishFailed: (n, err) => {
          throw new Error(`unexpected failure of ${n}: ${String(err)}`)
        },
      },
    )
    loop.produce({ txCount: 1 })
    await vi.advanceTimersByTimeAsync(2000)
    loop.stop()
    await vi.advanceTimersByTimeAsync(2000)

    const first = (GENESIS_S + 10) * 1000 + 200
    expect(reports.length).toBe(10)
    expect(reports.map((r) => r.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    // published on the 200 ms grid; the timestamp is the wall-clock second of the slot
    expect(reports.map((r) => r.publishedMs)).toEqual(reports.map((_, i) => first + 200 * i))
    expect(reports.map((r) => r.timestamp)).toEqual(
      reports.map((r) => Math.floor(r.publishedMs / 1000)),
    )
    // several blocks share a second: the chain's block_time is still 2 s here
    expect(new Set(reports.map((r) => r.timestamp)).size).toBe(3)
    const b = createBlockBuilder({ chain, privateKey: KEY })
    data.forEach((d, i) => {
      const v = createBlockValidator({
        chain,
        signer: () => b.signer,
        now: () => (reports[i] as PublishedReport).publishedMs,
      })
      expect(v.validate('/optimism/901/3/blocks', d).verdict).toBe('accept')
    })
  })

  it('refuses an interval below the minimum and takes the minimum itself', () => {
    const modules = {
      publish: async () => ({ messageId: '', recipients: [] }),
      onPublished: () => {},
      onPublishFailed: () => {},
    }
    expect(() =>
      createSequencerLoop(
        { chain, signerKey: KEY, intervalSeconds: MIN_SEQUENCER_INTERVAL_SECONDS },
        modules,
      ),
    ).not.toThrow()
    expect(() =>
      createSequencerLoop(
        { chain, signerKey: KEY, intervalSeconds: MIN_SEQUENCER_INTERVAL_SECONDS - 0.01 },
        modules,
      ),
    ).toThrow(RangeError)
  })
})
