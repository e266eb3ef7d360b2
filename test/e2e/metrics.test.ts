/**
 * /metrics of a running node after a small real run: three gossip hosts over TCP on 127.0.0.1,
 * one of them (B) wired like node.ts (timeline, Engine driver on an el-sim, observability), a
 * sequencer publishing a few blocks from another host (A). Every metric docs/metrics.md lists
 * must be there, with values that match what happened.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBlockBuilder, devnetKey } from '../../src/blocks/blockBuilder.ts'
import { NEW_PAYLOAD_METHOD } from '../../src/engine/schema.ts'
import { BLOCK_LOG_MESSAGE } from '../../src/metrics/blockLog.ts'
import { captureLogs } from '../unit/metrics/logCapture.ts'
import { freshGenesis, type ObservedNode, startObservedNode } from '../unit/metrics/observedNode.ts'
import { metricSum, metricValue, parseMetricMeta, parseMetrics } from '../unit/metrics/promText.ts'
import {
  connect,
  type MeshNode,
  SEQUENCER_KEY,
  startNode,
  stopAll,
  testChain,
  waitFor,
} from '../utils/mesh.ts'
import { ownSeries, promtoolAvailableOrRequired, promtoolCheckMetrics } from '../utils/promtool.ts'

const BLOCKS = 4
const chain = testChain({ blockTime: 1, genesis: freshGenesis(BLOCKS + 4) })
const JWT_SECRET = devnetKey('metrics-e2e-jwt')

/**
 * Metric families named in the tables of docs/metrics.md, but for sections of metrics a node
 * registers only with a flag this node does not have ("Registered only with `--redis.url`").
 */
