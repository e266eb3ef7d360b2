/**
 * `op-gossip bench attack`: a devnet (sequencer + followers, ./devnet.ts) under attack by
 * separate attacker processes (./attackerProcess.ts) over real TCP, one phase at a time
 * (baseline, invalid, duplicate, replay, malformed; docs/attack.md). Per phase: honest delivery
 * and e2e latency (the sequencer's publish → each follower's first sight), the attackers' sent
 * messages and time to disconnect, each follower's CPU, RSS and drop counters (queue full, rate
 * limited) from its IPC stats. After the last attack phase every follower's RSS is sampled until
 * it is back near its pre-attack value; a soak repeats the attacks every SOAK_CYCLE_MINUTES.
 *
 * Network: on a netns plan (./network.ts with attacker slots) every node and every attacker process
 * has an address of its own, so the nodes' per-IP defences run as in production
 * (perIpOptions.ts); on loopback all share 127.0.0.1 and those defences are relaxed.
 *
 * Phase window: the start snapshot, then the attackers start, `phaseSeconds` later they end and
 * the end snapshot is taken; blocks published inside the window count, and their arrivals are
 * collected until `settleMs` (PHASE_SETTLE_MS) after it (a late delivery counts with its real
 * latency).
 */

import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { type AttackerProcess, startAttacker } from './attackerProcess.ts'
import { ATTACK_PHASES, type AttackPhase } from './attackMessages.ts'
import type { AttackerPhaseReport } from './attackProtocol.ts'
import {
  type PhaseResult,
  type RecoveryResult,
  type SoakMemoryInput,
  type SoakResult,
  summarizePhase,
  summarizeRecovery,
  summarizeSoak,
} from './attackStats.ts'
import { type Devnet, NODES_RUN_COMPILED, type PublishedEvent } from './devnet.ts'
import type { BlockEvent, NodeCountersSnapshot, NodeStats } from './ipcProtocol.ts'
import { loopbackNetwork, type NetworkPlan } from './network.ts'
import type { DevnetNode } from './nodeChild.ts'

export type { SoakResult } from './attackStats.ts'

/** @default follower nodes */
export const DEFAULT_ATTACK_NODES = 4
/** @default attacker processes */
export const DEFAULT_ATTACKERS = 2
/** @default seconds per phase */
export const DEFAULT_ATTACK_PHASE_SECONDS = 30
/** @default decompressed size of honest and crafted blocks, bytes */
export const DEFAULT_ATTACK_BLOCK_BYTES = 30_000
/**
 * @default messages a second per attacker: with the default 2 attackers, well above what 4
 * followers on a small machine validate, so the validation queues fill
 */
export const DEFAULT_ATTACK_RATE = 1000
/** @default how long RSS is sampled after the last attack phase, seconds */
export const DEFAULT_RECOVERY_SECONDS = 120
/** Messages one identity sends before the invalid flood rotates to a fresh one. */
export const MESSAGES_PER_IDENTITY = 200
/** Blocks published before the first phase (mesh, JIT and caches settle). */
export const ATTACK_WARMUP_BLOCKS = 5
/** Arrivals of a phase's blocks still count this long after its window, ms. */
export const PHASE_SETTLE_MS = 3000
/** RSS is sampled this often while waiting for recovery, ms. */
export const RECOVERY_SAMPLE_MS = 1000
/** A soak repeats every attack phase once per this many minutes. */
export const SOAK_CYCLE_MINUTES = 5
/** How long to wait for the mesh before measuring anyway, ms. */
export const ATTACK_MESH_WAIT_MS = 60_000

export interface AttackBenchOptions {
  phases: readonly AttackPhase[]
  attackers: number
  phaseSeconds: number
  ratePerSecond: number
  blockBytes: number
  recoverySeconds: number
  /** Repeat the attack phases every SOAK_CYCLE_MINUTES for this long; 0 = no soak */
  soakMinutes: number
  /** Blocks published before the first phase. @default ATTACK_WARMUP_BLOCKS */
  warmupBlocks?: number
  /** How long a phase's arrivals still count after its window, ms. @default PHASE_SETTLE_MS */
  settleMs?: number
  /**
   * The devnet's network plan, with a slot per attacker: where attackers run and which address
   * of a follower they dial. @default loopback
   */
  network?: NetworkPlan
  onProgress?: (line: string) => void
}

