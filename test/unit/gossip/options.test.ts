import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { GossipHostError } from '../../../src/gossip/errors.ts'
import { createGossipHost, type GossipHost } from '../../../src/gossip/host.ts'
import {
  DEFAULT_LISTEN_IP,
  DEFAULT_LISTEN_TCP_PORT,
  type GossipHostInit,
  resolveGossipHostOptions,
} from '../../../src/gossip/options.ts'
import { generatePeerKey } from '../../../src/gossip/peerIdentity.ts'

const chain = createDevnetChain({ chainId: 901, blockTime: 2 })
const base: GossipHostInit = { chain, privateKey: generatePeerKey() }
const neverCalled = {
  validate(): never {
    throw new Error('no messages expected')
  },
}

function optionError(init: Partial<GossipHostInit>): string | undefined {
  try {
    resolveGossipHostOptions({ ...base, ...init })
  } catch (err) {
    return err instanceof GossipHostError ? `${err.code}: ${err.message}` : String(err)
  }
  return undefined
}

describe('gossip / options', () => {
  let host: GossipHost

  beforeAll(async () => {
    host = createGossipHost(
      { ...base, listenIp: '127.0.0.1', listenTcpPort: 0 },
      { validator: neverCalled },
    )
    await host.start()
  })
  afterAll(async () => {
    await host.stop()
  })

  it('gives the running gossipsub exactly op-node router parameters (op-gossip.md §5.1)', () => {
    const s = host.routerSettings()
    // Values typed from the spec table, not from our own constants.
    expect({
      D: s.D,
      Dlo: s.Dlo,
      Dhi: s.Dhi,
      Dlazy: s.Dlazy,
      Dscore: s.Dscore,
      Dout: s.Dout,
      heartbeatIntervalMs: s.heartbeatIntervalMs,
      mcacheLength: s.mcacheLength,
      mcacheGossip: s.mcacheGossip,
      fanoutTtlMs: s.fanoutTtlMs,
      seenTtlMs: s.seenTtlMs,
      floodPublish: s.floodPublish,
      doPX: s.doPX,
      gossipFactor: s.gossipFactor,
      prunePeers: s.prunePeers,
      pruneBackoffMs: s.pruneBackoffMs,
      unsubscribeBackoffMs: s.unsubscribeBackoffMs,
      graftFloodThresholdMs: s.graftFloodThresholdMs,
      opportunisticGraftTicks: s.opportunisticGraftTicks,
      opportunisticGraftPeers: s.opportunisticGraftPeers,
      iwantFollowupMs: s.iwantFollowupMs,
      idontwantMinDataSizeBytes: s.idontwantMinDataSizeBytes,
      idontwantMaxMessages: s.idontwantMaxMessages,
    }).toEqual({
      D: 8,
      Dlo: 6,
      Dhi: 12,
      Dlazy: 6,
      Dscore: 4,
      Dout: 2,
      heartbeatIntervalMs: 500,
      mcacheLength: 12,
      mcacheGossip: 3,
      fanoutTtlMs: 24_000,
      seenTtlMs: 65_000,
      floodPublish: false,
      doPX: false,
      gossipFactor: 0.25,
      prunePeers: 16,
      pruneBackoffMs: 60_000,
      unsubscribeBackoffMs: 10_000,
      graftFloodThresholdMs: 10_000,
      opportunisticGraftTicks: 60,
      opportunisticGraftPeers: 2,
      iwantFollowupMs: 3000,
      idontwantMinDataSizeBytes: 1024,
      idontwantMaxMessages: 1000,
    })
  })

  it('is StrictNoSign, async-validating, 10 MiB inbound, exactly the four block topics', () => {
    const s = host.routerSettings()
    expect(s.signaturePolicy).toBe('StrictNoSign')
    expect(s.asyncValidation).toBe(true)
    expect(s.maxInboundDataLengthBytes).toBe(10_485_760)
    expect(s.allowedTopics).toEqual([
      '/optimism/901/0/blocks',
      '/optimism/901/1/blocks',
      '/optimism/901/2/blocks',
      '/optimism/901/3/blocks',
    ])
    expect(host.topics).toEqual(s.allowedTopics)
    // go-libp2p-pubsub v0.12 offers these; so does op-node.
    expect(s.protocols).toEqual([
      '/meshsub/1.2.0',
      '/meshsub/1.1.0',
      '/meshsub/1.0.0',
      '/floodsub/1.0.0',
    ])
  })

  it("uses op-node's peer-score thresholds and peer-level parameters for 2 s blocks", () => {
    const s = host.routerSettings()
    expect(s.scoreThresholds).toEqual({
      gossipThreshold: -10,
      publishThreshold: -40,
      graylistThreshold: -40,
      acceptPXThreshold: 20,
      opportunisticGraftThreshold: 0.05,
    })
    const p = s.scoreParams
    expect(p.IPColocationFactorWeight).toBe(-35)
    expect(p.IPColocationFactorThreshold).toBe(10)
    expect(p.behaviourPenaltyWeight).toBe(-16)
    expect(p.behaviourPenaltyThreshold).toBe(6)
    expect(p.behaviourPenaltyDecay).toBeCloseTo(0.01 ** (1 / 60), 12)
    expect(p.behaviourPenaltyDecay).toBeCloseTo(0.92612, 5)
    expect(p.decayInterval).toBe(2000)
    expect(p.decayToZero).toBe(0.01)
    expect(p.retainScore).toBe(1_200_000)
    expect(p.appSpecificWeight).toBe(1)
    expect(p.topicScoreCap).toBe(0)
    expect(Object.keys(p.topics as object).sort()).toEqual(s.allowedTopics)
  })

  it('defaults: listen 0.0.0.0:9222, peers 20/30/30 s, ban at -100 for 1 h, scoring light', () => {
    const o = resolveGossipHostOptions(base)
    expect(DEFAULT_LISTEN_IP).toBe('0.0.0.0')
    expect(DEFAULT_LISTEN_TCP_PORT).toBe(9222)
    expect(o.listenIp).toBe('0.0.0.0')
    expect(o.listenTcpPort).toBe(9222)
    expect(o.peers).toEqual({ lo: 20, hi: 30, graceMs: 30_000 })
    expect(o.ban).toEqual({ enabled: true, threshold: -100, durationMs: 3_600_000 })
    expect(o.scoring).toBe('light')
    expect(o.ipColocation).toBe(true)
    expect(o.dht).toBe(false)
    expect(o.validation).toEqual({ queueMaxLength: 256, concurrency: 4, timeoutMs: 3000 })
  })

  it('takes mesh overrides (benchmarks) and checks them', () => {
    const o = resolveGossipHostOptions({ ...base, router: { D: 4, Dlo: 3, Dhi: 6 } })
    expect([o.router.D, o.router.Dlo, o.router.Dhi, o.router.Dlazy]).toEqual([4, 3, 6, 6])
    expect(optionError({ router: { D: 4, Dlo: 5 } })).toMatch(
      /GOSSIP_BAD_OPTION: mesh degrees must satisfy Dlo <= D <= Dhi, got 5, 4, 12/,
    )
  })

  it('refuses inconsistent options with GOSSIP_BAD_OPTION naming the option', () => {
    expect(optionError({ peers: { lo: 31, hi: 30 } })).toMatch(/GOSSIP_BAD_OPTION: peers.lo/)
    expect(optionError({ listenTcpPort: 65536 })).toMatch(/GOSSIP_BAD_OPTION: listenTcpPort/)
    expect(optionError({ listenTcpPort: 65535 })).toBeUndefined()
    expect(optionError({ scoring: 'heavy' as 'light' })).toMatch(
      /scoring must be one of light, none/,
    )
    expect(optionError({ ban: { durationMs: 0 } })).toMatch(/ban.duration/)
    expect(optionError({ privateKey: new Uint8Array(31) })).toMatch(/privateKey/)
    expect(optionError({ privateKey: new Uint8Array(33) })).toMatch(/privateKey/)
    expect(optionError({ privateKey: new Uint8Array(65) })).toMatch(/privateKey/)
    expect(optionError({ privateKey: new Uint8Array(64) })).toBeUndefined() // Ed25519
  })

  it('limits each peer to 50 block-topic messages a second, burst 150, and checks the limit', () => {
    const o = resolveGossipHostOptions(base)
    expect(o.inboundMessages).toEqual({ perPeerPerSecond: 50, burst: 150 })
    expect(
      resolveGossipHostOptions({ ...base, inboundMessages: { perPeerPerSecond: 0 } })
        .inboundMessages,
    ).toEqual({ perPeerPerSecond: 0, burst: 150 })
    expect(optionError({ inboundMessages: { perPeerPerSecond: -1 } })).toMatch(
      /GOSSIP_BAD_OPTION: inboundMessages.perPeerPerSecond/,
    )
    expect(optionError({ inboundMessages: { burst: 1 } })).toBeUndefined()
    expect(optionError({ inboundMessages: { burst: 0 } })).toMatch(/inboundMessages.burst/)
  })

  it('keeps the validation timeout inside the mcache window (12 x 500 ms)', () => {
    expect(optionError({ validation: { timeoutMs: 5999 } })).toBeUndefined()
    expect(optionError({ validation: { timeoutMs: 6000 } })).toMatch(/mcache window \(6000 ms\)/)
  })
})
