/**
 * `op-gossip bench recovery`: how long a follower whose node was stopped for N blocks takes to
 * catch up after a restart, by mechanism:
 * - el-sync: its EL (el-sim) has the sequencer's el-sim as devp2p-like upstream; the restarted
 *   node points the EL at the next sequencer block and the EL syncs the gap itself;
 * - backup-rpc: its EL has no peers; the restarted node takes the sync target from the backup
 *   RPC (the sequencer's el-sim eth_* port) at once and fills the gap from it;
 * - redis: its EL has no peers; the sequencer side appends every block to a Redis stream (a
 *   local redis-server) and the restarted node is a Redis subscriber: it finds its EL head in
 *   the stream and replays forward, then follows live (./recoveryBenchRedis.ts). Without
 *   redis-server this mechanism is skipped, with the reason in its row.
 * All over real HTTP on 127.0.0.1 with real JWTs; blocks go to the follower's Engine driver
 * directly (the gossip path is measured by `bench latency`; the Redis mechanism's blocks come
 * through the stream, validated as gossip blocks). Recovery ends when the follower's EL
 * head is the sequencer's.
 */

import { setTimeout as sleep } from 'node:timers/promises'
import { type BuiltBlock, createBlockBuilder, devnetKey } from '../blocks/blockBuilder.ts'
import { createDevnetChain } from '../chains/devnet.ts'
import { type ElSim, startElSim } from '../engine/elSim.ts'
import type { ElSimGenesis, ElSimPayload } from '../engine/elSimChain.ts'
import { createEngineDriver, type EngineDriverOptions } from '../engine/engineDriver.ts'
import { toData } from '../engine/schema.ts'
import { keccak256 } from '../wire/keccak.ts'
import {
  DEFAULT_RECOVERY_BLOCK_INTERVAL_MS,
  DEFAULT_RECOVERY_GAP_BLOCKS,
  RECOVERY_MECHANISMS,
  type RecoveryMechanism,
} from './recoveryBenchOptions.ts'
import {
  type RecoveryRedis,
  redisMechanismUnavailable,
  startRecoveryRedis,
} from './recoveryBenchRedis.ts'

export * from './recoveryBenchOptions.ts'

/** Blocks the follower follows before it is stopped. */
const WARMUP_BLOCKS = 5
/** Give up on one mechanism after this long. */
export const RECOVERY_TIMEOUT_MS = 120_000
/** How often the two EL heads are compared. */
const HEAD_CHECK_INTERVAL_MS = 5
/** The el-sim upstream's sync delay: the time an EL takes to start a sync. */
const EL_SYNC_DELAY_MS = 200

export interface RecoveryBenchOptions {
  /** @default DEFAULT_RECOVERY_GAP_BLOCKS */
  gapBlocks?: number
  /** @default DEFAULT_RECOVERY_BLOCK_INTERVAL_MS (ms) */
  blockIntervalMs?: number
  /** @default all of RECOVERY_MECHANISMS */
  mechanisms?: readonly RecoveryMechanism[]
  /** Transactions per block besides the deposit. @default 2 */
  txCount?: number
}

export interface RecoveryResult {
  mechanism: RecoveryMechanism
  gapBlocks: number
  /** Node restart → the follower's EL head equals the sequencer's */
  recoveryMs: number
  /** Blocks the follower's EL gained per second of recovery */
  blocksPerSecond: number
  /**
   * Requests the follower made to catch up: upstream sync reads, backup RPC calls, or Redis
   * commands (the XREVRANGE pages that find the EL head, then XREADs)
   */
  requests: number
}

/** A mechanism that could not run on this machine (redis without redis-server). */
export interface RecoverySkipped {
  mechanism: RecoveryMechanism
  gapBlocks: number
  /** Why, and how to fix it */
  skipped: string
}

export type RecoveryOutcome = RecoveryResult | RecoverySkipped

export function isSkipped(outcome: RecoveryOutcome): outcome is RecoverySkipped {
  return 'skipped' in outcome
}

function elPayload(b: BuiltBlock): ElSimPayload {
  const data: ElSimPayload = { payload: b.envelope.payload, version: b.version }
  if (b.envelope.parentBeaconBlockRoot !== undefined)
    data.parentBeaconBlockRoot = b.envelope.parentBeaconBlockRoot
  return data
}

function recoveryChain(total: number, txCount: number) {
  const l2Time = Math.floor(Date.now() / 1000) - total - 10
  const genesisHash = toData(keccak256(new TextEncoder().encode(`recovery genesis ${l2Time}`)))
  const genesis: ElSimGenesis = { hash: genesisHash, number: 0, timestamp: l2Time }
  const chain = createDevnetChain({
    blockTime: 1,
    genesis: { l2Time, l2Number: 0, l2Hash: genesisHash },
  })
  const builder = createBlockBuilder({
    chain,
    privateKey: devnetKey('recovery-bench-sequencer'),
    txCount,
    startTimestamp: BigInt(l2Time + 1),
  })
  const blocks = Array.from({ length: total }, () => builder.next())
  return { chain, genesis, blocks, signer: builder.signer }
}

