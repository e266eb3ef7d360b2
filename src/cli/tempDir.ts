/**
 * A temporary directory a command owns (bench latency's devnet: it holds node keys). It is
 * removed however the command ends: normally, on an error, or on process.exit() after Ctrl-C,
 * through the synchronous 'exit' hook that process.exit() still runs.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TempDir {
  readonly path: string
  /** Removes it now (idempotent) and drops the exit hook. */
  remove(): void
}

export function createTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix))
  const remove = () => {
    process.off('exit', remove)
    rmSync(path, { recursive: true, force: true })
  }
  process.on('exit', remove)
  return { path, remove }
}