function documentedMetrics(): string[] {
  const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8')
  const always = doc
    .split(/^### /m)
    .filter((section) => !/^Registered only with `--/m.test(section))
    .join('')
  return [...always.matchAll(/^\| `(op_gossip_[a-z0-9_]+)`/gm)].map((m) => m[1] as string)
}

describe('e2e / metrics', () => {
  const logs = captureLogs('json', 'info')
  let a: MeshNode
  let c: MeshNode
  let b: ObservedNode

  beforeAll(async () => {
    a = await startNode({ chain })
    c = await startNode({ chain })
    b = await startObservedNode({ chain, log: logs.log, jwtSecret: JWT_SECRET })
    await a.host.dial(b.address)
    await c.host.dial(b.address)
    await connect(a, c)
    const topic = b.host.topics[3] as string
    await waitFor('B in a mesh with A and C', () => (b.host.meshPeers()[topic]?.length ?? 0) === 2)
    // Timestamps from genesis on: the blocks are a few seconds old when they are published.
    const builder = createBlockBuilder({
      chain,
      privateKey: SEQUENCER_KEY,
      seed: 21,
      txCount: 2,
      startTimestamp: BigInt((chain.genesis?.l2Time ?? 0) + 1),
    })
    for (let i = 0; i < BLOCKS; i++) await a.host.publish(builder.next())
    await waitFor(
      'the EL to confirm every block',
      () => b.engine.status().confirmed?.number === BLOCKS,
    )
    await waitFor(
      'one log line per block',
      () => logs.lines.filter((l) => l.msg === BLOCK_LOG_MESSAGE).length === BLOCKS,
    )
  })
  afterAll(async () => {
    await b?.stop()
    await stopAll([a, c].filter(Boolean))
  })

  it('serves every documented metric', async () => {
    const documented = documentedMetrics()
    expect(documented.length).toBeGreaterThan(25)
    const text = await (await fetch(`${b.obs.metricsUrl}/metrics`)).text()
    const families = parseMetricMeta(text)
    const missing = documented.filter((name) => !families.has(name))
    expect(missing).toEqual([])
    for (const name of documented) expect(families.get(name)?.help, name).not.toBe('')
  })

  it.runIf(promtoolAvailableOrRequired())(
    'passes `promtool check metrics` on every op_gossip_ series (counters, names, labels)',
    async () => {
      const text = await (await fetch(`${b.obs.metricsUrl}/metrics`)).text()
      const own = ownSeries(text)
      // The gossipsub adapter's series are among them, counters included.
      expect(own).toContain('# TYPE op_gossip_gossipsub_rpc_recv_bytes_total counter')
      expect(own).toContain('# TYPE op_gossip_peer_score gauge')
      expect(own).not.toContain('topicStr')
      const check = promtoolCheckMetrics(own)
      expect(check.output).toBe('')
      expect(check.status).toBe(0)
    },
  )

  it('counts what happened: blocks accepted, EL calls, heads, peers', async () => {
    const s = parseMetrics(await (await fetch(`${b.obs.metricsUrl}/metrics`)).text())
    expect(metricSum(s, 'op_gossip_gossip_messages_total', { verdict: 'accept' })).toBe(BLOCKS)
    expect(metricSum(s, 'op_gossip_gossip_messages_total', { verdict: 'reject' })).toBe(0)
    expect(metricValue(s, 'op_gossip_gossip_validation_duration_seconds_count')).toBe(BLOCKS)

    // Blocks are 4-7 s old when published: the arrival delay says so.
    expect(metricValue(s, 'op_gossip_block_arrival_delay_seconds_count')).toBe(BLOCKS)
    const meanDelay =
      (metricValue(s, 'op_gossip_block_arrival_delay_seconds_sum') as number) / BLOCKS
    expect(meanDelay).toBeGreaterThan(3)
    expect(meanDelay).toBeLessThan(30)
    expect(
      metricValue(s, 'op_gossip_block_stage_delay_seconds_count', { stage: 'validated' }),
    ).toBe(BLOCKS)
    expect(
      metricValue(s, 'op_gossip_block_stage_delay_seconds_count', { stage: 'new_payload' }),
    ).toBe(BLOCKS)
    expect(
      metricValue(s, 'op_gossip_block_stage_delay_seconds_count', { stage: 'forkchoice' }),
    ).toBeGreaterThanOrEqual(1)

    const method = NEW_PAYLOAD_METHOD[4]
    expect(
      metricValue(s, 'op_gossip_engine_request_duration_seconds_count', {
        method,
        outcome: 'VALID',
      }),
    ).toBe(BLOCKS)
    expect(
      metricSum(s, 'op_gossip_engine_request_duration_seconds_count', {
        method: 'engine_forkchoiceUpdatedV3',
        outcome: 'VALID',
      }),
    ).toBeGreaterThanOrEqual(1)
    expect(metricValue(s, 'op_gossip_engine_new_payload_total', { status: 'VALID' })).toBe(BLOCKS)
    expect(metricValue(s, 'op_gossip_engine_target_block_number')).toBe(BLOCKS)
    expect(metricValue(s, 'op_gossip_unsafe_head_block_number')).toBe(BLOCKS)
    expect(metricValue(s, 'op_gossip_engine_confirmed_block_number')).toBe(BLOCKS)
    expect(metricValue(s, 'op_gossip_engine_syncing')).toBe(0)
    expect(metricValue(s, 'op_gossip_engine_gap_blocks')).toBe(0)

    expect(metricSum(s, 'op_gossip_peers')).toBe(2)
    expect(metricValue(s, 'op_gossip_peers', { direction: 'inbound' })).toBe(2)
    expect(metricValue(s, 'op_gossip_mesh_peers', { topic: 'blocksV4' })).toBe(2)
    expect(s.filter((x) => x.name === 'op_gossip_peer_score')).toHaveLength(2)
    expect(metricValue(s, 'op_gossip_banned_peers')).toBe(0)
    expect(metricValue(s, 'op_gossip_process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20)
    expect(metricValue(s, 'op_gossip_info', { chain: chain.name })).toBe(1)
  })

  it('logs one info line per accepted block with number, hash, peer, arrival delay and outcome', () => {
    const lines = logs.lines.filter((l) => l.msg === BLOCK_LOG_MESSAGE)
    expect(lines.map((l) => l.number)).toEqual([1, 2, 3, 4])
    for (const line of lines) {
      expect(line.level).toBe(30)
      expect(line.hash).toMatch(/^0x[0-9a-f]{64}$/)
      expect([a.host.peerId, c.host.peerId]).toContain(line.peer)
      expect(line.arrivalDelayMs).toBeGreaterThan(0)
      expect(line.newPayload).toBe('VALID')
      expect(line.engine).toBe('VALID')
    }
  })
})