async function runOne(
  mechanism: RecoveryMechanism,
  opts: Required<Omit<RecoveryBenchOptions, 'mechanisms'>>,
): Promise<RecoveryResult> {
  const { gapBlocks, blockIntervalMs } = opts
  // Warm-up, the gap, and enough blocks after it for the slowest recovery to be seen.
  const tail = Math.ceil(RECOVERY_TIMEOUT_MS / blockIntervalMs)
  const { chain, genesis, blocks, signer } = recoveryChain(
    WARMUP_BLOCKS + gapBlocks + tail,
    opts.txCount,
  )
  const jwtSecret = devnetKey('recovery-bench-jwt')
  const stops: Array<() => Promise<unknown>> = []
  try {
    // Every call the sequencer's el-sim answers comes from the follower (it is fed directly).
    let requests = 0
    const sequencer = await startElSim({
      chain,
      jwtSecret,
      genesis,
      httpPort: 0,
      beforeCall: () => {
        requests++
      },
    })
    stops.push(() => sequencer.stop())
    const follower: ElSim = await startElSim({
      chain,
      jwtSecret,
      genesis,
      syncDelayMs: EL_SYNC_DELAY_MS,
      ...(mechanism === 'el-sync' ? { upstream: sequencer.url } : { noPeers: true }),
    })
    stops.push(() => follower.stop())
    let redis: RecoveryRedis | null = null
    if (mechanism === 'redis') {
      const started = await startRecoveryRedis(chain, signer)
      stops.push(() => started.stop())
      redis = started
    }
    const base: EngineDriverOptions = { chain, engineUrl: follower.url, jwtSecret }
    let next = 0
    const produce = () => {
      const b = blocks[next++]!
      sequencer.chainState.insertCanonical(elPayload(b))
      redis?.publish(b)
      return b
    }
    const meta = () => {
      const now = Date.now()
      return {
        messageId: new Uint8Array(20),
        fromPeer: 'bench',
        firstSeenMs: now,
        validatedMs: now,
      }
    }

    const first = createEngineDriver(base)
    await first.start()
    for (let i = 0; i < WARMUP_BLOCKS; i++) first.onBlock(produce().envelope, meta())
    while (follower.chainState.head.number < WARMUP_BLOCKS) await sleep(HEAD_CHECK_INTERVAL_MS)
    await first.stop()
    for (let i = 0; i < gapBlocks; i++) produce() // the follower's node is down
    await redis?.drained()

    const requestsBefore = requests
    const second = createEngineDriver(
      mechanism === 'backup-rpc'
        ? { ...base, backupUnsafeSyncRpcUrl: sequencer.httpUrl!, gapFill: 'rpc' }
        : base,
    )
    stops.push(() => second.stop())
    const fromNumber = follower.chainState.head.number
    const startMs = performance.now()
    await second.start()
    const elHead = () => {
      const confirmed = second.status().confirmed
      return confirmed === null ? null : BigInt(confirmed.number)
    }
    let subscribed = false
    let nextBlockAt = startMs + blockIntervalMs
    while (follower.chainState.head.hash !== sequencer.chainState.head.hash) {
      const now = performance.now()
      if (now - startMs > RECOVERY_TIMEOUT_MS) {
        throw new Error(`${mechanism}: no recovery within ${RECOVERY_TIMEOUT_MS} ms`)
      }
      // The subscriber replays from the EL head: it starts once the driver has read it.
      if (redis !== null && !subscribed && elHead() !== null) {
        redis.subscribe((block) => second.onBlock(block.envelope, block), elHead)
        subscribed = true
      }
      if (now >= nextBlockAt && next < blocks.length) {
        const b = produce() // the sequencer goes on
        // On the Redis road the new block reaches the follower through the stream.
        if (redis === null) second.onBlock(b.envelope, meta())
        nextBlockAt += blockIntervalMs
      }
      await sleep(HEAD_CHECK_INTERVAL_MS)
    }
    const recoveryMs = performance.now() - startMs
    const gained = follower.chainState.head.number - fromNumber
    return {
      mechanism,
      gapBlocks,
      recoveryMs: Math.round(recoveryMs),
      blocksPerSecond: Math.round((gained / (recoveryMs / 1000)) * 10) / 10,
      requests: redis === null ? requests - requestsBefore : redis.requests(),
    }
  } finally {
    for (const stop of stops.reverse()) await stop()
  }
}

/** Runs each mechanism in turn (never at once: they would share the CPU). */
export async function runRecoveryBench(
  opts: RecoveryBenchOptions = {},
): Promise<RecoveryOutcome[]> {
  const resolved = {
    gapBlocks: opts.gapBlocks ?? DEFAULT_RECOVERY_GAP_BLOCKS,
    blockIntervalMs: opts.blockIntervalMs ?? DEFAULT_RECOVERY_BLOCK_INTERVAL_MS,
    txCount: opts.txCount ?? 2,
  }
  const results: RecoveryOutcome[] = []
  for (const m of opts.mechanisms ?? RECOVERY_MECHANISMS) {
    const unavailable = m === 'redis' ? redisMechanismUnavailable() : null
    if (unavailable !== null)
      results.push({ mechanism: m, gapBlocks: resolved.gapBlocks, skipped: unavailable })
    else results.push(await runOne(m, resolved))
  }
  return results
}

/** The table, with one line per skipped mechanism under it. */
export function formatRecoveryTable(results: readonly RecoveryOutcome[]): string[] {
  const rows = [
    ['mechanism', 'gap blocks', 'recovery', 'blocks/s', 'requests'],
    ...results.map((r) =>
      isSkipped(r)
        ? [r.mechanism, String(r.gapBlocks), 'skipped', '-', '-']
        : [
            r.mechanism,
            String(r.gapBlocks),
            `${r.recoveryMs} ms`,
            String(r.blocksPerSecond),
            String(r.requests),
          ],
    ),
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const table = rows.map((r) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
  )
  const reasons = results.filter(isSkipped).map((r) => `${r.mechanism} skipped: ${r.skipped}`)
  return [...table, ...reasons]
}
