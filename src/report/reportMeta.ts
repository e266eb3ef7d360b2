/** What every HTML report and result file says about the run that made it. */
import { cpus, release } from 'node:os'

export interface ReportMeta {
  /** The command line that produced the report */
  command: string
  /** ISO time */
  generatedAt: string
  /** e.g. "2 cores (AMD EPYC), Linux 6.1, Node v22.x" */
  machine: string
}

/** The meta of a report written now by `op-gossip ARGV`. */
export function reportMetaNow(argv: readonly string[]): ReportMeta {
  return {
    command: ['op-gossip', ...argv].join(' '),
    generatedAt: new Date().toISOString(),
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Linux ${release()}, Node ${process.version}`,
  }
}
