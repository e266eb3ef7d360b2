import { describe, expect, it } from 'vitest'
import {
  chainBlockTime,
  devnetGenesis,
  devnetPeerTargets,
  planDevnet,
} from '../../../src/devnet/devnetPlan.ts'
import { DEFAULT_PEERS_HI, DEFAULT_PEERS_LO } from '../../../src/gossip/connectionTrimmer.ts'
import { MAX_CONNECTIONS_PER_PEERS_HI } from '../../../src/gossip/options.ts'

describe('devnet / devnetPlan: peer targets and genesis', () => {
  it("gives followers op-node's targets, the low one capped at every other node", () => {
    expect(devnetPeerTargets(7).peers).toEqual({ lo: 6, hi: DEFAULT_PEERS_HI })
    expect(devnetPeerTargets(51).peers).toEqual({ lo: DEFAULT_PEERS_LO, hi: DEFAULT_PEERS_HI })
  })

  it('leaves the bootnode room for a connection from every node, however large the devnet', () => {
    for (const total of [2, 13, 31, 51, 201]) {
      const { bootnodePeers, peers } = devnetPeerTargets(total)
      expect(bootnodePeers.lo).toBe(peers.lo)
      // Every other node stays connected (no trimming below total - 1) ...
      expect(bootnodePeers.hi).toBeGreaterThanOrEqual(total - 1)
      // ... and libp2p's hard cap admits one more connection from each of them.
      expect(bootnodePeers.hi * MAX_CONNECTIONS_PER_PEERS_HI).toBeGreaterThan(total - 1)
      expect(bootnodePeers.hi).toBeGreaterThanOrEqual(DEFAULT_PEERS_HI)
    }
  })

  it('derives a distinct genesis hash per chain id and time', () => {
    const a = devnetGenesis(901, 1)
    expect(a?.l2Hash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(devnetGenesis(901, 2)?.l2Hash).not.toBe(a?.l2Hash)
    expect(devnetGenesis(902, 1)?.l2Hash).not.toBe(a?.l2Hash)
    expect(devnetGenesis(901, 1)).toEqual(a)
  })

  it('keeps the chain block time whole and gives a fractional one to the sequencer alone', async () => {
    expect(chainBlockTime(0.2)).toBe(1)
    expect(chainBlockTime(1.5)).toBe(1)
    expect(chainBlockTime(2)).toBe(2)
    const mesh = { d: 8, lo: 6, hi: 12 }
    const fast = await planDevnet({ followers: 1, blockTimeSeconds: 0.2, mesh })
    expect(fast.chain.blockTime).toBe(1)
    const seq = fast.nodeConfig(0, '127.0.0.1', { bootnode: null, elUpstream: null })
    expect(seq.sequencer?.intervalSeconds).toBe(0.2)
    expect(seq.chain.blockTime).toBe(1)
    const whole = await planDevnet({ followers: 1, blockTimeSeconds: 2, mesh })
    expect(whole.chain.blockTime).toBe(2)
    const wholeSeq = whole.nodeConfig(0, '127.0.0.1', { bootnode: null, elUpstream: null })
    expect(wholeSeq.sequencer).toBeDefined()
    expect(wholeSeq.sequencer && 'intervalSeconds' in wholeSeq.sequencer).toBe(false)
  })
})
