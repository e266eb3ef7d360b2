import type { Command } from 'commander'
import {
  ATTACK_WARMUP_BLOCKS,
  type AttackBenchResult,
  attackerSlotsWanted,
  DEFAULT_ATTACK_BLOCK_BYTES,
  DEFAULT_ATTACK_NODES,
  DEFAULT_ATTACK_PHASE_SECONDS,
  DEFAULT_ATTACK_RATE,
  DEFAULT_ATTACKERS,
  DEFAULT_RECOVERY_SECONDS,
  PHASE_SETTLE_MS,
  parsePhases,
  runAttackBench,
  SOAK_CYCLE_MINUTES,
} from '../../devnet/attackBench.ts'
import { ATTACK_PHASES } from '../../devnet/attackMessages.ts'
import {
  DEFAULT_NODE_FLAGS,
  MAX_DEVNET_FOLLOWERS,
  NODES_RUN_COMPILED,
  startDevnet,
} from '../../devnet/devnet.ts'
import {
  loopbackNetwork,
  MAX_NETNS_ATTACKERS,
  type NetworkPlan,
  netnsNetwork,
  probeNetns,
} from '../../devnet/network.ts'
import {
  attackTable,
  recoveryLine,
  slowestBlockLines,
  soakLines,
  writeAttackReport,
} from '../../report/attackReport.ts'
import { reportMetaNow } from '../../report/reportMeta.ts'
import { OpGossipError } from '../../util/errors.ts'
import { addNodeLogOptions, parseNodeLogLevel } from '../devnetFlags.ts'
import { checkDirectoryFlag } from '../flagValues.ts'
import type { LogFlagValues } from '../logFlags.ts'
import { parseIntegerFlag } from '../numberFlags.ts'
import { createTempDir, type TempDir } from '../tempDir.ts'
import { UsageError } from '../usageError.ts'
import { MAX_DEVNET_BLOCK_BYTES } from './devnet.ts'

/** Prefix of the temporary devnet directory when --dir is not given. */
export const ATTACK_TEMP_DIR_PREFIX = 'op-gossip-attack-'
/** Most attacker processes. */
export const MAX_ATTACKERS = 64
/** Longest phase, seconds. */
export const MAX_PHASE_SECONDS = 3600
/** Highest --rate, messages a second per attacker. */
export const MAX_ATTACK_RATE = 100_000
/** Longest recovery wait, seconds. */
export const MAX_RECOVERY_SECONDS = 3600
/** Longest soak, minutes. */
export const MAX_SOAK_MINUTES = 24 * 60
/** Most `--warmup` blocks. */
export const MAX_ATTACK_WARMUP_BLOCKS = 1000
/** Longest `--settle-seconds`, seconds. */
export const MAX_PHASE_SETTLE_SECONDS = 600

/** The bench's pacing from `--warmup` and `--settle-seconds`. */
export interface AttackPacing {
  warmupBlocks: number
  settleMs: number
}

/** Parses `--warmup` (blocks, at least 1) and `--settle-seconds` (whole seconds, 0 allowed). */
export function parseAttackPacing(flags: { warmup: string; settleSeconds: string }): AttackPacing {
  const warmupBlocks = parseIntegerFlag('--warmup', flags.warmup, 1, MAX_ATTACK_WARMUP_BLOCKS)
  const settleSeconds = parseIntegerFlag(
    '--settle-seconds',
    flags.settleSeconds,
    0,
    MAX_PHASE_SETTLE_SECONDS,
  )
  return { warmupBlocks, settleMs: settleSeconds * 1000 }
}

/** The values of --network. */
export const ATTACK_NETWORKS = ['netns', 'loopback'] as const
export type AttackNetwork = (typeof ATTACK_NETWORKS)[number]

/** Parses --network; undefined (not given) stays undefined: netns when it works. */
export function parseAttackNetwork(text: string | undefined): AttackNetwork | undefined {
  if (text === undefined) return undefined
  if (!(ATTACK_NETWORKS as readonly string[]).includes(text)) {
    throw new UsageError(`--network must be one of ${ATTACK_NETWORKS.join(', ')}, got '${text}'`, {
      flag: '--network',
    })
  }
  return text as AttackNetwork
}

