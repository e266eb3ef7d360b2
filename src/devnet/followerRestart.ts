/**
 * `op-gossip devnet --restart-follower N`: stops one follower's node after some blocks, keeps it
 * down while the sequencer publishes more, restarts it, and times how long its EL takes to reach
 * the sequencer's newest block. Only the node stops: its process, key and el-sim (with its chain)
 * stay, as an EL keeps running across a CL restart. With `--gap-fill rpc` the restarted node takes
 * its sync target from the backup RPC at once and fills the gap from it, with no new gossip block
 * needed.
 *
 * Driven by the devnet's events only: `published` counts blocks, the follower's `el` reports say
 * where its EL is. The events it emits go to the devnet's emitter, so the CLI shows them.
 */
import type { Devnet } from './devnet.ts'

/** Most blocks `--restart-after-blocks` and `--down-blocks` take. */
export const MAX_RESTART_PLAN_BLOCKS = 10_000

export interface FollowerRestartPlan {
  /** Follower index, 1..followers */
  follower: number
  /** Blocks published before the follower stops */
  afterBlocks: number
  /** Blocks published while it is down */
  downBlocks: number
}

export interface FollowerStoppedEvent {
  node: number
  /** Its el-sim's head, kept while the node is down */
  elHead: number | null
  /** The sequencer's newest block */
  sequencerHead: number
}

export interface FollowerRestartedEvent {
  node: number
  elHead: number | null
  sequencerHead: number
  /** Blocks its EL lacks: sequencerHead - elHead */
  gapBlocks: number
  /** The restart command → the node listens again */
  startMs: number
}

export interface FollowerCaughtUpEvent {
  node: number
  /** Blocks its EL lacked at the restart */
  gapBlocks: number
  /** The node listens again → its EL head equals the sequencer's newest block */
  catchUpMs: number
  /** Both heads at that moment (equal) */
  head: number
  sequencerHead: number
}

/** Throws a RangeError naming the bad field; `followers` is the devnet's follower count. */
export function checkFollowerRestartPlan(plan: FollowerRestartPlan, followers: number): void {
  if (!Number.isInteger(plan.follower) || plan.follower < 1 || plan.follower > followers) {
    throw new RangeError(`follower must be an integer in [1, ${followers}]`)
  }
  for (const key of ['afterBlocks', 'downBlocks'] as const) {
    const v = plan[key]
    if (!Number.isInteger(v) || v < 1 || v > MAX_RESTART_PLAN_BLOCKS) {
      throw new RangeError(`${key} must be an integer in [1, ${MAX_RESTART_PLAN_BLOCKS}]`)
    }
  }
}

type Phase = 'up' | 'stopping' | 'down' | 'restarting' | 'catching-up' | 'done'

/** Runs the plan on a running devnet; call before `produce`. Returns a canceller. Throws a RangeError for a bad plan. */
export function scheduleFollowerRestart(
  devnet: Pick<Devnet, 'events' | 'followers' | 'stopFollower' | 'restartFollower'>,
  plan: FollowerRestartPlan,
): () => void {
  checkFollowerRestartPlan(plan, devnet.followers.length)
  const { events } = devnet
  const { follower } = plan
  let phase: Phase = 'up'
  let published = 0
  let sequencerHead = 0
  let stoppedAt = 0
  let restartedAtMs = 0
  let gapBlocks = 0
  let elHeadAtStop: number | null = null

  const fail = (err: unknown) => {
    phase = 'done'
    const message = err instanceof Error ? err.message : String(err)
    events.emit('problem', { node: null, message: `follower ${follower} restart: ${message}` })
  }

  async function stopIt(): Promise<void> {
    phase = 'stopping'
    const elHead = await devnet.stopFollower(follower)
    elHeadAtStop = elHead
    stoppedAt = published
    phase = 'down'
    events.emit('follower-stopped', { node: follower, elHead, sequencerHead })
  }

  async function restartIt(): Promise<void> {
    phase = 'restarting'
    const t0 = performance.now()
    await devnet.restartFollower(follower)
    restartedAtMs = performance.now()
    // Without peers (--gap-fill rpc) the el-sim stood still while its node was down.
    gapBlocks = sequencerHead - (elHeadAtStop ?? 0)
    phase = 'catching-up'
    events.emit('follower-restarted', {
      node: follower,
      elHead: elHeadAtStop,
      sequencerHead,
      gapBlocks,
      startMs: Math.round(restartedAtMs - t0),
    })
  }

  const onPublished = (p: { number: number }) => {
    published++
    sequencerHead = Math.max(sequencerHead, p.number)
    if (phase === 'up' && published >= plan.afterBlocks) stopIt().catch(fail)
    else if (phase === 'down' && published - stoppedAt >= plan.downBlocks) {
      restartIt().catch(fail)
    }
  }
  const onEl = ({ node, head }: { node: { index: number }; head: number }) => {
    if (phase !== 'catching-up' || node.index !== follower || head < sequencerHead) return
    phase = 'done'
    events.emit('follower-caught-up', {
      node: follower,
      gapBlocks,
      catchUpMs: Math.round(performance.now() - restartedAtMs),
      head,
      sequencerHead,
    })
  }
  events.on('published', onPublished)
  events.on('el', onEl)
  return () => {
    phase = 'done'
    events.off('published', onPublished)
    events.off('el', onEl)
  }
}
