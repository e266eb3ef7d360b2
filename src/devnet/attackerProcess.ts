/**
 * The parent's handle on one attacker process (./attackerChild.ts): spawns it with its log file,
 * sends its configuration and waits until it is connected, starts and ends phases (each answered
 * over IPC), and stops it (asked first, killed after ATTACKER_STOP_TIMEOUT_MS). The process also
 * exits when the parent dies (its IPC channel closes).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { setPriority } from 'node:os'
import { join } from 'node:path'
import type { AttackPhase } from './attackMessages.ts'
import type {
  AttackerCommand,
  AttackerConfig,
  AttackerPhaseReport,
  AttackerReport,
} from './attackProtocol.ts'
import { NODES_RUN_COMPILED } from './devnet.ts'

/** An attacker must be connected to its targets within this time. */
export const ATTACKER_READY_TIMEOUT_MS = 60_000
/** An attacker answers a phase command within this time. */
export const ATTACKER_ANSWER_TIMEOUT_MS = 10_000
/** Attackers get this long to exit after `stop` before they are killed. */
export const ATTACKER_STOP_TIMEOUT_MS = 5000
/**
 * Attackers run at this nice level. They stand in for other machines: on a real network an
 * attacker's CPU is not the node's, but here they share the node's cores, and a fresh attacker's
 * start (loading, JIT, key generation, its first sends) would otherwise delay the honest nodes
 * for a second as much as the attack itself does. They still get every cycle the nodes leave.
 */
export const ATTACKER_NICENESS = 10

export class AttackerError extends Error {
  override readonly name = 'AttackerError'
}

export interface AttackerProcess {
  readonly index: number
  readonly pid: number
  startPhase(phase: AttackPhase): Promise<void>
  endPhase(): Promise<AttackerPhaseReport>
  stop(): Promise<void>
}

function childEntryPath(): string {
  return new URL(`./attackerChild.${NODES_RUN_COMPILED ? 'js' : 'ts'}`, import.meta.url).pathname
}

/** How to run a process from Node.js arguments (NetworkPlan.attackerCommand: its namespace). */
export type AttackerLauncher = (nodeArgs: string[]) => { command: string; args: string[] }

const directLaunch: AttackerLauncher = (nodeArgs) => ({ command: process.execPath, args: nodeArgs })

/** Starts attacker `config.index`; resolves once it is connected to its targets. */
export async function startAttacker(
  config: AttackerConfig,
  logDir: string,
  launch: AttackerLauncher = directLaunch,
): Promise<AttackerProcess> {
  const logFd = openSync(join(logDir, `attacker-${config.index}.log`), 'w')
  const { command, args } = launch([childEntryPath()])
  const proc: ChildProcess = spawn(command, args, {
    stdio: ['ignore', logFd, logFd, 'ipc'],
    serialization: 'json',
  })
  closeSync(logFd)
  if (proc.pid !== undefined) {
    try {
      setPriority(proc.pid, ATTACKER_NICENESS)
    } catch {
      // Not allowed here: the attacker runs at the parent's priority.
    }
  }
  let exited = false
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      exited = true
      resolve()
    }),
  )
  const waiting = new Map<AttackerReport['type'], (r: AttackerReport) => void>()
  let failure: ((err: Error) => void) | null = null
  proc.on('message', (raw: unknown) => {
    const report = raw as AttackerReport
    if (report.type === 'error') {
      failure?.(new AttackerError(`attacker ${config.index}: ${report.message}`))
      return
    }
    waiting.get(report.type)?.(report)
  })

  function ask(command: AttackerCommand, answer: AttackerReport['type'], timeoutMs: number) {
    return new Promise<AttackerReport>((resolve, reject) => {
      const timer = setTimeout(() => {
        done()
        reject(new AttackerError(`attacker ${config.index} did not answer ${command.type}`))
      }, timeoutMs)
      const onExit = () => {
        done()
        reject(new AttackerError(`attacker ${config.index} exited; see ${logDir}`))
      }
      const done = () => {
        clearTimeout(timer)
        waiting.delete(answer)
        failure = null
        proc.off('exit', onExit)
      }
      failure = (err) => {
        done()
        reject(err)
      }
      waiting.set(answer, (r) => {
        done()
        resolve(r)
      })
      proc.once('exit', onExit)
      if (exited || !proc.connected) onExit()
      else proc.send(command)
    })
  }

  async function stop(): Promise<void> {
    if (!exited && proc.connected) proc.send({ type: 'stop' } satisfies AttackerCommand)
    const timeout = new Promise<void>((resolve) =>
      setTimeout(resolve, ATTACKER_STOP_TIMEOUT_MS).unref(),
    )
    await Promise.race([exit, timeout])
    if (!exited) proc.kill('SIGKILL')
    await exit
  }

  try {
    await ask({ type: 'init', config }, 'ready', ATTACKER_READY_TIMEOUT_MS)
  } catch (err) {
    await stop()
    throw err
  }
  return {
    index: config.index,
    pid: proc.pid ?? -1,
    async startPhase(phase) {
      await ask({ type: 'start', phase }, 'phase-started', ATTACKER_ANSWER_TIMEOUT_MS)
    },
    async endPhase() {
      const r = await ask({ type: 'end' }, 'phase-report', ATTACKER_ANSWER_TIMEOUT_MS)
      if (r.type !== 'phase-report') throw new AttackerError('unexpected attacker answer')
      const { type: _t, index: _i, ...report } = r
      return report
    },
    stop,
  }
}
