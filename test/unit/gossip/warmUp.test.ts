/**
 * The warm-up runs real synthetic blocks through the validation and codec paths, stops at its
 * time bound, and leaves nothing behind: its validator's seen cache is empty afterwards, and a
 * node that warmed up (both halves: warmUpLibraries.test.ts has the library half's own tests)
 * has counted no message, no verdict and no metric, and its host has no peer or ban.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BUILTIN_CHAINS } from '../../../src/chains/builtin.ts'
import { createBlockValidator } from '../../../src/gossip/validator.ts'
import {
  WARM_UP_MAX_MS,
  WARM_UP_ROUNDS,
  WARM_UP_SIGNER_ADDRESS,
  WARMED_UP_MESSAGE,
  warmUp,
} from '../../../src/gossip/warmUp.ts'
import { createNode } from '../../../src/node.ts'
import { logCapture } from '../../utils/engineHarness.ts'
import { SEQUENCER_ADDRESS, testChain } from '../../utils/mesh.ts'
import { parseMetrics } from '../metrics/promText.ts'

/** A monotonic clock that moves `stepMs` on every read. */
function steppingClock(stepMs: number): () => number {
  let t = 0
  return () => {
    t += stepMs
    return t
  }
}

describe('warm-up', () => {
  it('accepts the synthetic block in every round and leaves the seen cache empty', () => {
    const chain = testChain()
    const own = warmUp({ chain, rounds: 20, blockBytes: 20_000 })
    expect(own).toMatchObject({ rounds: 20, accepted: 20, timedOut: false })

    // A validator of our own that accepts the warm-up's signer, to look into afterwards.
    const validator = createBlockValidator({ chain, signer: () => WARM_UP_SIGNER_ADDRESS })
    const result = warmUp({ chain, rounds: 5, blockBytes: 20_000 }, { validator })
    expect(result).toMatchObject({ rounds: 5, accepted: 5 })
    for (const topic of validator.topics) expect(validator.seenBlocksFor(topic)?.size).toBe(0)

    // With another signer every round is refused: the hook is the validator that ran.
    const other = createBlockValidator({ chain, signer: () => SEQUENCER_ADDRESS })
    expect(warmUp({ chain, rounds: 3, blockBytes: 20_000 }, { validator: other })).toMatchObject({
      rounds: 3,
      accepted: 0,
    })
  })

  it('stops at its time bound, and not before', () => {
    const chain = testChain()
    // Each read moves 10 ms; reads at 20, 30, 40, 50 are before a 10 + 50 ms deadline.
    const atLimit = warmUp(
      { chain, rounds: 4, maxMs: 50, blockBytes: 2_000 },
      { monotonicNow: steppingClock(10) },
    )
    expect(atLimit).toMatchObject({ rounds: 4, accepted: 4, timedOut: false })
    const pastLimit = warmUp(
      { chain, rounds: 5, maxMs: 50, blockBytes: 2_000 },
      { monotonicNow: steppingClock(10) },
    )
    expect(pastLimit).toMatchObject({ rounds: 4, timedOut: true })
    const none = warmUp({ chain, rounds: 5, maxMs: 0 }, { monotonicNow: steppingClock(10) })
    expect(none).toMatchObject({ rounds: 0, accepted: 0, timedOut: true })
  })

  it('accepts its block on every built-in chain (the payload version of today’s forks)', () => {
    for (const chain of BUILTIN_CHAINS) {
      const result = warmUp({ chain, rounds: 3, blockBytes: 20_000 })
      expect(result, chain.name).toMatchObject({ rounds: 3, accepted: 3 })
    }
  })

  it('finishes the default rounds within the default bound', () => {
    const result = warmUp({ chain: testChain() })
    expect(result.rounds).toBeGreaterThan(0)
    expect(result.accepted).toBe(result.rounds)
    expect(result.elapsedMs).toBeLessThan(WARM_UP_MAX_MS + 500)
    if (!result.timedOut) expect(result.rounds).toBe(WARM_UP_ROUNDS)
  })
})

describe('warm-up in a node', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warm-up-node-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  async function startedNode(warm: boolean) {
    const { log, lines } = logCapture()
    const node = createNode(
      {
        chain: testChain(),
        peerKeyPath: join(dir, `key-${warm}.txt`),
        gossip: { listenIp: '127.0.0.1', listenTcpPort: 0, ipColocation: false },
        signer: { configuredSigner: `0x${Buffer.from(SEQUENCER_ADDRESS).toString('hex')}` },
        discovery: null,
        logBlocks: false,
        engine: null,
        rpc: null,
        metrics: { host: '127.0.0.1', port: 0 },
        warmUp: warm,
      },
      { logger: log },
    )
    await node.start()
    return { node, lines }
  }

  it('warms up before the host starts and counts nothing', async () => {
    const { node, lines } = await startedNode(true)
    try {
      const warmed = lines.find((l) => l.msg === WARMED_UP_MESSAGE)
      expect(warmed).toBeDefined()
      expect(warmed?.accepted).toBe(warmed?.rounds)
      expect(warmed?.rounds as number).toBeGreaterThan(0)
      // The library half ran on its own hosts: the node's host has no peer, ban or message of it.
      expect(warmed?.gossipMessages as number).toBeGreaterThan(0)
      expect(node.host.peers()).toEqual([])
      expect(node.host.bans()).toEqual([])
      expect(node.host.protectedPeers()).toEqual([])
      expect(node.host.counters()).toMatchObject({
        received: 0,
        duplicates: 0,
        accepted: 0,
        rejected: 0,
        ignored: 0,
      })
      const text = await (await fetch(`${node.observability.metricsUrl}/metrics`)).text()
      const samples = parseMetrics(text).filter(
        (s) =>
          s.name.startsWith('op_gossip_gossip_messages_total') ||
          s.name.startsWith('op_gossip_gossip_validation_duration_seconds_count') ||
          s.name.startsWith('op_gossip_block_arrival_delay_seconds_count'),
      )
      expect(samples.length).toBeGreaterThan(0)
      for (const s of samples) expect(s.value).toBe(0)
      expect(node.observability.timeline.last()).toBeNull()
    } finally {
      await node.stop()
    }
  })

  it('does not warm up with warmUp: false', async () => {
    const { node, lines } = await startedNode(false)
    try {
      expect(lines.some((l) => l.msg === WARMED_UP_MESSAGE)).toBe(false)
    } finally {
      await node.stop()
    }
  })
})
