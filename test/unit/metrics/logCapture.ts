/** A real pino logger (JSON format) whose lines are captured, parsed and kept as raw text. */
import { PassThrough } from 'node:stream'
import { createLogger, type LogFormat, type Logger } from '../../../src/util/logger.ts'

export interface LogCapture {
  log: Logger
  /** Parsed JSON lines (empty for the text format) */
  lines: Array<Record<string, unknown>>
  /** Everything written, verbatim */
  text(): string
}

export function captureLogs(
  format: LogFormat = 'json',
  level: 'debug' | 'info' | 'trace' = 'debug',
): LogCapture {
  const stream = new PassThrough()
  const lines: Array<Record<string, unknown>> = []
  const chunks: string[] = []
  stream.on('data', (chunk: Buffer) => {
    const s = chunk.toString('utf8')
    chunks.push(s)
    if (format !== 'json') return
    for (const line of s.split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line))
  })
  return {
    log: createLogger({ format, level, destination: stream }),
    lines,
    text: () => chunks.join(''),
  }
}
