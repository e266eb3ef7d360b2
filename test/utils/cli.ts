/**
 * Runs the real `op-gossip` CLI (bin/op-gossip.js on the pinned Node 22) as a child process and
 * collects its exit code and output, for tests of one-shot subcommands.
 */
import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** The pinned Node 22 (system node is too old for libp2p 3) */
export const NODE = join(ROOT, 'node_modules/.bin/node')
/** The CLI entry point */
export const CLI = join(ROOT, 'bin/op-gossip.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunCliOptions {
  /** Working directory of the process. @default ROOT */
  cwd?: string
  /** Text written to the process's stdin, which is then closed. @default '' */
  stdin?: string
  /** Variables added to (or overriding) this process's environment. @default {} */
  env?: Record<string, string> | undefined
  /**
   * Past this, the process gets SIGINT (SIGKILL a few seconds later if it is still there) and
   * the call rejects with its output so far. @default no limit
   */
  timeoutMs?: number
}

/** After a timeout's SIGINT, the process gets this long to exit before SIGKILL. */
const KILL_GRACE_MS = 5000

/** Spawns `op-gossip ...args`, resolves once it exits and its output streams have closed. */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(NODE, [CLI, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGINT')
            setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref()
            fail(new Error(`op-gossip ${args.join(' ')} timed out\n${stdout}\n${stderr}`))
          }, opts.timeoutMs)
    child.on('error', fail)
    child.on('close', (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    })
    child.stdin.end(opts.stdin ?? '')
  })
}
