import { pino } from 'pino'
import prettyModule from 'pino-pretty'

/** Structured logger used everywhere: `log.info({ ctx }, 'static message')`. */
export type Logger = pino.Logger

/** Every log level, most verbose first (the `--log.level` choices). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
/** The `--log.format` choices. */
export const LOG_FORMATS = ['text', 'json'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]
export const DEFAULT_LOG_LEVEL: LogLevel = 'info'
export const DEFAULT_LOG_FORMAT: LogFormat = 'text'

export interface LoggerOptions {
  /** @default DEFAULT_LOG_LEVEL */
  level?: LogLevel
  /** @default DEFAULT_LOG_FORMAT */
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
  const level = opts.level ?? DEFAULT_LOG_LEVEL
  const redact = { paths: REDACT_PATHS, censor: '[redacted]' }
  if ((opts.format ?? DEFAULT_LOG_FORMAT) === 'json') {
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