/**
 * The bench's network plan: netns (an address per node and attacker) when asked for or, by
 * default, when it works here; loopback otherwise, with `warn` called once with the reason.
 * An explicit `netns` that cannot work is an error, not a silent fallback.
 */
export async function resolveAttackNetwork(
  choice: AttackNetwork | undefined,
  attackers: number,
  warn: (line: string) => void,
  probe: () => Promise<string | null> = probeNetns,
): Promise<NetworkPlan> {
  if (choice === 'loopback') return loopbackNetwork()
  const reason = await probe()
  if (reason === null) return netnsNetwork(null, { attackers })
  if (choice === 'netns') {
    throw new OpGossipError('DEVNET_NETNS_UNAVAILABLE', `--network netns: ${reason}`, {
      flag: '--network',
    })
  }
  warn(`network namespaces unavailable (${reason}): every node and attacker on 127.0.0.1`)
  return loopbackNetwork()
}

interface AttackFlags extends LogFlagValues {
  nodes: string
  attackers: string
  phases: string
  phaseSeconds: string
  rate: string
  blockBytes: string
  recoverySeconds: string
  soakMinutes: string
  warmup: string
  settleSeconds: string
  json?: boolean
  report?: string
  dir?: string
  nodeFlags?: string
  network?: string
}

function printTable(result: AttackBenchResult): void {
  const { header, rows } = attackTable(result)
  console.log(`network: ${result.network}`)
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  )
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ')
  console.log(fmt(header))
  for (const r of rows) console.log(fmt(r))
  for (const line of slowestBlockLines(result)) console.log(line)
  const recovery = recoveryLine(result)
  if (recovery !== null) console.log(recovery)
  for (const line of soakLines(result)) console.log(line)
  console.log(
    '(target: delivery 1.0 and honest e2e p99 ≤ 2x baseline under every flood; RSS back within 1.5x of pre-attack; docs/attack.md)',
  )
  console.log(`overall: ${result.pass ? 'PASS' : 'FAIL'}`)
}

async function run(flags: AttackFlags, argv: string[]): Promise<void> {
  const nodes = parseIntegerFlag('--nodes', flags.nodes, 1, MAX_DEVNET_FOLLOWERS)
  const attackers = parseIntegerFlag('--attackers', flags.attackers, 1, MAX_ATTACKERS)
  const phaseSeconds = parseIntegerFlag('--phase-seconds', flags.phaseSeconds, 1, MAX_PHASE_SECONDS)
  const rate = parseIntegerFlag('--rate', flags.rate, 1, MAX_ATTACK_RATE)
  const blockBytes = parseIntegerFlag(
    '--block-bytes',
    flags.blockBytes,
    1000,
    MAX_DEVNET_BLOCK_BYTES,
  )
  const recoverySeconds = parseIntegerFlag(
    '--recovery-seconds',
    flags.recoverySeconds,
    0,
    MAX_RECOVERY_SECONDS,
  )
  const soakMinutes = parseIntegerFlag('--soak-minutes', flags.soakMinutes, 0, MAX_SOAK_MINUTES)
  const pacing = parseAttackPacing(flags)
  const networkChoice = parseAttackNetwork(flags.network)
  const phases = parsePhases(flags.phases)
  if (phases === null) {
    throw new UsageError(
      `--phases must list distinct phases out of ${ATTACK_PHASES.join(', ')}, got '${flags.phases}'`,
      { flag: '--phases' },
    )
  }
  const progress = (line: string) => process.stderr.write(`${line}\n`)
  const givenDir = flags.dir === undefined ? undefined : checkDirectoryFlag('--dir', flags.dir)
  const tempDir = givenDir === undefined ? createTempDir(ATTACK_TEMP_DIR_PREFIX) : null
  const dir = givenDir ?? (tempDir as TempDir).path
  progress(
    `bench attack: ${nodes} followers + sequencer, ${attackers} attackers at ${rate} msg/s, phases ${phases.join(', ')} of ${phaseSeconds} s, ${blockBytes} B blocks`,
  )
  if (!NODES_RUN_COMPILED) progress('nodes run the TypeScript sources')
  // An address per attacker and attack phase, as far as the plan holds them.
  const wanted = attackerSlotsWanted(phases, attackers, soakMinutes)
  const slots = Math.max(attackers, Math.min(wanted, MAX_NETNS_ATTACKERS))
  const network = await resolveAttackNetwork(networkChoice, slots, progress)
  progress(`network: ${network.description}`)
  const devnet = await startDevnet({
    network,
    followers: nodes,
    blockTimeSeconds: 1,
    dir,
    logLevel: parseNodeLogLevel(flags),
    ...(flags.nodeFlags === undefined
      ? {}
      : { nodeFlags: flags.nodeFlags.split(/\s+/).filter(Boolean) }),
  })
  const onSigint = () => {
    progress('interrupted: stopping the devnet')
    void devnet.stop().finally(() => process.exit(130))
  }
  process.on('SIGINT', onSigint)
  devnet.events.on('problem', ({ message }) => progress(`! ${message}`))
  let result: AttackBenchResult
  try {
    result = await runAttackBench(devnet, {
      phases,
      attackers,
      phaseSeconds,
      ratePerSecond: rate,
      blockBytes,
      recoverySeconds,
      soakMinutes,
      ...pacing,
      network,
      onProgress: progress,
    })
  } finally {
    await devnet.stop()
    process.off('SIGINT', onSigint)
    tempDir?.remove()
  }
  if (flags.json === true) console.log(JSON.stringify(result))
  else printTable(result)
  if (flags.report !== undefined) {
    const path = writeAttackReport(flags.report, result, reportMetaNow(argv))
    progress(`report: ${path}`)
  }
}

