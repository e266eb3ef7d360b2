import { readFileSync } from 'node:fs'
import { getMetrics } from '@libp2p/gossipsub/metrics'
import { describe, expect, it } from 'vitest'
import { createEngineMetrics } from '../../../src/engine/metrics.ts'
import {
  createGossipsubMetricsRegister,
  gossipsubTopicLabels,
} from '../../../src/metrics/libp2pMetrics.ts'
import { createMetricsRegistry } from '../../../src/metrics/metricsRegistry.ts'
import { createNodeMetrics } from '../../../src/metrics/nodeMetrics.ts'
import { createRedisMetrics } from '../../../src/redis/redisMetrics.ts'
import { parseMetricMeta } from './promText.ts'

interface Panel {
  type: string
  id: number
  title: string
  datasource?: { type: string; uid: string }
  gridPos: { h: number; w: number; x: number; y: number }
  targets?: Array<{ expr: string; datasource: { uid: string } }>
}

const dashboard = JSON.parse(
  readFileSync(new URL('../../../dashboards/grafana/op-gossip.json', import.meta.url), 'utf8'),
) as {
  schemaVersion: number
  uid: string
  panels: Panel[]
  templating: { list: Array<Record<string, unknown>> }
}

/** Every metric family a fully wired node registers (libp2p's own aside). */
async function registeredFamilies(): Promise<Set<string>> {
  const registry = createMetricsRegistry()
  createNodeMetrics(registry, { chainName: 'devnet', chainId: 901, version: 't' })
  createEngineMetrics(registry)
  createRedisMetrics(registry)
  getMetrics(createGossipsubMetricsRegister(registry), gossipsubTopicLabels(901), {
    gossipPromiseExpireSec: 3,
    behaviourPenaltyThreshold: 6,
    maxMeshMessageDeliveriesWindowSec: 2,
  })
  return new Set(parseMetricMeta(await registry.metrics()).keys())
}

/** Grafana's reference to the datasource variable (a literal `${...}`, not a JS template). */
const DATASOURCE_VAR = ['$', '{datasource}'].join('')

describe('metrics / dashboard', () => {
  it('is a Grafana 10+ dashboard with a Prometheus datasource variable used by every panel', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(38)
    expect(dashboard.uid).toBe('op-gossip')
    const ds = dashboard.templating.list.find((v) => v.name === 'datasource')
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' })
    const ids = dashboard.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const p of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: DATASOURCE_VAR })
      expect(p.targets?.length, p.title).toBeGreaterThan(0)
      for (const t of p.targets ?? []) expect(t.datasource.uid).toBe(DATASOURCE_VAR)
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24)
    }
  })

  it('lays panels out without overlaps', () => {
    const cells = new Set<string>()
    for (const p of dashboard.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const key = `${x},${y}`
          expect(cells.has(key), `${p.title} overlaps at ${key}`).toBe(false)
          cells.add(key)
        }
      }
    }
  })

  it('queries only metrics the node registers, and shows every op_gossip_ metric of docs/metrics.md', async () => {
    const families = await registeredFamilies()
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr)
    const raw = new Set(
      exprs.flatMap((e) => [...e.matchAll(/\b(op_gossip_[a-z0-9_]+)/g)].map((m) => m[1] as string)),
    )
    // A histogram is queried through its _bucket / _count / _sum series.
    const familyOf = (n: string) => (families.has(n) ? n : n.replace(/_(bucket|count|sum)$/, ''))
    const used = new Set([...raw].map(familyOf))
    for (const name of used)
      expect(families.has(name), `${name} is not a registered metric`).toBe(true)
    const doc = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8')
    const documented = [...doc.matchAll(/^\| `(op_gossip_[a-z0-9_]+)`/gm)].map(
      (m) => m[1] as string,
    )
    const processOnly = (n: string) =>
      n.startsWith('op_gossip_process_') || n.startsWith('op_gossip_nodejs_')
    const notShown = documented.filter(
      (n) => !used.has(n) && !processOnly(n) && n !== 'op_gossip_info',
    )
    expect(notShown).toEqual([])
    // and every documented metric exists
    for (const name of documented)
      expect(families.has(name), `${name} documented but not registered`).toBe(true)
  })
})