/** The documented JSON of `bench attack --json` (docs/attack.md). */
export interface AttackBenchResult {
  nodes: number
  attackers: number
  phaseSeconds: number
  ratePerSecond: number
  blockBytes: number
  blockTime: number
  /** netns: every node and attacker has an address of its own; loopback: all on 127.0.0.1 */
  network: NetworkPlan['kind']
  compiled: boolean
  machine: { cores: number; loadAverage: { start: number; end: number } }
  phases: PhaseResult[]
  /** null when no attack phase ran */
  recovery: RecoveryResult | null
  soak: SoakResult | null
  /** Every phase, the recovery and the soak passed */
  pass: boolean
}

/** The plan's address slot of the `n`th attacker process started (slots are reused past the last). */
export function attackerSlot(n: number, slots: number): number {
  return Number.isFinite(slots) ? n % slots : n
}

/** Address slots a run can use: one set of `attackers` per attack phase, soak cycles included. */
export function attackerSlotsWanted(
  phases: readonly AttackPhase[],
  attackers: number,
  soakMinutes: number,
): number {
  const attackPhases = phases.filter((p) => p !== 'baseline').length
  const soakCycles = soakMinutes > 0 ? Math.max(1, Math.floor(soakMinutes / SOAK_CYCLE_MINUTES)) : 0
  return attackers * attackPhases * (1 + soakCycles)
}

/** Follower indices each attacker floods: followers spread over attackers, every one covered. */
export function attackTargets(followers: number, attackers: number): number[][] {
  return Array.from({ length: attackers }, (_, a) => {
    const mine: number[] = []
    for (let f = 1; f <= followers; f++) if ((f - 1) % attackers === a) mine.push(f)
    return mine.length > 0 ? mine : [(a % followers) + 1]
  })
}

/** The follower's multiaddr on the plan's network (its listen IP). */
function addressOn(network: NetworkPlan, node: DevnetNode): string {
  const ip = `/${network.listenIp(node.index)}/`
  return node.addresses.find((a) => a.includes(ip)) ?? (node.addresses[0] as string)
}