export function registerAttack(bench: Command): void {
  const cmd = bench
    .command('attack')
    .description(
      'a devnet under attack (invalid, duplicate, replay and malformed floods from separate processes): honest delivery, latency, bans, CPU, memory (docs/attack.md)',
    )
    .option(
      '--nodes <n>',
      'follower nodes (the sequencer comes on top)',
      String(DEFAULT_ATTACK_NODES),
    )
    .option('--attackers <n>', 'attacker processes', String(DEFAULT_ATTACKERS))
    .option('--phases <list>', 'phases in order, comma-separated', ATTACK_PHASES.join(','))
    .option('--phase-seconds <s>', 'length of each phase', String(DEFAULT_ATTACK_PHASE_SECONDS))
    .option('--rate <n>', 'messages a second per attacker', String(DEFAULT_ATTACK_RATE))
    .option(
      '--block-bytes <n>',
      'decompressed size of honest and crafted blocks',
      String(DEFAULT_ATTACK_BLOCK_BYTES),
    )
    .option(
      '--recovery-seconds <s>',
      'after the last attack phase, how long to wait for RSS to come back within 1.5x',
      String(DEFAULT_RECOVERY_SECONDS),
    )
    .option(
      '--soak-minutes <m>',
      `repeat the attack phases every ${SOAK_CYCLE_MINUTES} minutes for this long and report the RSS trend (0: no soak)`,
      '0',
    )
    .option(
      '--warmup <n>',
      'blocks published before the first phase (mesh, JIT and caches settle)',
      String(ATTACK_WARMUP_BLOCKS),
    )
    .option(
      '--settle-seconds <s>',
      "after each phase, how long its blocks' late arrivals still count",
      String(PHASE_SETTLE_MS / 1000),
    )
    .option(
      '--network <kind>',
      `${ATTACK_NETWORKS.join(' or ')}: netns gives every node and attacker an address of its own (root, ip), so per-IP defences run as in production; default: netns when available, else loopback`,
    )
    .option('--json', 'one JSON object on stdout (docs/attack.md)')
    .option('--report <dir>', 'write an HTML report (index.html, result.json) to this directory')
    .option(
      '--dir <path>',
      'devnet directory (rollup.json, keys, logs); default: a temporary one, removed after',
    )
    .option(
      '--node-flags <flags>',
      `Node.js flags of the node processes instead of "${DEFAULT_NODE_FLAGS.join(' ')}" (e.g. add --cpu-prof to profile them)`,
    )
  addNodeLogOptions(cmd, { dashedAlias: false })
  cmd.action((flags: AttackFlags) => run(flags, process.argv.slice(2)))
}
