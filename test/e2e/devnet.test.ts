/**
 * The devnet and the latency benchmark as users run them: the real CLI in a child process,
 * real node processes talking libp2p over 127.0.0.1. Short runs (3 followers, a few 1 s blocks);
 * the long runs are benchmarks, not tests.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { chooseEntryPoint } from '../../bin/entryPoint.js'
import { loadRollupConfigFile } from '../../src/chains/rollupConfig.ts'
import { BENCH_TEMP_DIR_PREFIX } from '../../src/cli/commands/benchLatency.ts'
import { addRunOptions, type RunFlags } from '../../src/cli/run/flags.ts'
import { parseRunFlags } from '../../src/cli/run/parse.ts'
import { peerIdFromPrivateKeyBytes } from '../../src/gossip/host.ts'
import { parsePeerKey } from '../../src/gossip/peerIdentity.ts'
import { CLI, NODE, parseFlags, ROOT, runCli } from '../utils/cli.ts'

const tmp = mkdtempSync(join(tmpdir(), 'opg-e2e-devnet-'))

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

/** The arguments of the indented command in `markdown` that starts with `prefix`. */
function joinCommandArgs(markdown: string, prefix: string): string[] {
  const start = markdown.indexOf(`    ${prefix} `)
  expect(start).toBeGreaterThanOrEqual(0)
  const lines: string[] = []
  for (const line of markdown.slice(start).split('\n')) {
    lines.push(line.replace(/\\$/, ''))
    if (!line.endsWith('\\')) break
  }
  return lines.join(' ').trim().split(/\s+/).slice(prefix.split(' ').length)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('e2e / devnet', () => {
  it('runs a devnet where every follower receives every block, and writes the join files', async () => {
    const dir = join(tmp, 'devnet')
    const r = await runCli(
      ['devnet', '--nodes', '3', '--blocks', '3', '--block-time', '1', '--dir', dir, '--json'],
      { timeoutMs: 60_000 },
    )
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const ready = lines.find((l) => l.type === 'ready') as {
      nodes: Array<{ index: number; role: string; peerId: string; pid: number }>
      bootnode: string
    }
    // no node process outlives the devnet
    expect(ready.nodes.filter((n) => alive(n.pid))).toEqual([])
    expect(ready.nodes.map((n) => n.role)).toEqual([
      'sequencer',
      'follower',
      'follower',
      'follower',
    ])
    expect(new Set(ready.nodes.map((n) => n.peerId)).size).toBe(4)
    expect(lines.find((l) => l.type === 'mesh')?.ok).toBe(true)
    const blocks = lines.filter((l) => l.type === 'block')
    expect(blocks.map((b) => b.number)).toEqual([1, 2, 3])
    for (const b of blocks) {
      expect(b).toMatchObject({ received: 3, followers: 3 })
      expect(b.firstMs as number).toBeGreaterThanOrEqual(0)
      expect(b.lastMs as number).toBeLessThan(1000)
      expect(b.txs).toBe(21)
    }
    expect(lines.at(-1)).toMatchObject({ type: 'stopped', reported: 3 })

    const chain = loadRollupConfigFile(join(dir, 'rollup.json'))
    expect(chain.chainId).toBe(901)
    expect(chain.blockTime).toBe(1)
    const peers = readFileSync(join(dir, 'peers.txt'), 'utf8').trim().split('\n')
    expect(peers[0]).toBe(ready.bootnode)
    expect(peers).toHaveLength(4)
    // Devnet identities are Ed25519 (12D3KooW IDs); a node's key file reproduces its peer ID.
    expect(peers.every((p) => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/.test(p))).toBe(true)
    const node3Key = parsePeerKey(readFileSync(join(dir, 'keys/node-3.key'), 'utf8'))
    expect(ready.nodes.find((n) => n.index === 3)?.peerId).toBe(peerIdFromPrivateKeyBytes(node3Key))
    for (const f of [
      'devnet.json',
      'JOIN.md',
      'keys/sequencer.key',
      'keys/node-3.key',
      'logs/sequencer.log',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true)
    }
    // JOIN.md's op-gossip command works as pasted: this devnet's real path, a free RPC port.
    const joinMd = readFileSync(join(dir, 'JOIN.md'), 'utf8')
    expect(joinMd).toContain(`--rollup.config ${join(dir, 'rollup.json')} `)
    expect(joinMd).not.toContain('$DEVNET')
    const settings = await parseRunFlags(
      await parseFlags<RunFlags>(addRunOptions, joinCommandArgs(joinMd, 'op-gossip run')),
    )
    expect(settings.chain.chainId).toBe(901)
    expect(settings.node.rpc?.port).toBe(0)
    expect(settings.node.peerKeyPath).toBe(join(dir, 'keys/external.key'))
  })

  // Two independent runs, each with its own TMPDIR: side by side.
  it.concurrent.each([
    ['while the nodes start', 'bench latency:'],
    ['while blocks flow', 'nodes up in'],
  ])(
    'Ctrl-C during bench latency (%s) removes its temporary directory (it holds keys)',
    async (_when, signalAfter) => {
      const osTmp = mkdtempSync(join(tmp, 'os-tmp-'))
      const child = spawn(
        NODE,
        [CLI, 'bench', 'latency', '--nodes', '1', '--blocks', '1000', '--warmup', '1'],
        { cwd: ROOT, env: { ...process.env, TMPDIR: osTmp }, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let stderr = ''
      let signalled = false
      child.stderr.on('data', (d) => {
        stderr += d
        if (!signalled && stderr.includes(signalAfter)) {
          signalled = true
          child.kill('SIGINT')
        }
      })
      const code = await new Promise<number | null>((done) => child.on('close', done))
      expect(signalled, stderr).toBe(true)
      expect(code, stderr).toBe(130)
      expect(readdirSync(osTmp).filter((f) => f.startsWith(BENCH_TEMP_DIR_PREFIX))).toEqual([])
    },
  )

  it('bench latency prints the documented JSON with plausible values and writes the report', async () => {
    const report = join(tmp, 'report')
    const r = await runCli(
      [
        'bench',
        'latency',
        '--nodes',
        '3',
        '--blocks',
        '4',
        '--warmup',
        '1',
        '--block-bytes',
        '30000',
        // The start-up's end is not what this test checks: one CPU probe, then the idle window.
        '--startup-wait',
        '0',
        // Idle CPU over 1 s windows: heartbeats and stats already cost some CPU in one second.
        '--idle-window',
        '1',
        // Deliveries on 127.0.0.1 take milliseconds: 1 s lets every measured block arrive.
        '--settle',
        '1',
        '--json',
        '--report',
        report,
      ],
      { timeoutMs: 90_000 },
    )
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout.trim()) as Record<string, unknown> & {
      e2eMs: { p50: number; p90: number; p99: number; max: number }
      hopMs: { p50: number; p90: number; p99: number; max: number }
      bytesPerNodePerBlock: { sent: number; received: number }
      sequencerPublishMs: { p50: number; max: number }
      breakdown: { senderValidationMs: number }
      perNode: Array<{
        rssBytes: number
        cpuSeconds: number
        received: number
        cpuMsPerBlock: number | null
        idleCpuMsPerSecond: number | null
        idleCpuMsPerSecondBefore: number | null
        idleCpuMsPerSecondAfter: number | null
      }>
      cpuMsPerBlock: number | null
      idleCpuMsPerSecond: number | null
      perMinute: Array<{ minute: number; blocks: number; e2eP50Ms: number; e2eP99Ms: number }>
    }
    expect(result).toMatchObject({ nodes: 3, blocks: 4, delivery: 1 })
    // nodes run the code the CLI runs: the build when it is up to date, else the sources
    const cliEntry = chooseEntryPoint(pathToFileURL(`${ROOT}/`))
    expect(result.compiled).toBe(cliEntry.pathname.endsWith('.js'))
    expect(result.blockBytes as number).toBeGreaterThan(25_000)
    expect(result.blockBytes as number).toBeLessThanOrEqual(30_000)
    for (const p of [result.e2eMs, result.hopMs]) {
      expect(Object.keys(p).sort()).toEqual(['max', 'p50', 'p90', 'p99'])
      expect(p.p50).toBeGreaterThanOrEqual(0)
      expect(p.p50).toBeLessThanOrEqual(p.p90)
      expect(p.p90).toBeLessThanOrEqual(p.p99)
      expect(p.p99).toBeLessThanOrEqual(p.max)
      expect(p.max).toBeLessThan(1000)
    }
    expect(result.hopMs.p50).toBeLessThanOrEqual(result.e2eMs.max)
    // the publish call contains the sequencer's own validation, then the sends
    expect(result.sequencerPublishMs.p50).toBeGreaterThan(0)
    expect(result.sequencerPublishMs.max).toBeGreaterThanOrEqual(
      result.breakdown.senderValidationMs,
    )
    expect(result.sequencerPublishMs.max).toBeLessThan(1000)
    expect('duplicatesPerNodePerBlock' in result).toBe(true)
    // each follower receives at least the compressed block once per block
    expect(result.bytesPerNodePerBlock.received).toBeGreaterThan(
      0.5 * (result.compressedBytes as number),
    )
    expect(result.bytesPerNodePerBlock.sent).toBeGreaterThan(0)
    expect(result.perNode).toHaveLength(3)
    for (const n of result.perNode) {
      expect(n.received).toBe(4)
      expect(n.rssBytes).toBeGreaterThan(30e6)
      expect(n.rssBytes).toBeLessThan(1e9)
      expect(n.cpuSeconds).toBeGreaterThan(0)
      expect(n.cpuSeconds).toBeLessThan(60)
      // idle: heartbeats and pings cost something, far less than a core
      expect(n.idleCpuMsPerSecond).toBeGreaterThan(0)
      expect(n.idleCpuMsPerSecond).toBeLessThan(1000)
      // measured before the first block and after the last: the quieter window counts
      expect(n.idleCpuMsPerSecondBefore).toBeGreaterThan(0)
      expect(n.idleCpuMsPerSecondAfter).toBeGreaterThan(0)
      expect(n.idleCpuMsPerSecond).toBe(
        Math.min(n.idleCpuMsPerSecondBefore as number, n.idleCpuMsPerSecondAfter as number),
      )
      // with the idle rate taken out (may dip below 0 on a noisy machine, never by much)
      expect(Number.isFinite(n.cpuMsPerBlock)).toBe(true)
      expect(Math.abs(n.cpuMsPerBlock as number)).toBeLessThan(1000)
    }
    expect(result.idleCpuMsPerSecond).toBeGreaterThan(0)
    expect(Number.isFinite(result.cpuMsPerBlock)).toBe(true)
    // 4 blocks 1 s apart: one minute, every block in it
    expect(result.perMinute).toEqual([
      { minute: 1, blocks: 4, e2eP50Ms: result.e2eMs.p50, e2eP99Ms: result.e2eMs.p99 },
    ])
    const html = readFileSync(join(report, 'index.html'), 'utf8')
    expect(html).toContain('Delivery latency CDF')
    expect(html).toContain('Per-hop latency')
    expect(JSON.parse(readFileSync(join(report, 'result.json'), 'utf8')).results[0].nodes).toBe(3)
  })
})