/** Runs the bench on a started devnet (the caller starts and stops it). */
export async function runAttackBench(
  devnet: Devnet,
  opts: AttackBenchOptions,
): Promise<AttackBenchResult> {
  const progress = opts.onProgress ?? (() => {})
  const network = opts.network ?? loopbackNetwork()
  const warmupBlocks = opts.warmupBlocks ?? ATTACK_WARMUP_BLOCKS
  const settleMs = opts.settleMs ?? PHASE_SETTLE_MS
  if (!Number.isInteger(warmupBlocks) || warmupBlocks < 1) {
    throw new RangeError('warmupBlocks must be >= 1')
  }
  if (!(settleMs >= 0)) throw new RangeError('settleMs must be >= 0')
  if (opts.attackers > network.attackers) {
    throw new RangeError(
      `the network plan holds ${network.attackers} attacker slots, ${opts.attackers} asked for`,
    )
  }
  const followers = devnet.followers
  const followerIndex = followers.map((f) => f.index)
  const arrivals = new Map<number, Map<string, { firstSeenMs: number; queueMs: number }>>(
    followerIndex.map((i) => [i, new Map()]),
  )
  const published: Array<{ blockHash: string; publishedMs: number }> = []
  const rssMax = new Map<number, number>()
  const onBlock = ({ node, block }: { node: DevnetNode; block: BlockEvent }) => {
    const seen = arrivals.get(node.index)
    if (seen !== undefined && !seen.has(block.blockHash)) {
      seen.set(block.blockHash, { firstSeenMs: block.firstSeenMs, queueMs: block.queueMs })
    }
  }
  const onPublished = (p: PublishedEvent) => {
    published.push({ blockHash: p.blockHash, publishedMs: p.publishedMs })
  }
  const onStats = (node: DevnetNode) => {
    const rss = node.stats?.counters.rssBytes
    if (rss !== undefined && node.role === 'follower') {
      rssMax.set(node.index, Math.max(rssMax.get(node.index) ?? 0, rss))
    }
  }
  devnet.events.on('block', onBlock)
  devnet.events.on('published', onPublished)
  devnet.events.on('stats', onStats)

  /** The running attack phase's attacker processes (none in a baseline phase) */
  let attackers: AttackerProcess[] = []
  /** Attack phases started so far: each takes the next `opts.attackers` address slots */
  let attackPhasesStarted = 0
  const targets = attackTargets(followers.length, opts.attackers)
  /**
   * Fresh attacker processes for one attack phase, on addresses no earlier phase used (as far as
   * the plan has slots): a node refuses an address whose identities kept flooding, so a later
   * phase from the same address would measure only that refusal.
   */
  async function startPhaseAttackers(): Promise<AttackerProcess[]> {
    const first = attackPhasesStarted * opts.attackers
    attackPhasesStarted++
    return Promise.all(
      targets.map((mine, index) => {
        const slot = attackerSlot(first + index, network.attackers)
        return startAttacker(
          {
            index,
            chain: devnet.chain,
            targets: mine.map((f) => addressOn(network, followers[f - 1] as DevnetNode)),
            ratePerSecond: opts.ratePerSecond,
            blockBytes: opts.blockBytes,
            messagesPerIdentity: MESSAGES_PER_IDENTITY,
          },
          join(devnet.dir, 'logs'),
          (nodeArgs) => network.attackerCommand(slot, nodeArgs),
        )
      }),
    )
  }
  const loadStart = loadavg()[0] as number
  try {
    const meshed = await devnet.waitForMesh(ATTACK_MESH_WAIT_MS)
    if (!meshed) progress('some nodes have a thin mesh; measuring anyway')
    devnet.produce({ blockBytes: opts.blockBytes })
    while (published.length < warmupBlocks) await sleep(200)

    const followerCounters = (m: Map<number, NodeStats>) =>
      new Map<number, NodeCountersSnapshot>(
        followerIndex.flatMap((i) => {
          const s = m.get(i)
          return s === undefined ? [] : [[i, s.counters] as const]
        }),
      )

    let baselineP99: number | null = null
    async function runPhase(phase: AttackPhase): Promise<PhaseResult> {
      if (phase !== 'baseline') {
        progress(`${phase}: starting ${opts.attackers} attacker processes`)
        attackers = await startPhaseAttackers()
      }
      const start = followerCounters(await devnet.snapshot())
      rssMax.clear()
      const from = published.length
      await Promise.all(attackers.map((a) => a.startPhase(phase)))
      progress(`${phase}: ${opts.phaseSeconds} s`)
      await sleep(opts.phaseSeconds * 1000)
      const reports: AttackerPhaseReport[] = await Promise.all(attackers.map((a) => a.endPhase()))
      const to = published.length
      const end = followerCounters(await devnet.snapshot())
      await Promise.all(attackers.splice(0).map((a) => a.stop()))
      await sleep(settleMs)
      const result = summarizePhase({
        phase,
        published: published.slice(from, to),
        arrivals,
        followers: followerIndex,
        start,
        end,
        rssMax: new Map(rssMax),
        attackers: reports,
        baselineP99Ms: baselineP99,
      })
      if (phase === 'baseline') baselineP99 = result.e2eP99Ms
      progress(
        `${phase}: delivery ${result.delivery}, e2e p50/p99 ${result.e2eP50Ms}/${result.e2eP99Ms} ms, attackers sent ${result.attackers.sent} → ${result.pass ? 'PASS' : 'FAIL'}`,
      )
      return result
    }

    async function followerMemory(): Promise<{
      rssBytes: number[]
      heapUsedBytes: number[]
      externalBytes: number[]
    }> {
      const snap = await devnet.snapshot()
      const field = (f: 'rssBytes' | 'heapUsedBytes' | 'externalBytes') =>
        followerIndex.map((i) => snap.get(i)?.counters[f] ?? 0)
      return {
        rssBytes: field('rssBytes'),
        heapUsedBytes: field('heapUsedBytes'),
        externalBytes: field('externalBytes'),
      }
    }
    const followerRss = async () => (await followerMemory()).rssBytes

    /** RSS samples until every follower is back within the target, or the time is up. */
    async function waitForRecovery(pre: number[], peak: number[]): Promise<RecoveryResult> {
      const t0 = performance.now()
      const samples: Array<{ afterSeconds: number; rssBytes: number[] }> = []
      for (;;) {
        const rssBytes = await followerRss()
        samples.push({ afterSeconds: (performance.now() - t0) / 1000, rssBytes })
        const summary = summarizeRecovery(pre, peak, samples)
        if (summary.pass || performance.now() - t0 >= opts.recoverySeconds * 1000) return summary
        await sleep(RECOVERY_SAMPLE_MS)
      }
    }

    const phases: PhaseResult[] = []
    let preAttack: number[] | null = null
    const peak = followerIndex.map(() => 0)
    for (const phase of opts.phases) {
      if (phase !== 'baseline' && preAttack === null) preAttack = await followerRss()
      const r = await runPhase(phase)
      phases.push(r)
      r.followers.forEach((f, k) => {
        peak[k] = Math.max(peak[k] as number, f.rssMaxMb * 1e6)
      })
    }
    let recovery: RecoveryResult | null = null
    if (preAttack !== null) {
      progress(`recovery: sampling RSS for up to ${opts.recoverySeconds} s`)
      recovery = await waitForRecovery(preAttack, peak)
      progress(
        `recovery: ${recovery.secondsToRecover === null ? 'not within the time' : `${recovery.secondsToRecover} s`} → ${recovery.pass ? 'PASS' : 'FAIL'}`,
      )
    }

    let soak: SoakResult | null = null
    const attackPhases = opts.phases.filter((p) => p !== 'baseline')
    if (opts.soakMinutes > 0 && attackPhases.length > 0 && preAttack !== null) {
      const soakStart = performance.now()
      const cycles = Math.max(1, Math.floor(opts.soakMinutes / SOAK_CYCLE_MINUTES))
      const samples: SoakMemoryInput[] = []
      for (let c = 0; c < cycles; c++) {
        const cycleStart = performance.now()
        progress(`soak cycle ${c + 1}/${cycles}`)
        for (const phase of attackPhases) phases.push(await runPhase(phase))
        await waitForRecovery(preAttack, peak)
        samples.push({
          minute: Math.round(((performance.now() - soakStart) / 60_000) * 100) / 100,
          ...(await followerMemory()),
        })
        const rest = SOAK_CYCLE_MINUTES * 60_000 - (performance.now() - cycleStart)
        if (c < cycles - 1 && rest > 0) await sleep(rest)
      }
      soak = summarizeSoak(opts.soakMinutes, cycles, samples)
    }
    devnet.pause()

    return {
      nodes: followers.length,
      attackers: opts.attackers,
      phaseSeconds: opts.phaseSeconds,
      ratePerSecond: opts.ratePerSecond,
      blockBytes: opts.blockBytes,
      blockTime: devnet.chain.blockTime,
      network: network.kind,
      compiled: NODES_RUN_COMPILED,
      machine: {
        cores: cpus().length,
        loadAverage: { start: loadStart, end: loadavg()[0] as number },
      },
      phases,
      recovery,
      soak,
      pass: phases.every((p) => p.pass) && (recovery?.pass ?? true) && (soak?.pass ?? true),
    }
  } finally {
    devnet.events.off('block', onBlock)
    devnet.events.off('published', onPublished)
    devnet.events.off('stats', onStats)
    await Promise.all(attackers.map((a) => a.stop()))
  }
}

/** Parses `--phases a,b,c`: known names, no repeats, in the order given. */
export function parsePhases(text: string): AttackPhase[] | null {
  const names = text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0)
  if (names.length === 0) return null
  if (!names.every((n) => (ATTACK_PHASES as readonly string[]).includes(n))) return null
  if (new Set(names).size !== names.length) return null
  return names as AttackPhase[]
}
