/**
 * `op-gossip bench <sub>`: whole-path benchmarks with JSON output.
 *
 * `bench validate`: builds realistic signed messages of about 100 KB, 1 MB and 9 MB
 * (decompressed) with the devnet block builder and times the full validation of each (Snappy,
 * signature, SSZ, block hash with the transaction trie, seen cache) on one core. Each iteration
 * starts with an empty seen cache and a fixed clock, so every run takes the full accept path.
 * With `--floor`, the native floor (src/cli/commands/nativeFloor.ts) validates the same message
 * in the same run, and each case prints our median over the floor's.
 *
 * More subcommands (latency, observe, ...) register themselves in BENCH_SUBCOMMANDS.
 */
import type { Command } from 'commander'
import { type BuiltBlock, createBlockBuilder, devnetKey } from '../../blocks/blockBuilder.ts'
import { createDevnetChain } from '../../chains/devnet.ts'
import { createBlockValidator } from '../../gossip/validator.ts'
import { OpGossipError } from '../../util/errors.ts'
import { UsageError } from '../usageError.ts'
import { registerAttack } from './benchAttack.ts'
import { registerCompare } from './benchCompare.ts'
import { registerLatency } from './benchLatency.ts'
import { registerObserve } from './benchObserve.ts'
import { registerRecovery } from './benchRecovery.ts'
import { buildNativeFloor, type NativeFloor } from './nativeFloor.ts'

/** Message sizes `bench validate` measures (decompressed bytes). */
export const VALIDATE_BENCH_CASES = {
  '100kb': { bytes: 100_000, iterations: 300 },
  '1mb': { bytes: 1_000_000, iterations: 100 },
  '9mb': { bytes: 9_000_000, iterations: 20 },
} as const

export type ValidateBenchCase = keyof typeof VALIDATE_BENCH_CASES

/** Warm-up runs before measuring: this fraction of the iterations, at least MIN_WARMUP_RUNS. */
const WARMUP_FRACTION = 0.2
const MIN_WARMUP_RUNS = 3

export interface ValidateBenchResult {
  case: ValidateBenchCase
  /** Decompressed message size */
  bytes: number
  /** Snappy-compressed size (what gossip carries) */
  compressedBytes: number
  /** Transactions in the block (deposit included) */
  txs: number
  iterations: number
  medianUs: number
  p99Us: number
  /** Validations per second on one core (from the mean) */
  opsPerSec: number
  /** Median microseconds per stage, to show where the time goes */
  stagesMedianUs: { snappy: number; signature: number; decode: number; blockHash: number }
  /**
   * With --floor: the native floor's median on the same message, measured right after ours, and
   * medianUs over it; null when the floor could not be built (the reason is printed once)
   */
  floor?: { medianUs: number; ratio: number } | null
}

function quantile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[i] as number
}

const round1 = (x: number): number => Math.round(x * 10) / 10

const BENCH_SEQUENCER_KEY = devnetKey('op-gossip bench sequencer')

/** The signed message of one `bench validate` case (deterministic). */
export function validateBenchMessage(name: ValidateBenchCase): BuiltBlock {
  const builder = createBlockBuilder({
    chain: createDevnetChain(),
    privateKey: BENCH_SEQUENCER_KEY,
  })
  return builder.next({ targetBytes: VALIDATE_BENCH_CASES[name].bytes })
}

/** Runs one `bench validate` case (on `block`, by default the case's own message). */
export function benchValidateCase(
  name: ValidateBenchCase,
  iterations?: number,
  block: BuiltBlock = validateBenchMessage(name),
): ValidateBenchResult {
  const spec = VALIDATE_BENCH_CASES[name]
  const runs = iterations ?? spec.iterations
  const chain = createDevnetChain()
  const signer = createBlockBuilder({ chain, privateKey: BENCH_SEQUENCER_KEY }).signer
  const validator = createBlockValidator({
    chain,
    signer: () => signer,
    now: () => Number(block.timestamp) * 1000,
  })
  const warmup = Math.max(MIN_WARMUP_RUNS, Math.ceil(runs * WARMUP_FRACTION))
  const totals: number[] = []
  const stages = {
    snappy: [] as number[],
    signature: [] as number[],
    decode: [] as number[],
    blockHash: [] as number[],
  }
  for (let i = 0; i < warmup + runs; i++) {
    validator.clearSeenBlocks()
    const start = performance.now()
    const result = validator.validate(block.topic, block.data)
    const us = (performance.now() - start) * 1000
    if (result.verdict !== 'accept') {
      throw new OpGossipError(
        'BENCH_NOT_ACCEPTED',
        `bench message was not accepted: ${result.reason}`,
      )
    }
    if (i < warmup) continue
    totals.push(us)
    stages.snappy.push(result.timings.snappyUs)
    stages.signature.push(result.timings.signatureUs)
    stages.decode.push(result.timings.decodeUs)
    stages.blockHash.push(result.timings.blockHashUs)
  }
  const mean = totals.reduce((a, b) => a + b, 0) / totals.length
  const median = (xs: number[]) =>
    round1(
      quantile(
        xs.sort((a, b) => a - b),
        0.5,
      ),
    )
  const sorted = [...totals].sort((a, b) => a - b)
  return {
    case: name,
    bytes: block.decompressed.length,
    compressedBytes: block.data.length,
    txs: block.envelope.payload.transactions.length,
    iterations: runs,
    medianUs: round1(quantile(sorted, 0.5)),
    p99Us: round1(quantile(sorted, 0.99)),
    opsPerSec: Math.round(1e6 / mean),
    stagesMedianUs: {
      snappy: median(stages.snappy),
      signature: median(stages.signature),
      decode: median(stages.decode),
      blockHash: median(stages.blockHash),
    },
  }
}

