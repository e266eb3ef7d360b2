import {
  createPeerScoreParams,
  createPeerScoreThresholds,
  PeerScore,
  validatePeerScoreParams,
  validatePeerScoreThresholds,
} from '@libp2p/gossipsub/score'
import { describe, expect, it } from 'vitest'
import { DEFAULT_BAN_THRESHOLD } from '../../../src/gossip/banList.ts'
import {
  buildScoringConfig,
  INVALID_MESSAGE_DELIVERIES_WEIGHT,
  OP_NODE_SCORE_THRESHOLDS,
  PENALISED_REASONS,
  routerVerdict,
  type ScoringOptions,
  scoreDecay,
} from '../../../src/gossip/scoring.ts'
import { GOSSIP_REASON_CODES, GossipReason } from '../../../src/wire/errors.ts'
import { allBlocksTopics } from '../../../src/wire/topics.ts'

const topics = allBlocksTopics(10)
const light: ScoringOptions = { level: 'light', ipColocation: true, blockTimeSeconds: 2, topics }

const quietLogger = {
  forComponent: () =>
    Object.assign(() => {}, {
      error: () => {},
      trace: () => {},
      newScope: () => {},
      enabled: false,
    }),
}

/** The library's own PeerScore with our parameters: the numbers below are what peers get. */
function libraryScorer(opts: ScoringOptions) {
  const { params } = buildScoringConfig(opts)
  // biome-ignore lint/suspicious/noExplicitAny: the library's logger type is wider than needed
  const score = new PeerScore(createPeerScoreParams(params), null, quietLogger as any, {
    scoreCacheValidityMs: 0,
  })
  return score
}

