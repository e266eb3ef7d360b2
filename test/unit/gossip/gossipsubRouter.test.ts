import { TopicValidatorResult } from '@libp2p/gossipsub'
import { describe, expect, it } from 'vitest'
import { asGossipsubRouter, ROUTER_RESULT } from '../../../src/gossip/gossipsubRouter.ts'

const fn = () => {}
const complete = {
  subscribe: fn,
  publish: fn,
  reportMessageValidationResult: fn,
  getMeshPeers: fn,
  getScore: fn,
}

describe('gossip / gossipsubRouter', () => {
  it('accepts a router with every method the host calls, and names a missing one', () => {
    expect(asGossipsubRouter(complete)).toBe(complete)
    const { getScore: _, ...lacking } = complete
    expect(() => asGossipsubRouter(lacking)).toThrow(/lacks getScore\(\)/)
  })

  it("maps each verdict to gossipsub's result", () => {
    expect(ROUTER_RESULT).toEqual({
      accept: TopicValidatorResult.Accept,
      reject: TopicValidatorResult.Reject,
      ignore: TopicValidatorResult.Ignore,
    })
  })
})
