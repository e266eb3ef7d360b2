import { type Command, Option } from 'commander'
import {
  DEFAULT_NODE_FLAGS,
  MAX_DEVNET_FOLLOWERS,
  NODES_RUN_COMPILED,
  startDevnet,
} from '../../devnet/devnet.ts'
import type { DevnetTransport } from '../../devnet/devnetPlan.ts'
import { REDIS_SERVER_INSTALL_HINT, redisServerAvailable } from '../../devnet/devnetRedis.ts'
import {
  DEFAULT_BENCH_BLOCK_BYTES,
  DEFAULT_BENCH_BLOCK_TIME_SECONDS,
  DEFAULT_BENCH_BLOCKS,
  DEFAULT_BENCH_NODES,
  DEFAULT_IDLE_CPU_WINDOW_MS,
  DEFAULT_SETTLE_MS,
  DEFAULT_WARMUP_BLOCKS,
  IDLE_CPU_QUIET_MAX_MS,
  type LatencyBenchResult,
  type LatencyBenchRun,
  runLatencyBench,
} from '../../devnet/latencyBench.ts'
import { DEVNET_ROADS } from '../../devnet/latencyByRoad.ts'
import type { Percentiles } from '../../devnet/latencyStats.ts'
import { MIN_SEQUENCER_INTERVAL_SECONDS } from '../../devnet/sequencerLoop.ts'
import { writeLatencyReport } from '../../report/latencyReport.ts'
import { reportMetaNow } from '../../report/reportMeta.ts'
import {
  addNetworkOptions,
  addNodeLogOptions,
  type NetworkFlags,
  parseLinkShaping,
  parseMesh,
  parseNodeLogLevel,
  resolveNetwork,
} from '../devnetFlags.ts'
import { checkDirectoryFlag } from '../flagValues.ts'
import type { LogFlagValues } from '../logFlags.ts'
import { parseIntegerFlag } from '../numberFlags.ts'
import { createTempDir, type TempDir } from '../tempDir.ts'
import { UsageError } from '../usageError.ts'
import { MAX_DEVNET_BLOCK_BYTES } from './devnet.ts'

/** Prefix of the temporary devnet directory (under the OS temp dir) when --dir is not given. */
export const BENCH_TEMP_DIR_PREFIX = 'op-gossip-bench-'
/** Most measured blocks per size. */
export const MAX_BENCH_BLOCKS = 100_000
/** Longest `--block-time`, seconds. */
export const MAX_BENCH_BLOCK_TIME_SECONDS = 60
/**
 * Shortest `--block-time`, seconds. Below a second the chain's block_time stays 1 and the
 * sequencer publishes on its own faster schedule (src/devnet/sequencerLoop.ts).
 */
export const MIN_BENCH_BLOCK_TIME_SECONDS = MIN_SEQUENCER_INTERVAL_SECONDS
/** Finest `--block-time` step: milliseconds. */
const BLOCK_TIME_PATTERN = /^[0-9]+(\.[0-9]{1,3})?$/

/** `--block-time`: seconds in [MIN_BENCH_BLOCK_TIME_SECONDS, MAX_BENCH_BLOCK_TIME_SECONDS]. */
export function parseBenchBlockTime(text: string): number {
  const n = Number(text)
  if (
    !BLOCK_TIME_PATTERN.test(text.trim()) ||
    !(n >= MIN_BENCH_BLOCK_TIME_SECONDS) ||
    n > MAX_BENCH_BLOCK_TIME_SECONDS
  ) {
    throw new UsageError(
      `--block-time must be seconds in [${MIN_BENCH_BLOCK_TIME_SECONDS}, ${MAX_BENCH_BLOCK_TIME_SECONDS}] with at most 3 decimals, got '${text}'`,
      { flag: '--block-time' },
    )
  }
  return n
}
/** Most `--warmup` blocks. */
export const MAX_BENCH_WARMUP_BLOCKS = 1000
/** Longest `--startup-wait`, seconds. */
export const MAX_STARTUP_WAIT_SECONDS = 600
/** Longest `--idle-window`, seconds. */
export const MAX_IDLE_WINDOW_SECONDS = 600
/** Longest `--settle`, seconds. */
export const MAX_SETTLE_SECONDS = 600

/** The idle CPU windows and the settle time, from `--idle-window` and `--settle`. */
export interface IdleTiming {
  idleWindowMs: number
  settleMs: number
}

/**
 * Parses `--idle-window` (whole seconds, at least 1: an idle rate needs time to pass) and
 * `--settle` (whole seconds, 0 allowed).
 */
