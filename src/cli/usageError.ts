/**
 * The CLI's own configuration errors: a bad flag, argument or input file found while parsing
 * (printed as one line, exit status 2, no stack trace; see failure.ts).
 */
import { OpGossipError } from '../util/errors.ts'

/** Code of a usage error the CLI finds itself. */
export const USAGE_ERROR_CODE = 'CLI_USAGE'

export interface UsageErrorOptions {
  /** The flag at fault (`--p2p.listen.tcp`); the one-line message starts with it */
  flag?: string | undefined
  /** A more precise code than USAGE_ERROR_CODE (that of the error this one names a flag for) */
  code?: string
  cause?: unknown
}

export class UsageError extends OpGossipError {
  override readonly name = 'UsageError'

  constructor(message: string, opts: UsageErrorOptions = {}) {
    super(opts.code ?? USAGE_ERROR_CODE, message, {
      kind: 'configuration',
      ...(opts.flag === undefined ? {} : { flag: opts.flag }),
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    })
  }
}

/**
 * `err` naming `flag`, when it is a configuration error that names no flag yet; anything else
 * unchanged (a runtime failure is not the flag's fault, and a named flag stays).
 */
export function namingFlag(err: unknown, flag: string | undefined): unknown {
  if (flag === undefined || !(err instanceof OpGossipError)) return err
  if (err.kind !== 'configuration' || err.flag !== undefined) return err
  return new UsageError(err.message, { flag, code: err.code, cause: err })
}

/** Runs `parse`; a configuration error it throws is rethrown naming `flag` (see namingFlag). */
export function withFlag<T>(flag: string | undefined, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    throw namingFlag(err, flag)
  }
}

/**
 * `err` naming the environment variable its flag's value came from (`sources`: flag → variable),
 * so the user looks where the bad value is; anything else unchanged.
 */
export function namingVariable(err: unknown, sources: Readonly<Record<string, string>>): unknown {
  if (!(err instanceof OpGossipError) || err.kind !== 'configuration') return err
  const variable = err.flag === undefined ? undefined : sources[err.flag]
  if (variable === undefined) return err
  return new UsageError(err.message, { flag: variable, code: err.code, cause: err })
}
