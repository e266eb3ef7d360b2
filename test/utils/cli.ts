/**
 * The CLI in tests: the real `op-gossip` (bin/op-gossip.js on the pinned Node 22) as a child
 * process, for the few tests that prove the wiring (e2e project), and a command's flags parsed in
 * this process, for everything else.
 */
import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { describeFailure, type Failure } from '../../src/cli/failure.ts'

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
  /**
   * Called with stdout + stderr so far on every chunk; once it returns true the process gets
   * SIGINT (as after Ctrl-C) and the call resolves when it has exited. For long-running commands
   * that are done once they printed something. @default never
   */
  stopWhen?: (output: string) => boolean
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
    let stopSent = false
    const maybeStop = () => {
      if (stopSent || opts.stopWhen === undefined || !opts.stopWhen(`${stdout}\n${stderr}`)) return
      stopSent = true
      child.kill('SIGINT')
    }
    child.stdout.on('data', (d) => {
      stdout += d
      maybeStop()
    })
    child.stderr.on('data', (d) => {
      stderr += d
      maybeStop()
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

/**
 * Parses `args` (no command name) with the options `addOptions` gives a fresh command, as the CLI
 * would: defaults, choices, presets and, with `env`, environment variables (set only while
 * parsing). Resolves to what the command's action would receive; commander's errors reject.
 */
export async function parseFlags<T>(
  addOptions: (cmd: Command) => Command,
  args: string[],
  env: Record<string, string> = {},
): Promise<T> {
  const cmd = addOptions(new Command('op-gossip-test'))
    .exitOverride()
    .configureOutput({ outputError: () => {}, writeErr: () => {}, writeOut: () => {} })
  let flags: T | undefined
  cmd.action((parsed: T) => {
    flags = parsed
  })
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  try {
    await cmd.parseAsync(args, { from: 'user' })
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
  return flags as T
}

/**
 * Runs `op-gossip ARGS` in this process with the command(s) `register` adds, errors quiet as in
 * main(): resolves to the failure main() would print (exit status and stderr text), or null when
 * the command succeeded. For commands that fail before any output (usage errors).
 */
export async function failureInProcess(
  register: (program: Command) => void,
  args: string[],
): Promise<Failure | null> {
  const program = new Command('op-gossip')
  register(program)
  const quiet = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ outputError: () => {}, writeErr: () => {} })
    for (const sub of cmd.commands) quiet(sub)
  }
  quiet(program)
  try {
    await program.parseAsync(args, { from: 'user' })
    return null
  } catch (err) {
    return describeFailure(err)
  }
}
