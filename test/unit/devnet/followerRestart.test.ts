/**
 * The follower restart scenario of `op-gossip devnet --restart-follower`, driven by a fake
 * devnet's events: when it stops and restarts the follower, which events it emits, and the
 * limits of its plan.
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_DOWN_BLOCKS,
  DEFAULT_RESTART_AFTER_BLOCKS,
  parseRestartPlan,
} from '../../../src/cli/commands/devnet.ts'
import type { DevnetEvents } from '../../../src/devnet/devnet.ts'
import {
  checkFollowerRestartPlan,
  MAX_RESTART_PLAN_BLOCKS,
  scheduleFollowerRestart,
} from '../../../src/devnet/followerRestart.ts'
import type { PublishedReport } from '../../../src/devnet/ipcProtocol.ts'
import { formatFollowerLine } from '../../../src/devnet/liveView.ts'
import type { DevnetNode } from '../../../src/devnet/nodeChild.ts'

const tick = () => new Promise((r) => setImmediate(r))

function fakeDevnet(elHeadAtStop: number) {
  const events = new EventEmitter<DevnetEvents>()
  const calls: string[] = []
  return {
    events,
    calls,
    followers: [1, 2, 3].map((index) => ({ index }) as DevnetNode),
    stopFollower: async (index: number) => {
      calls.push(`stop ${index}`)
      return elHeadAtStop
    },
    restartFollower: async (index: number) => {
      calls.push(`restart ${index}`)
    },
  }
}

function publish(events: EventEmitter<DevnetEvents>, number: number): void {
  events.emit('published', { number } as PublishedReport)
}

function el(events: EventEmitter<DevnetEvents>, index: number, head: number): void {
  events.emit('el', { node: { index } as DevnetNode, head, status: 'synced' })
}

function record(events: EventEmitter<DevnetEvents>) {
  const seen: Array<{ type: string } & Record<string, unknown>> = []
  for (const type of ['follower-stopped', 'follower-restarted', 'follower-caught-up'] as const) {
    events.on(type, (e: object) => seen.push({ type, ...e }))
  }
  events.on('problem', (p) => seen.push({ type: 'problem', message: p.message }))
  return seen
}

describe('devnet / follower restart', () => {
  it('stops after afterBlocks, restarts after downBlocks more, and reports the catch-up', async () => {
    const devnet = fakeDevnet(3)
    const seen = record(devnet.events)
    scheduleFollowerRestart(devnet, { follower: 2, afterBlocks: 3, downBlocks: 4 })
    for (let n = 1; n <= 2; n++) publish(devnet.events, n)
    await tick()
    expect(devnet.calls).toEqual([])
    publish(devnet.events, 3)
    await tick()
    expect(devnet.calls).toEqual(['stop 2'])
    expect(seen).toEqual([{ type: 'follower-stopped', node: 2, elHead: 3, sequencerHead: 3 }])
    for (let n = 4; n <= 6; n++) publish(devnet.events, n)
    await tick()
    expect(devnet.calls).toEqual(['stop 2'])
    publish(devnet.events, 7)
    await tick()
    expect(devnet.calls).toEqual(['stop 2', 'restart 2'])
    expect(seen[1]).toMatchObject({
      type: 'follower-restarted',
      node: 2,
      elHead: 3,
      sequencerHead: 7,
      gapBlocks: 4,
    })
    // Another follower's head, and this one's below the sequencer's, are no catch-up.
    el(devnet.events, 1, 7)
    el(devnet.events, 2, 6)
    expect(seen).toHaveLength(2)
    el(devnet.events, 2, 7)
    expect(seen[2]).toMatchObject({
      type: 'follower-caught-up',
      node: 2,
      gapBlocks: 4,
      head: 7,
      sequencerHead: 7,
    })
    expect(seen[2]?.catchUpMs as number).toBeGreaterThanOrEqual(0)
    // Once only.
    el(devnet.events, 2, 8)
    publish(devnet.events, 8)
    await tick()
    expect(seen).toHaveLength(3)
    expect(devnet.calls).toEqual(['stop 2', 'restart 2'])
  })

  it('catches up against blocks published after the restart too', async () => {
    const devnet = fakeDevnet(1)
    const seen = record(devnet.events)
    scheduleFollowerRestart(devnet, { follower: 1, afterBlocks: 1, downBlocks: 1 })
    publish(devnet.events, 1)
    await tick()
    publish(devnet.events, 2)
    await tick()
    publish(devnet.events, 3)
    el(devnet.events, 1, 2)
    expect(seen.map((e) => e.type)).toEqual(['follower-stopped', 'follower-restarted'])
    el(devnet.events, 1, 3)
    expect(seen[2]).toMatchObject({ type: 'follower-caught-up', gapBlocks: 1, head: 3 })
  })

  it('reports a failed stop as a problem and does nothing more', async () => {
    const devnet = fakeDevnet(0)
    devnet.stopFollower = async () => {
      throw new Error('follower 1 exited during stop-node')
    }
    const seen = record(devnet.events)
    scheduleFollowerRestart(devnet, { follower: 1, afterBlocks: 1, downBlocks: 1 })
    publish(devnet.events, 1)
    await tick()
    publish(devnet.events, 2)
    await tick()
    expect(seen).toEqual([
      { type: 'problem', message: 'follower 1 restart: follower 1 exited during stop-node' },
    ])
  })

  it('stops listening when cancelled', async () => {
    const devnet = fakeDevnet(0)
    const cancel = scheduleFollowerRestart(devnet, { follower: 1, afterBlocks: 1, downBlocks: 1 })
    cancel()
    publish(devnet.events, 1)
    await tick()
    expect(devnet.calls).toEqual([])
    expect(devnet.events.listenerCount('published')).toBe(0)
  })

  it('refuses a plan naming a follower the devnet lacks', () => {
    expect(() =>
      scheduleFollowerRestart(fakeDevnet(0), { follower: 4, afterBlocks: 1, downBlocks: 1 }),
    ).toThrow(RangeError)
  })

  it('checks the plan: follower in [1, followers], block counts in [1, MAX_RESTART_PLAN_BLOCKS]', () => {
    const ok = { follower: 3, afterBlocks: 1, downBlocks: MAX_RESTART_PLAN_BLOCKS }
    expect(() => checkFollowerRestartPlan(ok, 3)).not.toThrow()
    expect(() => checkFollowerRestartPlan({ ...ok, follower: 4 }, 3)).toThrow(/follower/)
    expect(() => checkFollowerRestartPlan({ ...ok, follower: 0 }, 3)).toThrow(/follower/)
    expect(() => checkFollowerRestartPlan({ ...ok, afterBlocks: 0 }, 3)).toThrow(/afterBlocks/)
    expect(() =>
      checkFollowerRestartPlan({ ...ok, downBlocks: MAX_RESTART_PLAN_BLOCKS + 1 }, 3),
    ).toThrow(/downBlocks/)
  })
})

describe('devnet / --restart-follower flags', () => {
  const base = {
    withEl: true,
    restartAfterBlocks: String(DEFAULT_RESTART_AFTER_BLOCKS),
    downBlocks: String(DEFAULT_DOWN_BLOCKS),
  }

  it('is off without --restart-follower', () => {
    expect(parseRestartPlan(base, 3)).toBeNull()
  })

  it('takes the follower and the block counts, with defaults 10 and 30', () => {
    expect(parseRestartPlan({ ...base, restartFollower: '3' }, 3)).toEqual({
      follower: 3,
      afterBlocks: 10,
      downBlocks: 30,
    })
    expect(
      parseRestartPlan(
        { ...base, restartFollower: '1', downBlocks: String(MAX_RESTART_PLAN_BLOCKS) },
        3,
      )?.downBlocks,
    ).toBe(MAX_RESTART_PLAN_BLOCKS)
  })

  it('refuses a follower past --nodes, block counts past the limit, and no --with-el', () => {
    expect(() => parseRestartPlan({ ...base, restartFollower: '4' }, 3)).toThrow(
      /--restart-follower must be a whole number in \[1, 3\]/,
    )
    expect(() =>
      parseRestartPlan(
        { ...base, restartFollower: '1', downBlocks: String(MAX_RESTART_PLAN_BLOCKS + 1) },
        3,
      ),
    ).toThrow(/--down-blocks/)
    expect(() =>
      parseRestartPlan({ ...base, restartFollower: '1', restartAfterBlocks: '0' }, 3),
    ).toThrow(/--restart-after-blocks/)
    expect(() => parseRestartPlan({ ...base, withEl: false, restartFollower: '1' }, 3)).toThrow(
      /needs --with-el/,
    )
  })
})

describe('devnet / follower restart lines', () => {
  it('says what happened to the follower', () => {
    expect(
      formatFollowerLine({ type: 'follower-stopped', node: 2, elHead: 5, sequencerHead: 5 }),
    ).toBe('~ follower 2 stopped at EL head 5 (sequencer at #5); its el-sim keeps running')
    expect(
      formatFollowerLine({
        type: 'follower-restarted',
        node: 2,
        elHead: 5,
        sequencerHead: 35,
        gapBlocks: 30,
        startMs: 40,
      }),
    ).toBe('~ follower 2 restarted in 40 ms, 30 blocks behind (EL head 5, sequencer at #35)')
    expect(
      formatFollowerLine({
        type: 'follower-caught-up',
        node: 2,
        gapBlocks: 30,
        catchUpMs: 512,
        head: 36,
        sequencerHead: 36,
      }),
    ).toBe("~ follower 2 caught up 30 blocks in 0.51 s (EL head #36 = sequencer's)")
  })
})
