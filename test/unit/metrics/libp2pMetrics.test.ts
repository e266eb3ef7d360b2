import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { getMetrics } from '@libp2p/gossipsub/metrics'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { Registry } from 'prom-client'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createGossipsubMetricsRegister,
  gossipsubGaugeName,
  gossipsubMetricName,
  gossipsubMetricsOptions,
  gossipsubTopicLabels,
  libp2pMetricsOption,
  topicLabel,
} from '../../../src/metrics/libp2pMetrics.ts'
import { createMetricsRegistry } from '../../../src/metrics/metricsRegistry.ts'
import { allBlocksTopics, blocksTopic } from '../../../src/wire/topics.ts'
import { metricValue, parseMetricMeta, parseMetrics } from './promText.ts'

const CHAIN_ID = 901

describe('metrics / libp2pMetrics', () => {
  it('labels the four block topics blocksV1..blocksV4 and anything else other', () => {
    expect([...gossipsubTopicLabels(CHAIN_ID).entries()]).toEqual(
      allBlocksTopics(CHAIN_ID).map((t, i) => [t, `blocksV${i + 1}`]),
    )
    expect(topicLabel('/optimism/10/2/blocks')).toBe('blocksV3')
    expect(topicLabel('/eth2/beacon_block')).toBe('other')
  })

  it('prefixes gossipsub metric names and fixes the upstream typos', () => {
    expect(gossipsubMetricName('gossipsub_mesh_peer_count')).toBe(
      'op_gossip_gossipsub_mesh_peer_count',
    )
    expect(gossipsubMetricName('gossisub_duplicate_msg_late_delivery_total')).toBe(
      'op_gossip_gossipsub_duplicate_msg_late_delivery_total',
    )
    expect(gossipsubMetricName('gossip_iwant_promise_untracked')).toBe(
      'op_gossip_gossipsub_iwant_promise_untracked',
    )
  })

  it('follows Prometheus naming: *_total counters, no *_count gauges, a topic label', async () => {
    const registry = createMetricsRegistry({ processMetrics: false })
    const m = getMetrics(createGossipsubMetricsRegister(registry), gossipsubTopicLabels(CHAIN_ID), {
      gossipPromiseExpireSec: 3,
      behaviourPenaltyThreshold: 6,
      maxMeshMessageDeliveriesWindowSec: 2,
    })
    m.rpcRecvBytes.inc(100)
    m.rpcRecvBytes.inc(20)
    const topic = blocksTopic(CHAIN_ID, 3)
    m.onJoin(topic)
    m.onAddToMesh(topic, 'subscribed' as never, 2)
    const text = await registry.metrics()
    const meta = parseMetricMeta(text)
    const totals = [...meta].filter(([name]) => name.endsWith('_total'))
    expect(totals.length).toBeGreaterThan(70)
    for (const [name, { type }] of totals) expect(type, name).toBe('counter')
    for (const [name, { type }] of meta) {
      if (name.endsWith('_count')) expect.fail(`${name} is a ${type} named like a histogram part`)
    }
    expect(gossipsubGaugeName('gossipsub_mesh_peer_count')).toBe('op_gossip_gossipsub_mesh_peers')
    expect(gossipsubGaugeName('gossipsub_mcache_not_validated_count')).toBe(
      'op_gossip_gossipsub_mcache_not_validated',
    )
    expect(gossipsubGaugeName('gossipsub_mcache_size')).toBe('op_gossip_gossipsub_mcache_size')
    const samples = parseMetrics(text)
    expect(metricValue(samples, 'op_gossip_gossipsub_rpc_recv_bytes_total')).toBe(120)
    expect(text).not.toContain('topicStr')
    expect(metricValue(samples, 'op_gossip_gossipsub_topic_subscription_status', { topic })).toBe(1)
  })

  it("registers every metric of gossipsub's getMetrics on our registry, with working hooks", async () => {
    const registry = createMetricsRegistry({ processMetrics: false })
    const m = getMetrics(createGossipsubMetricsRegister(registry), gossipsubTopicLabels(CHAIN_ID), {
      gossipPromiseExpireSec: 3,
      // 0 makes several computed bucket lists all-zero: duplicates must not break the histogram.
      behaviourPenaltyThreshold: 0,
      maxMeshMessageDeliveriesWindowSec: 2,
    })
    let collected = 0
    m.mcacheSize.addCollect(() => {
      collected++
      m.mcacheSize.set(7)
    })
    m.peersPerProtocol.set({ protocol: '/meshsub/1.1.0' }, 3)
    m.heartbeatDuration.observe(0.05)
    m.score.set([-10, 0, 4])
    m.scoreWeights.set({ topic: 'blocksV3', p: 'p1' }, [1, 3])

    const text = await registry.metrics()
    const samples = parseMetrics(text)
    const families = [...parseMetricMeta(text).keys()]
    expect(families.length).toBeGreaterThan(90)
    expect(families.every((n) => n.startsWith('op_gossip_gossipsub_'))).toBe(true)
    expect(collected).toBe(1)
    expect(metricValue(samples, 'op_gossip_gossipsub_mcache_size')).toBe(7)
    expect(
      metricValue(samples, 'op_gossip_gossipsub_peers_per_protocol', {
        protocol: '/meshsub/1.1.0',
      }),
    ).toBe(3)
    expect(metricValue(samples, 'op_gossip_gossipsub_heartbeat_duration_seconds_count')).toBe(1)
    expect(metricValue(samples, 'op_gossip_gossipsub_score', { stat: 'avg' })).toBe(-2)
    expect(metricValue(samples, 'op_gossip_gossipsub_score', { stat: 'min' })).toBe(-10)
    expect(metricValue(samples, 'op_gossip_gossipsub_score', { stat: 'max' })).toBe(4)
    expect(
      metricValue(samples, 'op_gossip_gossipsub_score_weights', {
        topic: 'blocksV3',
        p: 'p1',
        stat: 'avg',
      }),
    ).toBe(2)
  })

  describe('with two real libp2p nodes over TCP', () => {
    const nodes: Libp2p[] = []
    afterAll(async () => {
      await Promise.all(nodes.map((n) => n.stop()))
    })

    async function startNode(registry: Registry): Promise<Libp2p> {
      const node = await createLibp2p({
        addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        metrics: libp2pMetricsOption(registry),
        services: {
          identify: identify(),
          pubsub: gossipsub({
            ...gossipsubMetricsOptions(registry, CHAIN_ID),
            heartbeatInterval: 200,
          }),
        },
      })
      nodes.push(node)
      return node
    }

    it("puts each node's libp2p and gossipsub metrics on that node's registry", async () => {
      const regA = createMetricsRegistry({ processMetrics: false })
      const regB = createMetricsRegistry({ processMetrics: false })
      // Created one after the other (see the caveat in libp2pMetrics.ts).
      const a = await startNode(regA)
      const b = await startNode(regB)
      const topic = blocksTopic(CHAIN_ID, 4)
      const pubA = a.services.pubsub as unknown as {
        subscribe(t: string): void
        getMeshPeers(t: string): string[]
      }
      const pubB = b.services.pubsub as unknown as {
        subscribe(t: string): void
        getMeshPeers(t: string): string[]
      }
      pubA.subscribe(topic)
      pubB.subscribe(topic)
      await a.dial(b.getMultiaddrs()[0]!)
      const deadline = Date.now() + 10_000
      while (pubA.getMeshPeers(topic).length === 0 || pubB.getMeshPeers(topic).length === 0) {
        if (Date.now() > deadline) throw new Error('no mesh within 10 s')
        await new Promise((r) => setTimeout(r, 50))
      }
      for (const reg of [regA, regB]) {
        const samples = parseMetrics(await reg.metrics())
        const names = new Set(samples.map((s) => s.name))
        expect([...names].some((n) => n.startsWith('libp2p_'))).toBe(true)
        expect(names.has('libp2p_data_transfer_bytes_total')).toBe(true)
        expect(metricValue(samples, 'op_gossip_gossipsub_mesh_peers', { topic })).toBe(1)
        // Default process metrics come from our registry (prefixed), not from libp2p's helper.
        expect(names.has('process_resident_memory_bytes')).toBe(false)
      }
    })
  })
})
