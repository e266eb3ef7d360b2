/**
 * Prometheus' own linter on our metrics: `promtool check metrics` (Debian's `prometheus`
 * package; .ci/run installs it when missing). Without promtool a test skips with one line,
 * except under CI=true, where it must be there and the test fails.
 */
import { spawnSync } from 'node:child_process'

export const PROMTOOL = 'promtool'
/** Our own series: libp2p's names are the library's to fix. */
export const OWN_METRIC_PREFIX = 'op_gossip_'

export function hasPromtool(): boolean {
  return spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0
}

/** Whether a promtool test should run: skip (with one line) only outside CI. */
export function promtoolAvailableOrRequired(): boolean {
  if (hasPromtool()) return true
  if (process.env.CI === 'true') return true // the test then fails: CI must have it
  console.warn(`skipped: ${PROMTOOL} not found (apt-get install -y prometheus)`)
  return false
}

/** The lines of an exposition about our own metrics (HELP / TYPE and samples). */
export function ownSeries(text: string): string {
  return text
    .split('\n')
    .filter((line) => {
      const name = line.startsWith('# ') ? line.split(' ')[2] : line
      return name?.startsWith(OWN_METRIC_PREFIX) === true
    })
    .join('\n')
    .concat('\n')
}

/** Runs `promtool check metrics` on `text`: its exit status and everything it printed. */
export function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (run.error !== undefined) return { status: null, output: String(run.error) }
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() }
}