export function parseIdleTiming(flags: { idleWindow: string; settle: string }): IdleTiming {
  const idleWindow = parseIntegerFlag('--idle-window', flags.idleWindow, 1, MAX_IDLE_WINDOW_SECONDS)
  const settle = parseIntegerFlag('--settle', flags.settle, 0, MAX_SETTLE_SECONDS)
  return { idleWindowMs: idleWindow * 1000, settleMs: settle * 1000 }
}

interface LatencyFlags extends NetworkFlags, LogFlagValues {
  nodes: string
  blocks: string
  blockBytes?: string[]
  blockTime: string
  warmup: string
  startupWait: string
  idleWindow: string
  settle: string
  json?: boolean
  report?: string
  dir?: string
  nodeFlags?: string
  transport: DevnetTransport
}

function parseSizes(list: string[]): number[] {
  const sizes = list
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter((x) => x.length > 0)
    .map((x) => parseIntegerFlag('--block-bytes', x, 1000, MAX_DEVNET_BLOCK_BYTES))
  return sizes.length === 0 ? [DEFAULT_BENCH_BLOCK_BYTES] : sizes
}

const p4 = (p: Percentiles) => `${p.p50}/${p.p90}/${p.p99}/${p.max}`
const kb = (b: number) => (b / 1000).toFixed(1)

function printTable(results: LatencyBenchResult[]): void {
  const header = [
    'KB',
    'nodes',
    'blocks',
    'delivery',
    'e2e ms p50/p90/p99/max',
    'hop ms p50/p90/p99/max',
    'dup/node/blk',
    'KB sent/recv per node/blk',
    'max RSS MB',
    'CPU s/node',
    'CPU ms/blk',
    'idle ms/s',
  ]
  const rows = results.map((r) => [
    kb(r.blockBytes),
    String(r.nodes),
    String(r.blocks),
    r.delivery.toFixed(3),
    p4(r.e2eMs),
    p4(r.hopMs),
    r.duplicatesPerNodePerBlock === null ? 'n/a' : r.duplicatesPerNodePerBlock.toFixed(2),
    `${kb(r.bytesPerNodePerBlock.sent)}/${kb(r.bytesPerNodePerBlock.received)}`,
    (Math.max(0, ...r.perNode.map((n) => n.rssBytes)) / 1e6).toFixed(0),
    (r.perNode.reduce((a, n) => a + n.cpuSeconds, 0) / Math.max(1, r.perNode.length)).toFixed(2),
    r.cpuMsPerBlock === null ? 'n/a' : r.cpuMsPerBlock.toFixed(2),
    r.idleCpuMsPerSecond === null ? 'n/a' : r.idleCpuMsPerSecond.toFixed(2),
  ])
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  )
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ')
  console.log(fmt(header))
  for (const r of rows) console.log(fmt(r))
  for (const r of results) {
    console.log(
      `${kb(r.blockBytes)} KB: hop breakdown (medians) sender queue ${r.breakdown.senderQueueMs} ms, sender validation ${r.breakdown.senderValidationMs} ms, transfer ${r.breakdown.transferMs} ms; sequencer publish call p50/p99 ${r.sequencerPublishMs.p50}/${r.sequencerPublishMs.p99} ms; validation p50/p99 ${r.validationMs.p50}/${r.validationMs.p99} ms; hops p50/max ${r.hops.p50}/${r.hops.max}; load ${r.machine.loadAverage.start.toFixed(1)} → ${r.machine.loadAverage.end.toFixed(1)} on ${r.machine.cores} cores`,
    )
  }
  for (const r of results) {
    const minutes = r.perMinute.map((m) => `${m.minute}: ${m.e2eP50Ms}/${m.e2eP99Ms}`)
    console.log(`${kb(r.blockBytes)} KB: e2e ms p50/p99 per minute ${minutes.join(', ')}`)
    const perNode = r.perNode.map(
      (n) => `${n.index}: ${n.cpuMsPerBlock ?? 'n/a'}/${n.idleCpuMsPerSecond ?? 'n/a'}`,
    )
    console.log(`${kb(r.blockBytes)} KB: per node CPU ms/block / idle ms/s ${perNode.join(', ')}`)
  }
  printQueues(results)
  printRoads(results)
  console.log(
    '(CPU ms/blk: CPU with blocks flowing minus the idle rate, per block; idle ms/s: measured before the first block, mesh formed)',
  )
  if (results.some((r) => r.duplicatesPerNodePerBlock === null)) {
    console.log('(duplicates: n/a = this gossip host does not count duplicate messages)')
  }
}

/** Whether a queue grew: the followers' validation and outbound backlogs (worst, then per node). */
function printQueues(results: LatencyBenchResult[]): void {
  for (const r of results) {
    const line = queueLine(r)
    if (line !== null) console.log(line)
  }
}

const orNa = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : String(n))

