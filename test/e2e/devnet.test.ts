/**
 * The devnet and the latency benchmark as users run them: the real CLI in a child process,
 * real node processes talking libp2p over 127.0.0.1. Short runs (3 followers, a few 1 s blocks);
 * the long runs are benchmarks, not tests.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { chooseEntryPoint } from '../../bin/entryPoint.js'
import { loadRollupConfigFile } from '../../src/chains/rollupConfig.ts'
import { peerIdFromPrivateKeyBytes } from '../../src/gossip/host.ts'
import { parsePeerKey } from '../../src/gossip/peerIdentity.ts'
import { ROOT, runCli } from '../utils/cli.ts'

const tmp = mkdtempSync(join(tmpdir(), 'opg-e2e-devnet-'))

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

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
  })

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
      perNode: Array<{ rssBytes: number; cpuSeconds: number; received: number }>
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
    }
    const html = readFileSync(join(report, 'index.html'), 'utf8')
    expect(html).toContain('Delivery latency CDF')
    expect(html).toContain('Per-hop latency')
    expect(JSON.parse(readFileSync(join(report, 'result.json'), 'utf8')).results[0].nodes).toBe(3)
  })
})
