/**
 * Observability's lifecycle: it observes the parts it is handed (stub status views here), serves
 * /metrics between start() and stop(), and refuses to start before it has parts to observe.
 */
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import type { GossipHostEvents } from '../../../src/gossip/host.ts'
import { createObservability, type Observability } from '../../../src/metrics/observability.ts'
import type { P2pStatusSource } from '../../../src/status/statusSources.ts'

const chain = createDevnetChain({})
const started: Observability[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((o) => o.stop()))
})

const p2p: P2pStatusSource = {
  self: () => ({ peerId: 'self', addresses: [], protocols: [], agentVersion: 'op-gossip/test' }),
  peers: async () => [
    {
      peerId: 'a',
      direction: 'inbound',
      addresses: [],
      score: 0,
      isProtected: false,
      agentVersion: null,
      meshTopics: [],
    },
  ],
  peerCount: () => 1,
  bans: () => [],
  blockPeer: () => {},
  unblockPeer: () => false,
  connectPeer: async () => {},
  disconnectPeer: async () => {},
}

function parts() {
  return { host: { events: new EventEmitter<GossipHostEvents>() }, p2p, sync: null }
}

describe('metrics / observability', () => {
  it('serves /metrics from start to stop, reading the status views it observes', async () => {
    const obs = createObservability(
      {
        chain,
        metrics: { host: '127.0.0.1', port: 0 },
        engineEnabled: false,
        processMetrics: false,
      },
      {},
    )
    started.push(obs)
    expect(obs.libp2pMetrics()).toBeDefined()
    obs.observe(parts())
    expect(obs.p2p).toBe(p2p)
    expect(obs.sync).toBeNull()
    expect(obs.metricsUrl).toBeNull()
    await obs.start()
    const url = obs.metricsUrl as string
    const text = await (await fetch(`${url}/metrics`)).text()
    expect(text).toMatch(/^op_gossip_peers\{direction="inbound"\} 1$/m)
    obs.noteManualUnban('somebody') // no ban known: nothing counted, nothing thrown
    await obs.stop()
    expect(obs.metricsUrl).toBeNull()
    await expect(fetch(`${url}/metrics`)).rejects.toThrow()
    await obs.stop() // twice is fine
  })

  it('runs without metrics: no registry, no hooks, no endpoint', async () => {
    const obs = createObservability({ chain, metrics: null, engineEnabled: true })
    started.push(obs)
    expect(obs.registry).toBeNull()
    expect(obs.libp2pMetrics()).toBeUndefined()
    expect(obs.gossipsubMetrics()).toBeUndefined()
    obs.observe(parts())
    await obs.start()
    expect(obs.metricsUrl).toBeNull()
  })

  it('refuses to start before observe(parts)', async () => {
    const obs = createObservability({ chain, metrics: null, engineEnabled: true })
    await expect(obs.start()).rejects.toMatchObject({ code: 'METRICS_NOT_OBSERVING' })
  })
})