/**
 * One size's queue line: validation backlog max/end in messages; outbound backlog max/end in
 * bytes over all peers, the most RPCs waiting and the largest single-peer queue; the
 * sequencer's outbound max/end. Null for a result without queues (an older result file).
 */
export function queueLine(r: LatencyBenchResult): string | null {
  const q = r.queues
  if (q === undefined) return null
  const validationPerNode = r.perNode.map(
    (n) =>
      `${n.index}: ${orNa(n.queues?.validationBacklogMax)}/${orNa(n.queues?.validationBacklogEnd)}`,
  )
  const validation = `validation backlog max/end ${q.validationBacklogMax}/${q.validationBacklogEnd} (per node ${validationPerNode.join(', ')})`
  return `${kb(r.blockBytes)} KB: ${r.blockTime} s blocks; ${validation}; ${outboundText(r)}`
}

function outboundText(r: LatencyBenchResult): string {
  const q = r.queues
  if (q?.outboundQueueMax === null || q?.outboundQueueMax === undefined) {
    return `outbound queues not read${q?.outboundUnreadable === undefined ? '' : `: ${q.outboundUnreadable}`}`
  }
  const perNode = r.perNode.map(
    (n) =>
      `${n.index}: ${orNa(n.queues?.outboundBacklogMax)}/${orNa(n.queues?.outboundBacklogEnd)}`,
  )
  const seq = r.sequencer.queues
  const sequencer =
    seq === undefined
      ? ''
      : `; sequencer outbound bytes max/end ${orNa(seq.outboundBacklogMax)}/${orNa(seq.outboundBacklogEnd)}, largest peer queue ${orNa(seq.outboundPeerBytesMax)} B`
  return `outbound bytes max/end ${orNa(q.outboundBacklogMax)}/${orNa(q.outboundBacklogEnd)}, RPCs max ${orNa(q.outboundMessagesMax)}, largest peer queue ${q.outboundQueueMax} B (per node ${perNode.join(', ')})${sequencer}`
}

/** With a Redis transport: each road's delivery and e2e latency, side by side per size. */
function printRoads(results: LatencyBenchResult[]): void {
  for (const r of results) {
    if (r.transport === undefined || r.transport === 'gossip' || r.roads === undefined) continue
    const roads = DEVNET_ROADS.flatMap((road) => {
      const x = r.roads?.[road]
      return x === undefined
        ? []
        : [`${road} (${x.nodes} nodes) delivery ${x.delivery.toFixed(3)} e2e ms ${p4(x.e2eMs)}`]
    })
    console.log(`${kb(r.blockBytes)} KB by road (--transport ${r.transport}): ${roads.join(' | ')}`)
  }
}

async function run(flags: LatencyFlags, argv: string[]): Promise<void> {
  const transport = flags.transport
  if (transport !== 'gossip' && !redisServerAvailable()) {
    throw new UsageError(`${transport} needs redis-server: ${REDIS_SERVER_INSTALL_HINT}`, {
      flag: '--transport',
    })
  }
  const nodes = parseIntegerFlag('--nodes', flags.nodes, 1, MAX_DEVNET_FOLLOWERS)
  const blocks = parseIntegerFlag('--blocks', flags.blocks, 1, MAX_BENCH_BLOCKS)
  const sizes = parseSizes(flags.blockBytes ?? [])
  const blockTime = parseBenchBlockTime(flags.blockTime)
  const warmupBlocks = parseIntegerFlag('--warmup', flags.warmup, 1, MAX_BENCH_WARMUP_BLOCKS)
  const startUpWaitSeconds = parseIntegerFlag(
    '--startup-wait',
    flags.startupWait,
    0,
    MAX_STARTUP_WAIT_SECONDS,
  )
  const idleTiming = parseIdleTiming(flags)
  const mesh = parseMesh(flags)
  const logLevel = parseNodeLogLevel(flags)
  const json = flags.json === true
  const progress = (line: string) => process.stderr.write(`${line}\n`)
  const network = await resolveNetwork(parseLinkShaping(flags), progress)
  // A temporary devnet directory holds keys: removed however the bench ends, Ctrl-C included.
  const givenDir = flags.dir === undefined ? undefined : checkDirectoryFlag('--dir', flags.dir)
  const tempDir = givenDir === undefined ? createTempDir(BENCH_TEMP_DIR_PREFIX) : null
  const dir = givenDir ?? (tempDir as TempDir).path
  // Ctrl-C while the nodes start: stop them as soon as they are up (below), then exit 130.
  let interrupted = false
  let stopAndExit: (() => void) | null = null
  const onSigint = () => {
    if (interrupted) process.exit(130) // a second Ctrl-C: now (the exit hook still cleans up)
    interrupted = true
    progress('interrupted: stopping the devnet')
    stopAndExit?.()
  }
  process.on('SIGINT', onSigint)

  progress(
    `bench latency: ${nodes} followers + sequencer, ${blocks} blocks of ${sizes.map((s) => `${kb(s)} KB`).join(', ')}, ${blockTime} s blocks, ${network.description}`,
  )
  progress(
    NODES_RUN_COMPILED
      ? 'nodes run the compiled build'
      : 'nodes run the TypeScript sources (after `npm run build` they use ~10 MB less memory each)',
  )
  const t0 = Date.now()
  const devnet = await startDevnet({
    followers: nodes,
    blockTimeSeconds: blockTime,
    dir,
    mesh,
    network,
    logLevel,
    transport,
    ...(flags.nodeFlags === undefined
      ? {}
      : { nodeFlags: flags.nodeFlags.split(/\s+/).filter(Boolean) }),
  })
  progress(
    `${nodes + 1} nodes up in ${((Date.now() - t0) / 1000).toFixed(1)} s (logs in ${dir}/logs)`,
  )
  stopAndExit = () => void devnet.stop().finally(() => process.exit(130))
  if (interrupted) stopAndExit()
  devnet.events.on('problem', ({ message }) => progress(`! ${message}`))
  let runs: LatencyBenchRun[]
  try {
    runs = await runLatencyBench(devnet, {
      blockBytes: sizes,
      blocks,
      warmupBlocks,
      startUpMaxMs: startUpWaitSeconds * 1000,
      ...idleTiming,
      blockTimeSeconds: blockTime,
      mesh,
      network: network.description,
      transport,
      onProgress: progress,
    })
  } finally {
    await devnet.stop()
    process.off('SIGINT', onSigint)
    tempDir?.remove()
  }

  const results = runs.map((r) => r.result)
  if (json) for (const r of results) console.log(JSON.stringify(r))
  else printTable(results)
  if (flags.report !== undefined) {
    const path = writeLatencyReport(flags.report, runs, reportMetaNow(argv))
    progress(`report: ${path}`)
  }
}

