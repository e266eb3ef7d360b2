/**
 * `op-gossip devnet --redis` as users run it: the real CLI starts Debian's redis-server in the
 * devnet directory and a mixed mesh (gossip, Redis-only, one gossip follower publishing to
 * Redis); every follower gets every block, whatever its road. Short run: 3 followers, 3 blocks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { escapeXml } from '../../src/report/svgFrame.ts'
import { runCli } from '../utils/cli.ts'
import { skipWithoutRedis } from '../utils/redisServer.ts'

const skip = skipWithoutRedis()
const tmp = mkdtempSync(join(tmpdir(), 'opg-e2e-devnet-redis-'))

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

describe('e2e / devnet --redis', () => {
  it.skipIf(skip)(
    'runs a mixed mesh where every follower, the Redis-only one included, receives every block',
    async () => {
      const dir = join(tmp, 'devnet')
      const args = ['devnet', '--redis', '--nodes', '3', '--blocks', '3', '--block-time', '1']
      const r = await runCli([...args, '--dir', dir, '--json'], { timeoutMs: 90_000 })
      expect(r.code, r.stderr).toBe(0)
      const lines = jsonLines(r.stdout)
      const ready = lines.find((l) => l.type === 'ready') as {
        nodes: Array<{ index: number; role: string; road: string }>
        redisUrl: string
      }
      expect(ready.nodes.map((n) => n.road)).toEqual(['gossip', 'gossip+redis', 'redis', 'gossip'])
      expect(ready.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
      expect(lines.find((l) => l.type === 'mesh')?.ok).toBe(true)
      const blocks = lines.filter((l) => l.type === 'block')
      expect(blocks.map((b) => b.number)).toEqual([1, 2, 3])
      for (const b of blocks) expect(b).toMatchObject({ received: 3, followers: 3 })
      expect(lines.filter((l) => l.type === 'problem')).toEqual([])
      expect(lines.at(-1)).toMatchObject({ type: 'stopped', reported: 3 })
      // the devnet stopped its redis-server
      expect(await accepts(ready.redisUrl)).toBe(false)
    },
    120_000,
  )

  it.skipIf(skip)(
    'bench latency --transport both reports delivery and latency per road next to the totals',
    async () => {
      const args = [
        'bench',
        'latency',
        '--transport',
        'both',
        '--nodes',
        '3',
        '--blocks',
        '4',
        // The start-up's end is not what this test checks: one CPU probe, then the idle window.
        '--startup-wait',
        '0',
        // Nor is the idle CPU: 1 s windows. Deliveries on 127.0.0.1, Redis's included, take
        // milliseconds: 1 s lets every measured block arrive.
        '--idle-window',
        '1',
        '--settle',
        '1',
      ]
      const report = join(tmp, 'report')
      const r = await runCli(
        [...args, '--warmup', '1', '--block-bytes', '30000', '--json', '--report', report],
        { timeoutMs: 120_000 },
      )
      expect(r.code, r.stderr).toBe(0)
      const result = JSON.parse(r.stdout.trim()) as {
        transport: string
        nodes: number
        delivery: number
        e2eMs: Record<string, number>
        perNode: unknown[]
        roads: Record<string, { nodes: number; delivery: number; e2eMs: Record<string, number> }>
      }
      expect(result.transport).toBe('both')
      // every existing field is still there
      expect(result).toMatchObject({ nodes: 3, delivery: 1 })
      expect(result.perNode).toHaveLength(3)
      expect(Object.keys(result.roads)).toEqual(['gossip', 'redis', 'gossip+redis'])
      for (const road of Object.values(result.roads)) {
        expect(road).toMatchObject({ nodes: 1, delivery: 1 })
        expect(Object.keys(road.e2eMs).sort()).toEqual(['max', 'p50', 'p90', 'p99'])
        expect(road.e2eMs.p50).toBeGreaterThan(0)
        expect(road.e2eMs.max).toBeLessThanOrEqual(result.e2eMs.max as number)
      }
      // The HTML report shows the same roads side by side: a row per road with its numbers, and
      // a CDF per road.
      const html = readFileSync(join(report, 'index.html'), 'utf8')
      expect(html).toContain('By road (--transport both)')
      for (const [name, road] of Object.entries(result.roads)) {
        const e = road.e2eMs
        const row = `<tr><td>${escapeXml(name)}</td>`
        const at = html.indexOf(row, html.indexOf('By road'))
        expect(at, name).toBeGreaterThan(0)
        const cells = html.slice(at, html.indexOf('</tr>', at))
        expect(cells).toContain('<td>1.000 (4 / 4)</td>')
        expect(cells).toContain(
          `<td>${e.p50}</td><td>${e.p90}</td><td>${e.p99}</td><td>${e.max}</td>`,
        )
        expect(html).toContain(`${escapeXml(name)} (1)`) // its CDF's legend
      }
    },
    150_000,
  )

  // Usage errors: independent short runs, side by side.
  it.concurrent('bench latency --transport redis without redis-server: one line, exit status 2', async () => {
    const emptyPath = mkdtempSync(join(tmp, 'path-'))
    const r = await runCli(['bench', 'latency', '--transport', 'redis'], {
      env: { PATH: emptyPath },
      timeoutMs: 30_000,
    })
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('--transport')
    expect(r.stderr).toContain('apt-get install redis-server')
  })

  it.concurrent('says in one line how to get redis-server when it is missing, exit status 2', async () => {
    const emptyPath = mkdtempSync(join(tmp, 'path-'))
    const r = await runCli(['devnet', '--redis', '--dir', join(tmp, 'none')], {
      env: { PATH: emptyPath },
      timeoutMs: 30_000,
    })
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('--redis')
    expect(r.stderr).toContain('apt-get install redis-server')
  })
})
