/**
 * `op-gossip bench compare A/result.json B/result.json [...]`: several `bench latency` results
 * side by side (a table and the end-to-end CDFs overlaid in characters), as JSON with --json,
 * and as an HTML page with --report DIR. Each file is a report's result.json or saved `--json`
 * output (see src/report/latencyResultFile.ts); an unreadable or invalid file is one line and
 * exit status 2.
 */
import type { Command } from 'commander'
import { writeComparisonReport } from '../../report/comparisonReport.ts'
import {
  compareRuns,
  comparisonTextCdf,
  formatComparisonTable,
  labelResults,
} from '../../report/latencyComparison.ts'
import { readResultFile } from '../../report/latencyResultFile.ts'
import { UsageError } from '../usageError.ts'

interface CompareFlags {
  label?: string[]
  json?: boolean
  report?: string
}

/** `--label a,b --label c` → ['a', 'b', 'c'], one per file; undefined when none was given. */
export function parseLabels(
  list: readonly string[] | undefined,
  files: number,
): string[] | undefined {
  if (list === undefined) return undefined
  const labels = list
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter((x) => x.length > 0)
  if (labels.length !== files) {
    throw new UsageError(`give one label per file: ${labels.length} label(s), ${files} file(s)`, {
      flag: '--label',
    })
  }
  return labels
}

function run(paths: string[], flags: CompareFlags, argv: string[]): void {
  const labels = parseLabels(flags.label, paths.length)
  const files = paths.map((path) => ({ path, results: readResultFile(path) }))
  const runs = labelResults(files, labels)
  const comparison = compareRuns(runs)
  if (flags.json === true) {
    console.log(JSON.stringify(comparison))
  } else {
    for (const line of formatComparisonTable(comparison)) console.log(line)
    console.log('')
    console.log('end-to-end latency CDF')
    for (const line of comparisonTextCdf(runs)) console.log(line)
  }
  if (flags.report !== undefined) {
    const path = writeComparisonReport(flags.report, runs, comparison, {
      command: ['op-gossip', ...argv].join(' '),
      generatedAt: new Date().toISOString(),
    })
    process.stderr.write(`report: ${path}\n`)
  }
}

export function registerCompare(bench: Command): void {
  bench
    .command('compare')
    .description('compare saved `bench latency` results side by side (result.json or --json)')
    .argument('<files...>', 'result.json of `bench latency --report DIR`, or saved --json output')
    .option(
      '--label <names>',
      'a label per file, in order (comma-separated or repeated)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--json', 'the comparison as one JSON object on stdout')
    .option('--report <dir>', 'write an HTML page (index.html) with the table and CDFs')
    .action((paths: string[], flags: CompareFlags) => run(paths, flags, process.argv.slice(2)))
}