export function registerLatency(bench: Command): void {
  const cmd = bench
    .command('latency')
    .description('gossip delivery latency on a local devnet (one process per node)')
    .option(
      '--nodes <n>',
      'follower nodes (the sequencer comes on top)',
      String(DEFAULT_BENCH_NODES),
    )
    .option('--blocks <n>', 'measured blocks per block size', String(DEFAULT_BENCH_BLOCKS))
    .option(
      '--block-bytes <n...>',
      `decompressed block size(s); comma-separated or repeated for several runs (default: ${DEFAULT_BENCH_BLOCK_BYTES})`,
    )
    .option(
      '--block-time <seconds>',
      `seconds between blocks, down to ${MIN_BENCH_BLOCK_TIME_SECONDS} (e.g. 0.2 for 200 ms blocks; below 1 the chain's block_time stays 1 and several blocks share a timestamp second)`,
      String(DEFAULT_BENCH_BLOCK_TIME_SECONDS),
    )
    .option(
      '--warmup <n>',
      'unmeasured blocks before each size (nodes speed up for minutes as V8 optimizes them; 240 gives steady-state numbers)',
      String(DEFAULT_WARMUP_BLOCKS),
    )
    .option(
      '--startup-wait <seconds>',
      'longest wait, after the nodes are up, for their start-up work to end (their CPU rate stops falling) before the idle CPU window and the first block',
      String(IDLE_CPU_QUIET_MAX_MS / 1000),
    )
    .option(
      '--idle-window <seconds>',
      'length of each idle CPU window: one before the first block, one after the last',
      String(DEFAULT_IDLE_CPU_WINDOW_MS / 1000),
    )
    .option(
      '--settle <seconds>',
      'how long after the last publish arrivals still count, before the second idle window',
      String(DEFAULT_SETTLE_MS / 1000),
    )
    .option('--json', 'one JSON object per block size on stdout')
    .option('--report <dir>', 'write an HTML report (index.html, result.json) to this directory')
    .option(
      '--dir <path>',
      'devnet directory (rollup.json, keys, logs); default: a temporary one, removed after',
    )
    .option(
      '--node-flags <flags>',
      `Node.js flags of the node processes instead of "${DEFAULT_NODE_FLAGS.join(' ')}"`,
    )
    .addOption(
      new Option(
        '--transport <road>',
        'how followers get blocks: gossip; redis = one gossip follower publishes to a local redis-server, the others read it; both = a mixed mesh (docs/redis.md)',
      )
        .choices(['gossip', 'redis', 'both'])
        .default('gossip'),
    )
  addNodeLogOptions(cmd, { dashedAlias: false })
  addNetworkOptions(cmd)
  cmd.action((flags: LatencyFlags) => run(flags, process.argv.slice(2)))
}
