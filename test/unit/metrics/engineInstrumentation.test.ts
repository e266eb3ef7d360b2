import { afterEach, describe, expect, it } from 'vitest'
import { type ElSim, startElSim } from '../../../src/engine/elSim.ts'
import { createEngineClient } from '../../../src/engine/engineClient.ts'
import { EngineError } from '../../../src/engine/errors.ts'
import { NEW_PAYLOAD_METHOD, ZERO_HASH } from '../../../src/engine/schema.ts'
import { errorOutcome, instrumentEngineClient } from '../../../src/metrics/engineInstrumentation.ts'
import { createMetricsRegistry } from '../../../src/metrics/metricsRegistry.ts'
import { createNodeMetrics } from '../../../src/metrics/nodeMetrics.ts'
import { buildTestChain, hashOf, JWT_SECRET } from '../engine/helpers.ts'
import { metricValue, parseMetrics } from './promText.ts'

const sims: ElSim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()))
})

describe('metrics / engineInstrumentation', () => {
  it('times every call by JSON-RPC method and outcome and reports newPayload / FCU answers', async () => {
    const t = buildTestChain(3)
    const [b1, b2, b3] = t.blocks as [
      (typeof t.blocks)[0],
      (typeof t.blocks)[0],
      (typeof t.blocks)[0],
    ]
    const sim = await startElSim({
      chain: t.chain,
      jwtSecret: JWT_SECRET,
      genesis: t.genesis,
      invalidHashes: [hashOf(b3)],
    })
    sims.push(sim)
    const registry = createMetricsRegistry({ processMetrics: false })
    const metrics = createNodeMetrics(registry, {
      chainName: 'devnet',
      chainId: t.chain.chainId,
      version: 't',
    })
    const answers: string[] = []
    const client = instrumentEngineClient(
      createEngineClient({ url: sim.url, jwtSecret: JWT_SECRET, chain: t.chain, retries: 0 }),
      {
        metrics,
        timeline: {
          onNewPayload: (hash, outcome) => answers.push(`np ${hash} ${outcome}`),
          onForkchoice: (hash, outcome) => answers.push(`fcu ${hash} ${outcome}`),
        },
      },
    )
    expect(client.url).toBe(sim.url)
    expect(await client.chainId()).toBe(t.chain.chainId)
    expect((await client.newPayload(b1.envelope)).status).toBe('VALID')
    const fcu = await client.forkchoiceUpdated({
      headBlockHash: hashOf(b1),
      safeBlockHash: ZERO_HASH,
      finalizedBlockHash: ZERO_HASH,
    })
    expect(fcu.payloadStatus.status).toBe('VALID')
    expect((await client.newPayload(b2.envelope)).status).toBe('VALID')
    expect((await client.newPayload(b3.envelope)).status).toBe('INVALID')
    const heads = await client.readHeads()
    expect(heads.latest.hash).toBe(hashOf(b1))
    expect(await client.getBlockByHash(`0x${'ab'.repeat(32)}`)).toBeNull()

    expect(answers).toEqual([
      `np ${hashOf(b1)} VALID`,
      `fcu ${hashOf(b1)} VALID`,
      `np ${hashOf(b2)} VALID`,
      `np ${hashOf(b3)} INVALID`,
    ])
    const s = parseMetrics(await registry.metrics())
    const count = (method: string, outcome: string) =>
      metricValue(s, 'op_gossip_engine_request_duration_seconds_count', { method, outcome })
    const np = NEW_PAYLOAD_METHOD[b1.version]
    expect(count(np, 'VALID')).toBe(2)
    expect(count(np, 'INVALID')).toBe(1)
    expect(count('engine_forkchoiceUpdatedV3', 'VALID')).toBe(1)
    expect(count('eth_chainId', 'ok')).toBe(1)
    expect(count('eth_getBlockByNumber', 'ok')).toBeGreaterThanOrEqual(1) // latest (+ safe/finalized if set)
    expect(count('eth_getBlockByHash', 'not_found')).toBe(1)
    expect(
      metricValue(s, 'op_gossip_engine_request_duration_seconds_sum', {
        method: np,
        outcome: 'VALID',
      }),
    ).toBeGreaterThan(0)
  })

  it('labels a failed call with its error code and still rethrows it', async () => {
    const t = buildTestChain(1)
    const sim = await startElSim({
      chain: t.chain,
      jwtSecret: new Uint8Array(32).fill(9),
      genesis: t.genesis,
    })
    sims.push(sim)
    const registry = createMetricsRegistry({ processMetrics: false })
    const metrics = createNodeMetrics(registry, {
      chainName: 'devnet',
      chainId: t.chain.chainId,
      version: 't',
    })
    const answers: string[] = []
    const client = instrumentEngineClient(
      createEngineClient({ url: sim.url, jwtSecret: JWT_SECRET, chain: t.chain, retries: 0 }),
      {
        metrics,
        timeline: {
          onNewPayload: (_h, o) => answers.push(o),
          onForkchoice: (_h, o) => answers.push(o),
        },
      },
    )
    await expect(client.newPayload(t.blocks[0]!.envelope)).rejects.toBeInstanceOf(EngineError)
    expect(answers).toEqual(['ENGINE_AUTH_FAILED'])
    const s = parseMetrics(await registry.metrics())
    expect(
      metricValue(s, 'op_gossip_engine_request_duration_seconds_count', {
        outcome: 'ENGINE_AUTH_FAILED',
      }),
    ).toBe(1)
  })

  it('keeps outcome labels to a fixed vocabulary', () => {
    expect(errorOutcome(new EngineError('ENGINE_TIMEOUT', 'x'))).toBe('ENGINE_TIMEOUT')
    expect(errorOutcome(new Error('boom'))).toBe('error')
    expect(errorOutcome({ code: 'not a code; rm -rf' })).toBe('error')
    expect(errorOutcome(null)).toBe('error')
  })
})