function parseCases(list: string[] | undefined): ValidateBenchCase[] {
  const all = Object.keys(VALIDATE_BENCH_CASES) as ValidateBenchCase[]
  if (list === undefined || list.length === 0) return all
  const names = list.flatMap((x) => x.split(',')).map((x) => x.trim().toLowerCase())
  for (const n of names) {
    if (!all.includes(n as ValidateBenchCase)) {
      throw new UsageError(`unknown --case '${n}' (expected ${all.join(', ')})`, { flag: '--case' })
    }
  }
  return all.filter((c) => names.includes(c))
}

function parseIterations(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--iterations must be a positive integer, got '${text}'`, {
      flag: '--iterations',
    })
  }
  return n
}

/** Our case, then the floor on the same message; the ratio is ours over the floor's median. */
function benchCaseWithFloor(
  name: ValidateBenchCase,
  iterations: number | undefined,
  floor: NativeFloor | null | undefined,
): ValidateBenchResult {
  const block = validateBenchMessage(name)
  const row = benchValidateCase(name, iterations, block)
  if (floor === undefined) return row
  if (floor === null) return { ...row, floor: null }
  const medianUs = floor.medianUs(block.data, row.iterations)
  return { ...row, floor: { medianUs, ratio: Math.round((row.medianUs / medianUs) * 100) / 100 } }
}

function printTable(rows: ValidateBenchResult[]): void {
  const header = [
    'case',
    'bytes',
    'txs',
    'median us',
    'p99 us',
    'ops/s',
    'snappy',
    'sig',
    'ssz',
    'hash',
    ...(rows.some((r) => r.floor != null) ? ['floor us', 'ratio'] : []),
  ]
  const lines = rows.map((r) => [
    r.case,
    String(r.bytes),
    String(r.txs),
    r.medianUs.toFixed(1),
    r.p99Us.toFixed(1),
    String(r.opsPerSec),
    r.stagesMedianUs.snappy.toFixed(0),
    r.stagesMedianUs.signature.toFixed(0),
    r.stagesMedianUs.decode.toFixed(0),
    r.stagesMedianUs.blockHash.toFixed(0),
    ...(r.floor == null ? [] : [r.floor.medianUs.toFixed(1), `${r.floor.ratio.toFixed(2)}x`]),
  ])
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (l[i] as string).length)),
  )
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ')
  console.log(fmt(header))
  for (const l of lines) console.log(fmt(l))
  console.log(
    '(stage columns: median microseconds; one core, fixed clock, empty seen cache per run)',
  )
  if (rows.some((r) => r.floor != null)) {
    console.log(
      '(floor: the native floor (../shared/tools/floor) on the same message, same run; ratio = median / floor)',
    )
  }
}

function registerValidate(bench: Command): void {
  bench
    .command('validate')
    .description('time full block validation of ~100 KB, 1 MB and 9 MB messages')
    .option('--json', 'one JSON object per case and line')
    .option('--iterations <n>', 'measured runs per case (default: 300 / 100 / 20)')
    .option('--case <names...>', 'only these cases: 100kb, 1mb, 9mb (comma-separated or repeated)')
    .option(
      '--floor [dir]',
      'also build (with cc, in a temporary directory) and run the native floor program on the same messages and print the ratio (default dir: ../shared/tools/floor)',
    )
    .action(
      (flags: { json?: boolean; iterations?: string; case?: string[]; floor?: string | true }) => {
        const cases = parseCases(flags.case)
        const iterations = parseIterations(flags.iterations)
        const floor = openFloor(flags.floor)
        const rows: ValidateBenchResult[] = []
        try {
          for (const c of cases) {
            const row = benchCaseWithFloor(c, iterations, floor)
            if (flags.json === true) console.log(JSON.stringify(row))
            rows.push(row)
          }
        } finally {
          floor?.dispose()
        }
        if (flags.json !== true) printTable(rows)
      },
    )
}

/** undefined without --floor; null (after one line on stderr) when it cannot be built. */
function openFloor(flag: string | true | undefined): NativeFloor | null | undefined {
  if (flag === undefined) return undefined
  const build = buildNativeFloor(...(flag === true ? [] : [flag]))
  if ('floor' in build) return build.floor
  process.stderr.write(`floor: skipped, ${build.unavailable}; no ratio\n`)
  return null
}

/** `bench` subcommands; add new ones here. */
const BENCH_SUBCOMMANDS: Array<(bench: Command) => void> = [
  registerValidate,
  registerLatency,
  registerObserve,
  registerCompare,
  registerRecovery,
  registerAttack,
]

export function register(program: Command): void {
  const bench = program.command('bench').description('benchmarks (JSON output with --json)')
  for (const add of BENCH_SUBCOMMANDS) add(bench)
}
