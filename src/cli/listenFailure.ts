/**
 * A port a command could not bind (in use, or an address not on this host), as the flag's
 * problem: `--rpc.port: cannot listen on 127.0.0.1:9545: EADDRINUSE`, exit status 2.
 */
import { UsageError } from './usageError.ts'

/** The Node.js socket error of a failed listen. */
export interface ListenError extends Error {
  code?: string
  syscall?: string
  address?: string
  port?: number
}

export function isListenError(err: unknown): err is ListenError {
  return err instanceof Error && (err as ListenError).syscall === 'listen'
}

/** A port flag and the port it asked for (null / undefined: not in use). */
export interface PortFlag {
  flag: string
  port: number | null | undefined
}

/**
 * `err` as a usage error naming the flag whose port failed; with port 0 or an unknown port,
 * `fallbackFlag` (which may list several).
 */
export function listenFailure(
  err: ListenError,
  flags: readonly PortFlag[],
  fallbackFlag: string,
): UsageError {
  const flag = flags.find((f) => f.port != null && f.port !== 0 && f.port === err.port)?.flag
  return new UsageError(
    `cannot listen on ${err.address ?? '?'}:${err.port ?? '?'}: ${err.code ?? err.message}`,
    { flag: flag ?? fallbackFlag, cause: err },
  )
}
