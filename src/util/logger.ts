import { pino } from 'pino'
import prettyModule from 'pino-pretty'

/** Structured logger used everywhere: `log.info({ ctx }, 'static message')`. */
export type Logger = pino.Logger

export type LogFormat = 'text' | 'json'
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'

export interface LoggerOptions {
  /** @default 'info' */
  level?: LogLevel
  /** @default 'text' */
  format?: LogFormat
  /** Where log lines go. @default stderr, so stdout stays free for JSON output */
  destination?: NodeJS.WritableStream
}

/** Field paths that must never reach a log line, whatever a caller passes. */
const REDACT_PATHS = [
  'jwtSecret',
  '*.jwtSecret',
  'privateKey',
  '*.privateKey',
  'secret',
  '*.secret',
]

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info'
  const redact = { paths: REDACT_PATHS, censor: '[redacted]' }
  if ((opts.format ?? 'text') === 'json') {
    return pino({ level, redact }, opts.destination ?? pino.destination({ fd: 2, sync: true }))
  }
  // pino-pretty as a synchronous stream (not a worker transport) so short-lived commands
  // and tests see every line before exit.
  const pretty = prettyModule({
    colorize: opts.destination === undefined && process.stderr.isTTY === true,
    destination: opts.destination ?? 2,
    sync: true,
    ignore: 'pid,hostname',
    // One line per record: nested context (e.g. the EL heads) stays on the line it belongs to.
    singleLine: true,
    // pino-pretty prints error-like fields on lines of their own, and pino adds its errorKey to
    // them: keep our `err: message` fields on the line (see errorKey below).
    errorLikeObjectKeys: [],
    translateTime: 'HH:MM:ss.l',
  })
  // An Error passed as the first argument goes under `error` in text (its stack stays readable
  // on its own lines); the `err` string fields the code logs stay on the record's line.
  return pino({ level, redact, errorKey: 'error' }, pretty)
}

/** A logger that drops everything: default for library code and tests. */
export const silentLogger: Logger = pino({ level: 'silent' })
