/**
 * `bench validate --floor`: the native cost floor of validating one gossip message
 * (../shared/tools/floor, see its README), compiled with the machine's `cc` into a temporary
 * directory (never into the repository) and run on the very message `bench validate` times, in
 * the same run, so the ratio is honest on a shared machine whose absolute speed drifts.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { OpGossipError } from '../../util/errors.ts'

/** The floor's source next to this repository (src/ and dist/ are the same depth below it). */
export const DEFAULT_FLOOR_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/tools/floor',
)
/** Its one source file */
export const FLOOR_SOURCE_FILE = 'floor.c'
/** Its README's build line: libsecp256k1, libsnappy and OpenSSL's libcrypto */
const FLOOR_CC_ARGS = [
  '-O2',
  '-o',
  'floor',
  FLOOR_SOURCE_FILE,
  '-lsecp256k1',
  '-lsnappy',
  '-lcrypto',
]
/** Longest compile, ms */
export const FLOOR_COMPILE_TIMEOUT_MS = 120_000
/** Longest floor run of one case, ms */
export const FLOOR_RUN_TIMEOUT_MS = 600_000

export interface NativeFloor {
  /** Median µs of the floor validating `message` (snappy-compressed), over `runs` runs */
  medianUs(message: Uint8Array, runs: number): number
  /** Removes the temporary directory */
  dispose(): void
}

/** The floor, or why it cannot be used (one line). */
export type FloorBuild = { floor: NativeFloor } | { unavailable: string }

/** `median_us=<x> bytes=<n> txs=<n>` → x; null for anything else. */
export function parseFloorOutput(text: string): number | null {
  const m = /^median_us=([0-9]+(?:\.[0-9]+)?)\b/m.exec(text)
  return m === null ? null : Number(m[1])
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message?: string }
  const text = e.stderr === undefined ? '' : String(e.stderr).trim()
  return (text === '' ? (e.message ?? String(err)) : text).split('\n')[0] as string
}

/** Copies the source into a temporary directory and compiles it there with `cc`. */
export function buildNativeFloor(dir: string = DEFAULT_FLOOR_DIR, cc = 'cc'): FloorBuild {
  const source = join(dir, FLOOR_SOURCE_FILE)
  if (!existsSync(source)) return { unavailable: `no floor source at ${source}` }
  const work = mkdtempSync(join(tmpdir(), 'op-gossip-floor-'))
  const dispose = () => rmSync(work, { recursive: true, force: true })
  try {
    copyFileSync(source, join(work, FLOOR_SOURCE_FILE))
    execFileSync(cc, FLOOR_CC_ARGS, {
      cwd: work,
      timeout: FLOOR_COMPILE_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  } catch (err) {
    dispose()
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { unavailable: `no ${cc} found` }
    return { unavailable: `${cc} could not build ${source}: ${firstLine(err)}` }
  }
  const binary = join(work, 'floor')
  const message = join(work, 'message.bin')
  return {
    floor: {
      medianUs(data, runs) {
        writeFileSync(message, data)
        const out = execFileSync(binary, [message, String(runs)], {
          timeout: FLOOR_RUN_TIMEOUT_MS,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        const median = parseFloorOutput(out)
        if (median === null) {
          throw new OpGossipError('BENCH_FLOOR_OUTPUT', `floor printed no median_us: ${out.trim()}`)
        }
        return median
      },
      dispose,
    },
  }
}
