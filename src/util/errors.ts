/**
 * The one error model of op-gossip (after viem's `BaseError` and Lodestar's `LodestarError`):
 * every error our modules throw is an OpGossipError with a stable `code`, a `kind` that says
 * whose mistake it is, the `flag` (or environment variable) that caused it when one did, and the
 * underlying `cause`. The CLI picks its exit status from `kind` alone (exitStatusOf): no lists of
 * classes, no matching on message text.
 */

/**
 * - configuration: a bad flag, file, environment variable or option combination; the user
 *   fixes it (exit status 2, one line, no stack trace);
 * - runtime: something failed while running (a peer, the EL, the network) (exit status 1).
 */
export type ErrorKind = 'configuration' | 'runtime'

export interface OpGossipErrorOptions {
  /** @default 'runtime' */
  kind?: ErrorKind
  /** The flag (`--l2.jwt-secret`) or environment variable that caused it */
  flag?: string
  cause?: unknown
}

export class OpGossipError<Code extends string = string> extends Error {
  override name = 'OpGossipError'
  readonly code: Code
  readonly kind: ErrorKind
  readonly flag: string | undefined

  constructor(code: Code, message: string, opts: OpGossipErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.code = code
    this.kind = opts.kind ?? 'runtime'
    this.flag = opts.flag
  }
}

/** Exit status for the CLI: 2 for configuration errors, 1 for everything else. */
export const EXIT_CONFIGURATION = 2
export const EXIT_RUNTIME = 1

export function exitStatusOf(err: unknown): typeof EXIT_CONFIGURATION | typeof EXIT_RUNTIME {
  return err instanceof OpGossipError && err.kind === 'configuration'
    ? EXIT_CONFIGURATION
    : EXIT_RUNTIME
}

/** The one line the CLI prints: the message, prefixed with the flag when it is not already. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const line = message.split('\n')[0] ?? message
  if (err instanceof OpGossipError && err.flag !== undefined && !line.startsWith(err.flag)) {
    return `${err.flag}: ${line}`
  }
  return line
}
