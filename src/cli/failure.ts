/**
 * How a failed command ends: one line on stderr and an exit status chosen by the error's `kind`
 * (2 for configuration, 1 for anything else; src/util/errors.ts), never by its class or text.
 */
import { CommanderError } from 'commander'
import { exitStatusOf, oneLine } from '../util/errors.ts'
import { UsageError } from './usageError.ts'

/** Prefix of every line the CLI prints about a failure. */
export const FAILURE_PREFIX = 'op-gossip: '
/** Environment variable that adds the stack trace to a failure. */
export const DEBUG_ENV = 'OP_GOSSIP_DEBUG'

export interface Failure {
  /** Process exit status */
  status: number
  /** What goes to stderr, newline-terminated */
  text: string
}

/**
 * Commander's own errors (unknown option, bad choice, missing argument, help printed for a
 * command group without a subcommand) are usage errors; its message starts with "error: ".
 */
function fromCommander(err: CommanderError): UsageError {
  return new UsageError(err.message.replace(/^error: /, ''), { code: err.code, cause: err })
}

/** Commander printed a command group's help because no subcommand was given. */
const COMMANDER_HELP_CODE = 'commander.help'

/** Exit status and stderr text for `err`; with `debug`, the stack trace follows the line. */
export function describeFailure(err: unknown, debug = false): Failure {
  // The help on stdout already says what is missing.
  if (err instanceof CommanderError && err.code === COMMANDER_HELP_CODE) {
    return { status: exitStatusOf(fromCommander(err)), text: '' }
  }
  const error = err instanceof CommanderError ? fromCommander(err) : err
  const line = `${FAILURE_PREFIX}${withSystemReason(oneLine(error), error)}\n`
  const stack = debug && err instanceof Error && err.stack !== undefined ? `${err.stack}\n` : ''
  return { status: exitStatusOf(error), text: line + stack }
}

/** How far down an error's `cause` chain the system error behind it is looked for. */
export const MAX_CAUSE_DEPTH = 5

/** Our words for the system errors a file or port flag runs into. */
const SYSTEM_ERROR_REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'no such file or directory',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
}

/** The system error code (`EACCES`) in `err`'s cause chain, if any. */
function systemErrorCode(err: unknown): string | undefined {
  let current: unknown = err
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code
    current = current.cause
  }
  return undefined
}

/**
 * `line`, followed by why the system refused (`: permission denied (EACCES)`) when a system error
 * caused it and the line does not already say: "cannot read peer key file X" alone does not
 * tell the user what to fix.
 */
export function withSystemReason(line: string, err: unknown): string {
  const code = systemErrorCode(err)
  if (code === undefined || line.includes(code)) return line
  const reason = SYSTEM_ERROR_REASONS[code]
  return reason === undefined ? `${line} (${code})` : `${line}: ${reason} (${code})`
}

/** Whether commander ended on purpose (--help, --version): exit 0, nothing more to print. */
export function isCleanCommanderExit(err: unknown): boolean {
  return err instanceof CommanderError && err.exitCode === 0
}
