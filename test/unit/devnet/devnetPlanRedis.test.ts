/**
 * `devnet --redis`: the followers split by road (one gossip publisher to Redis, Redis-only
 * subscribers with no gossip peers, gossip-only), and the live view names each road.
 */
import { describe, expect, it } from 'vitest'
import { followerRoad, gossipFollowerCount, planDevnet } from '../../../src/devnet/devnetPlan.ts'
import { formatRoadsLine } from '../../../src/devnet/liveView.ts'
import { devnetNodeOptions } from '../../../src/devnet/nodeRunner.ts'
import { DEFAULT_REDIS_MAXLEN } from '../../../src/redis/redisOptions.ts'

const MESH = { d: 8, lo: 6, hi: 12 }
const RUNNING = { bootnode: '/ip4/127.0.0.1/tcp/1/p2p/x', elUpstream: null }
const REDIS_URL = 'redis://127.0.0.1:6390'

describe('devnet / plan: --redis', () => {
  it('splits the followers: 1 publishes to Redis, then Redis-only (all, or even ones) and gossip', () => {
    expect([0, 1, 2, 3, 4, 5].map((i) => followerRoad(i, 'both'))).toEqual([
      'gossip',
      'gossip+redis',
      'redis',
      'gossip',
      'redis',
      'gossip',
    ])
    expect([0, 1, 2, 3].map((i) => followerRoad(i, 'gossip'))).toEqual([
      'gossip',
      'gossip',
      'gossip',
      'gossip',
    ])
    expect([0, 1, 2, 3].map((i) => followerRoad(i, 'redis'))).toEqual([
      'gossip',
      'gossip+redis',
      'redis',
      'redis',
    ])
    expect(gossipFollowerCount(1, 'both')).toBe(1)
    expect(gossipFollowerCount(3, 'both')).toBe(2)
    expect(gossipFollowerCount(6, 'both')).toBe(3)
    expect(gossipFollowerCount(6, 'gossip')).toBe(6)
    expect(gossipFollowerCount(6, 'redis')).toBe(1)
  })

  it('configures each road: the publisher gossips, the Redis-only follower has no bootnode or DHT', async () => {
    const plan = await planDevnet({
      followers: 3,
      blockTimeSeconds: 1,
      mesh: MESH,
      redisUrl: REDIS_URL,
      transport: 'both',
    })
    const stream = `op-gossip:${plan.chain.chainId}:blocks`
    const sequencer = plan.nodeConfig(0, '127.0.0.1', RUNNING)
    expect(sequencer.redis).toBeUndefined()
    expect(devnetNodeOptions(sequencer, null).redis).toBeNull()

    const publisher = plan.nodeConfig(1, '127.0.0.1', RUNNING)
    expect(publisher.road).toBe('gossip+redis')
    expect(publisher.bootnodes).toEqual([RUNNING.bootnode])
    const publisherOpts = devnetNodeOptions(publisher, null)
    expect(publisherOpts.gossip.dht).toBe(true)
    expect(publisherOpts.redis).toEqual({
      url: REDIS_URL,
      stream,
      publish: true,
      subscribe: false,
      maxLen: DEFAULT_REDIS_MAXLEN,
    })

    const redisOnly = plan.nodeConfig(2, '127.0.0.1', RUNNING)
    expect(redisOnly.road).toBe('redis')
    expect(redisOnly.bootnodes).toEqual([])
    const redisOnlyOpts = devnetNodeOptions(redisOnly, null)
    expect(redisOnlyOpts.gossip.dht).toBe(false)
    expect(redisOnlyOpts.redis).toMatchObject({ publish: false, subscribe: true, stream })

    const gossipOnly = plan.nodeConfig(3, '127.0.0.1', RUNNING)
    expect(gossipOnly.road).toBe('gossip')
    expect(gossipOnly.redis).toBeUndefined()
    expect(devnetNodeOptions(gossipOnly, null).gossip.dht).toBe(true)
  })

  it('without --redis nobody touches Redis', async () => {
    const plan = await planDevnet({ followers: 2, blockTimeSeconds: 1, mesh: MESH })
    for (const i of [0, 1, 2]) {
      const config = plan.nodeConfig(i, '127.0.0.1', RUNNING)
      expect(config.redis).toBeUndefined()
      expect(devnetNodeOptions(config, null).redis).toBeNull()
    }
  })

  it('the live view lists the followers by road', () => {
    const line = formatRoadsLine([
      { index: 1, road: 'gossip+redis' },
      { index: 2, road: 'redis' },
      { index: 3, road: 'gossip' },
      { index: 4, road: 'redis' },
    ])
    expect(line).toBe(
      'followers by road · gossip: 3 · Redis only: 2, 4 · gossip, publishing to Redis: 1',
    )
  })
})