describe('gossip / scoring', () => {
  it('builds parameters the library accepts, with no library default left in', () => {
    const { params, thresholds } = buildScoringConfig(light)
    const merged = createPeerScoreParams(params)
    expect(() => validatePeerScoreParams(merged)).not.toThrow()
    expect(() => validatePeerScoreThresholds(createPeerScoreThresholds(thresholds))).not.toThrow()
    // Every field set by us: merging with the library defaults changes nothing.
    for (const topic of topics) expect(merged.topics[topic]).toEqual(params.topics[topic])
    expect({ ...merged, topics: {} }).toEqual({ ...params, topics: {} })
    expect(thresholds).toEqual(OP_NODE_SCORE_THRESHOLDS)
  })

  it('scores only P4 on the four block topics: every other topic component has weight 0', () => {
    const { params } = buildScoringConfig(light)
    expect(Object.keys(params.topics)).toEqual(topics)
    for (const t of Object.values(params.topics)) {
      expect(t.topicWeight).toBe(1)
      expect(t.timeInMeshWeight).toBe(0)
      expect(t.firstMessageDeliveriesWeight).toBe(0)
      expect(t.meshMessageDeliveriesWeight).toBe(0)
      expect(t.meshFailurePenaltyWeight).toBe(0)
      expect(t.invalidMessageDeliveriesWeight).toBe(INVALID_MESSAGE_DELIVERIES_WEIGHT)
    }
  })

  it("op-node's ScoreDecay: a counter reaches 1% after the duration, per whole slot", () => {
    expect(scoreDecay(120_000, 2000)).toBeCloseTo(0.01 ** (1 / 60), 12)
    // 10 minutes of 2 s slots: 300 ticks.
    expect(scoreDecay(600_000, 2000) ** 300).toBeCloseTo(0.01, 10)
    // Go truncates duration / slot.
    expect(scoreDecay(5500, 2000)).toBe(scoreDecay(4000, 2000))
  })

  it('a slot longer than the decay duration decays to 1% per slot (gossipsub accepts it)', () => {
    expect(scoreDecay(600_000, 600_000)).toBeCloseTo(0.01, 12)
    expect(scoreDecay(600_000, 1_000_000)).toBeCloseTo(0.01, 12)
    // A devnet with 1000 s blocks: every decay stays inside gossipsub's (0, 1).
    const { params } = buildScoringConfig({
      level: 'light',
      ipColocation: false,
      blockTimeSeconds: 1000,
      topics: [...topics],
    })
    const decays = [
      params.behaviourPenaltyDecay,
      ...Object.values(params.topics).map((t) => t.invalidMessageDeliveriesDecay),
    ]
    for (const d of decays) {
      expect(d).toBeGreaterThan(0)
      expect(d).toBeLessThan(1)
    }
  })

  it('burst: 1 rejected message is below gossip, 2 below graylist, 3 below the ban threshold', () => {
    const score = libraryScorer(light)
    score.addPeer('peer')
    const after: number[] = []
    for (let i = 0; i < 3; i++) {
      score.markInvalidMessageDelivery('peer', topics[3] as string)
      after.push(score.score('peer'))
    }
    expect(after).toEqual([-14, -56, -126])
    expect(after[0]).toBeLessThan(OP_NODE_SCORE_THRESHOLDS.gossipThreshold)
    expect(after[0]).toBeGreaterThanOrEqual(OP_NODE_SCORE_THRESHOLDS.graylistThreshold)
    expect(after[1]).toBeLessThan(OP_NODE_SCORE_THRESHOLDS.graylistThreshold)
    expect(after[1]).toBeGreaterThanOrEqual(DEFAULT_BAN_THRESHOLD)
    expect(after[2]).toBeLessThan(DEFAULT_BAN_THRESHOLD)
  })

  it('trickle: once heard again after graylisting, the next rejected message gets the peer banned', () => {
    const score = libraryScorer(light)
    score.addPeer('peer')
    const topic = topics[3] as string
    score.markInvalidMessageDelivery('peer', topic)
    score.markInvalidMessageDelivery('peer', topic)
    expect(score.score('peer')).toBeLessThan(OP_NODE_SCORE_THRESHOLDS.graylistThreshold)
    // Decay slot by slot until the peer is no longer graylisted (its RPCs are read again).
    let slots = 0
    while (score.score('peer') < OP_NODE_SCORE_THRESHOLDS.graylistThreshold) {
      score.refreshScores()
      slots++
    }
    expect(slots).toBeGreaterThan(5)
    score.markInvalidMessageDelivery('peer', topic)
    expect(score.score('peer')).toBeLessThan(DEFAULT_BAN_THRESHOLD)
  })

  it('forgives: a single rejected message decays to nothing within 10 minutes of slots', () => {
    const score = libraryScorer(light)
    score.addPeer('peer')
    score.markInvalidMessageDelivery('peer', topics[0] as string)
    let slots = 0
    while (score.score('peer') < OP_NODE_SCORE_THRESHOLDS.gossipThreshold) {
      score.refreshScores()
      slots++
    }
    // Back above the gossip threshold in ~11 slots (22 s), and to exactly 0 after 300 slots.
    expect(slots).toBe(11)
    for (let i = slots; i < 300; i++) score.refreshScores()
    expect(score.score('peer')).toBe(0)
  })

  it('IP colocation: -35 per surplus peer squared above 10 on one IP, off when disabled', () => {
    for (const [ipColocation, expected] of [
      [true, -35],
      [false, 0],
    ] as const) {
      const score = libraryScorer({ ...light, ipColocation })
      for (let i = 0; i < 11; i++) {
        score.addPeer(`p${i}`)
        score.addIP(`p${i}`, '127.0.0.1')
      }
      expect(score.score('p0')).toBe(expected)
    }
  })

  it('none: every weight is 0, so nothing ever moves a score', () => {
    const { params } = buildScoringConfig({ ...light, level: 'none' })
    expect(params.topics).toEqual({})
    expect(params.IPColocationFactorWeight).toBe(0)
    expect(params.behaviourPenaltyWeight).toBe(0)
    expect(params.appSpecificWeight).toBe(0)
    const score = libraryScorer({ ...light, level: 'none' })
    score.addPeer('peer')
    for (let i = 0; i < 10; i++) score.markInvalidMessageDelivery('peer', topics[3] as string)
    score.addPenalty('peer', 100, 'test' as never)
    expect(score.score('peer')).toBe(0)
  })

  it('decay interval follows the block time (op-node slot), 0 falls back to 2 s', () => {
    expect(buildScoringConfig({ ...light, blockTimeSeconds: 1 }).params.decayInterval).toBe(1000)
    expect(buildScoringConfig({ ...light, blockTimeSeconds: 0 }).params.decayInterval).toBe(2000)
    // retainScore = 100 epochs of 6 slots.
    expect(buildScoringConfig({ ...light, blockTimeSeconds: 1 }).params.retainScore).toBe(600_000)
  })

  it('tells gossipsub REJECT only for structural failures; honest disagreement becomes IGNORE', () => {
    const honest = [
      'SIGNER_UNKNOWN',
      'BAD_SIGNATURE',
      'WRONG_SIGNER',
      'TIMESTAMP_TOO_OLD',
      'TIMESTAMP_TOO_NEW',
      'TOO_MANY_BLOCKS_AT_HEIGHT',
      'DUPLICATE_BLOCK',
      'UNKNOWN_TOPIC',
      'INTERNAL_ERROR',
    ]
    for (const code of GOSSIP_REASON_CODES) {
      const verdict = GossipReason[code]
      const expected = honest.includes(code) ? 'ignore' : verdict
      expect(routerVerdict(verdict, code), code).toBe(expected)
      expect(PENALISED_REASONS.has(code), code).toBe(!honest.includes(code))
    }
    expect(routerVerdict('accept', null)).toBe('accept')
    expect(routerVerdict('ignore', 'VALIDATION_QUEUE_FULL')).toBe('ignore')
  })
})
