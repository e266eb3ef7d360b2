/**
 * op-node's `--log.level` / `--log.format` values on top of ours, so an op-node command line or
 * environment file works as it did there:
 * - `crit`: only critical records. op-gossip has none (a failure ends the process with its one
 *   line on stderr, which no level hides), so it logs nothing, as op-node at `crit` mostly does;
 * - `terminal`: op-node's human format, our `text`;
 * - `logfmt`: go-ethereum's `t=… lvl=… msg=… key=value` lines, written from our JSON records.
 */
import { writeSync } from 'node:fs'
import { Writable } from 'node:stream'
import type { LogFormat, LogLevel } from '../util/logger.ts'

export const OP_NODE_LOG_LEVELS = ['crit'] as const
export const OP_NODE_LOG_FORMATS = ['logfmt', 'terminal'] as const

/** What createLogger needs for a `--log.level` / `--log.format` pair. */
export interface LogOutput {
  level: LogLevel
  format: LogFormat
  /** Set for logfmt: JSON records in, logfmt lines out (stderr) */
  destination?: NodeJS.WritableStream
}

/** pino's numeric levels → go-ethereum's names. */
const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'crit',
}

/** pino fields that logfmt writes as t / lvl / msg, or drops (as op-node has none of them). */
const HEADER_FIELDS = new Set(['time', 'level', 'msg', 'pid', 'hostname'])

function logfmtValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return /^[^\s="]+$/.test(text) ? text : JSON.stringify(text)
}

/** One pino JSON record as a logfmt line (no newline); non-JSON text is passed through. */
export function toLogfmtLine(json: string): string {
  let record: Record<string, unknown>
  try {
    record = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json.trimEnd()
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : ''
  const level = LEVEL_NAMES[Number(record.level)] ?? String(record.level)
  const parts = [`t=${time}`, `lvl=${level}`, `msg=${logfmtValue(record.msg ?? '')}`]
  for (const [key, value] of Object.entries(record)) {
    if (!HEADER_FIELDS.has(key)) parts.push(`${key}=${logfmtValue(value)}`)
  }
  return parts.join(' ')
}

/** A stream that turns pino's JSON lines into logfmt lines, written synchronously to `fd`. */
export function createLogfmtStream(fd = 2): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      for (const line of String(chunk).split('\n')) {
        if (line.length > 0) writeSync(fd, `${toLogfmtLine(line)}\n`)
      }
      done()
    },
  })
}

/** The logger settings for `--log.level` and `--log.format`, op-node's values included. */
export function resolveLogOutput(level: string, format: string): LogOutput {
  const resolvedLevel = (level === 'crit' ? 'silent' : level) as LogLevel
  if (format === 'logfmt') {
    return { level: resolvedLevel, format: 'json', destination: createLogfmtStream() }
  }
  return { level: resolvedLevel, format: (format === 'terminal' ? 'text' : format) as LogFormat }
}
