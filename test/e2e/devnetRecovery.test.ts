/**
 * A follower restart on a devnet whose followers' ELs have no peers (`--with-el --gap-fill rpc`):
 * the real CLI, real node processes over 127.0.0.1, real Engine API over HTTP with JWTs. One
 * follower's node is stopped for DOWN_BLOCKS blocks (its el-sim keeps its chain) and restarted; it
 * must catch up from the backup RPC (the sequencer's el-sim) without waiting for a gossip block.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GAP_FILL_MAX_IN_FLIGHT } from '../../src/engine/gapFill/gapFiller.ts'
import { runCli } from '../utils/cli.ts'

const tmp = mkdtempSync(join(tmpdir(), 'opg-e2e-devnet-recovery-'))

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

/** 1 s is the devnet's shortest block time (rollup.json's block_time is whole seconds). */
const BLOCK_TIME_SECONDS = 1
/** Blocks before the stop: the follower's EL has followed the first ones. */
const RESTART_AFTER_BLOCKS = 3
/**
 * Blocks published while it is down: gossip cannot bring them back (no req-resp), and the gap is
 * several times what the filler asks for at once, so the fill takes several rounds.
 */
const DOWN_BLOCKS = 3 * GAP_FILL_MAX_IN_FLIGHT
/**
 * Blocks after the restart: the catch-up must land well inside them. The run is stopped (Ctrl-C)
 * once the catch-up is reported, so they are an upper bound, not a wait.
 */
const BLOCKS_AFTER_RESTART = 15
/** Blocks the idle-sequencer test publishes while its follower is down. */
const IDLE_DOWN_BLOCKS = 3

type Line = Record<string, unknown> & { type: string }

describe('e2e / devnet follower restart', () => {
  it(`a follower stopped for ${DOWN_BLOCKS} blocks catches up from the backup RPC after its restart`, async () => {
    const total = RESTART_AFTER_BLOCKS + DOWN_BLOCKS + BLOCKS_AFTER_RESTART
    const r = await runCli(
      [
        'devnet',
        '--nodes',
        '3',
        '--with-el',
        '--gap-fill',
        'rpc',
        '--block-time',
        String(BLOCK_TIME_SECONDS),
        '--restart-follower',
        '2',
        '--restart-after-blocks',
        String(RESTART_AFTER_BLOCKS),
        '--down-blocks',
        String(DOWN_BLOCKS),
        '--blocks',
        String(total),
        '--dir',
        join(tmp, 'devnet'),
        '--json',
      ],
      { timeoutMs: 150_000, stopWhen: (output) => output.includes('"type":"follower-caught-up"') },
    )
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line)
    const problems = lines.filter((l) => l.type === 'problem')
    expect(problems).toEqual([])
    const stopped = lines.find((l) => l.type === 'follower-stopped')
    const restarted = lines.find((l) => l.type === 'follower-restarted')
    const caughtUp = lines.find((l) => l.type === 'follower-caught-up')
    expect(stopped, r.stdout).toMatchObject({ node: 2 })
    expect(restarted, r.stdout).toMatchObject({ node: 2 })
    expect(caughtUp, r.stdout).toMatchObject({ node: 2 })
    const s = stopped as Line & { elHead: number; sequencerHead: number }
    const re = restarted as Line & { elHead: number; sequencerHead: number; gapBlocks: number }
    const c = caughtUp as Line & {
      gapBlocks: number
      catchUpMs: number
      head: number
      sequencerHead: number
    }
    // The EL kept its chain while its node was down, and had no peers to sync from.
    expect(re.elHead).toBe(s.elHead)
    expect(s.elHead).toBeGreaterThan(0)
    // DOWN_BLOCKS blocks came while it was down (its EL may have been a block behind at the stop).
    expect(re.sequencerHead - s.sequencerHead).toBeGreaterThanOrEqual(DOWN_BLOCKS)
    expect(re.gapBlocks).toBeGreaterThanOrEqual(DOWN_BLOCKS)
    expect(c.gapBlocks).toBe(re.gapBlocks)
    // Caught up: its EL head is the sequencer's newest block.
    expect(c.head).toBe(c.sequencerHead)
    expect(c.head).toBeGreaterThanOrEqual(re.sequencerHead)
    // Without waiting for gossip: well within the blocks that followed the restart.
    expect(c.catchUpMs).toBeLessThan(BLOCKS_AFTER_RESTART * BLOCK_TIME_SECONDS * 1000)
    const order = ['follower-stopped', 'follower-restarted', 'follower-caught-up'].map((t) =>
      lines.findIndex((l) => l.type === t),
    )
    expect(order).toEqual([...order].sort((a, b) => a - b))
    console.log(
      `follower restart: gap ${c.gapBlocks} blocks, caught up in ${c.catchUpMs} ms (node start ${String(re.startMs)} ms)`,
    )
  })
})

describe('e2e / devnet follower restart with the sequencer idle', () => {
  it('catches up after a restart with no block published since', async () => {
    const { startDevnet } = await import('../../src/devnet/devnet.ts')
    // One follower: the only one this test stops and restarts (fewer processes to start).
    const devnet = await startDevnet({
      followers: 1,
      blockTimeSeconds: BLOCK_TIME_SECONDS,
      withEl: true,
      gapFill: 'rpc',
      dir: join(tmp, 'idle'),
      statsIntervalMs: 200,
    })
    try {
      let head = 0
      devnet.events.on('published', (p) => {
        head = Math.max(head, p.number)
      })
      const waitFor = async (what: string, ok: () => boolean, timeoutMs: number) => {
        const deadline = Date.now() + timeoutMs
        while (!ok()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
          await new Promise((r) => setTimeout(r, 50))
        }
      }
      const follower = devnet.followers[0] as (typeof devnet.followers)[number]
      devnet.produce({ txCount: 2 })
      await waitFor('the follower to follow', () => (follower.elHead ?? 0) >= 2, 30_000)
      await expect(devnet.restartFollower(follower.index)).rejects.toThrow(/is running/)
      await expect(devnet.stopFollower(0)).rejects.toThrow(/no follower 0/)
      const elHeadAtStop = await devnet.stopFollower(follower.index)
      expect(follower.stopped).toBe(true)
      await expect(devnet.stopFollower(follower.index)).rejects.toThrow(/is stopped/)
      const stoppedAt = head
      await waitFor(
        `${IDLE_DOWN_BLOCKS} blocks while it is down`,
        () => head >= stoppedAt + IDLE_DOWN_BLOCKS,
        30_000,
      )
      devnet.pause()
      // Let a block already being built land, then nothing more comes.
      await new Promise((r) => setTimeout(r, 1500))
      const idleHead = head
      expect(follower.elHead).toBe(elHeadAtStop)
      await devnet.restartFollower(follower.index)
      expect(follower.stopped).toBe(false)
      await waitFor('the catch-up', () => follower.elHead === idleHead, 20_000)
      expect(head).toBe(idleHead) // no gossip block pointed it there
    } finally {
      await devnet.stop()
    }
  })
})
