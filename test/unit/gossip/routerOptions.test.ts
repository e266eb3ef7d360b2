import { describe, expect, it } from 'vitest'
import { type GossipRouterParams, OP_NODE_GOSSIP_PARAMS } from '../../../src/gossip/options.ts'
import {
  fromGossipsubParams,
  GOSSIPSUB_OPTION_NAMES,
  gossipsubOptions,
  MAX_OUTBOUND_BUFFER_BYTES,
  toGossipsubParams,
} from '../../../src/gossip/routerOptions.ts'
import { buildScoringConfig } from '../../../src/gossip/scoring.ts'

/** Router parameters with a distinct value each, so a swapped pair cannot pass. */
function distinctParams(): GossipRouterParams {
  const out: Record<string, number | boolean> = {}
  for (const [i, [key, value]] of Object.entries(OP_NODE_GOSSIP_PARAMS).entries()) {
    out[key] = typeof value === 'boolean' ? i % 2 === 0 : 1000 + i
  }
  return out as unknown as GossipRouterParams
}

describe('gossip / routerOptions', () => {
  it('names every router parameter once, each with its own gossipsub option', () => {
    expect(Object.keys(GOSSIPSUB_OPTION_NAMES).sort()).toEqual(
      Object.keys(OP_NODE_GOSSIP_PARAMS).sort(),
    )
    const names = Object.values(GOSSIPSUB_OPTION_NAMES)
    expect(new Set(names).size).toBe(names.length)
    // The renamed ones, in the library's spelling.
    expect(GOSSIPSUB_OPTION_NAMES.heartbeatIntervalMs).toBe('heartbeatInterval')
    expect(GOSSIPSUB_OPTION_NAMES.unsubscribeBackoffMs).toBe('unsubcribeBackoff')
    expect(GOSSIPSUB_OPTION_NAMES.iwantFollowupMs).toBe('gossipsubIWantFollowupMs')
  })

  it('reads back exactly what it wrote: one table, both directions', () => {
    const params = distinctParams()
    const forward = toGossipsubParams(params) as Record<string, unknown>
    expect(forward.heartbeatInterval).toBe(params.heartbeatIntervalMs)
    expect(forward.seenTTL).toBe(params.seenTtlMs)
    expect(fromGossipsubParams(forward)).toEqual(params)
    expect(fromGossipsubParams(toGossipsubParams(OP_NODE_GOSSIP_PARAMS))).toEqual(
      OP_NODE_GOSSIP_PARAMS,
    )
  })

  it('adds the fixed settings op-node runs gossipsub with', () => {
    const topics = ['/optimism/901/0/blocks']
    const msgIdFn = () => new Uint8Array(20)
    const msgIdToStrFn = () => ''
    const o = gossipsubOptions(OP_NODE_GOSSIP_PARAMS, {
      topics,
      scoring: buildScoringConfig({
        level: 'light',
        ipColocation: true,
        blockTimeSeconds: 2,
        topics,
      }),
      msgIdFn,
      msgIdToStrFn,
    })
    expect(o).toMatchObject({
      D: 8,
      heartbeatInterval: 500,
      batchPublish: true,
      fallbackToFloodsub: true,
      globalSignaturePolicy: 'StrictNoSign',
      asyncValidation: true,
      allowedTopics: topics,
      maxInboundDataLength: 10 * 2 ** 20,
      maxOutboundBufferSize: MAX_OUTBOUND_BUFFER_BYTES,
      allowPublishToZeroTopicPeers: true,
      emitSelf: false,
    })
    expect(o.msgIdFn).toBe(msgIdFn)
    expect(o.msgIdToStrFn).toBe(msgIdToStrFn)
    expect(o.decodeRpcLimits?.maxIdontwantMessageIDs).toBe(1000)
  })
})
