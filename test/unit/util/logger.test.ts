import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger, type LogFormat } from '../../../src/util/logger.ts'

function capture(format: LogFormat) {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d: Buffer) => {
    text += d.toString('utf8')
  })
  return { log: createLogger({ format, destination: stream }), text: () => text }
}

describe('util / logger', () => {
  it('text format: one line per record, nested context and err fields included', () => {
    const { log, text } = capture('text')
    log.warn(
      { url: 'http://127.0.0.1:8551', latest: { number: 3, hash: '0xab' }, err: 'bad port' },
      'EL not reachable yet',
    )
    log.info({ number: 7 }, 'accepted block')
    const lines = text().trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/WARN.*EL not reachable yet.*"latest":\{"number":3,"hash":"0xab"\}/)
    expect(lines[0]).toContain('"err":"bad port"')
    expect(lines[1]).toMatch(/INFO.*accepted block.*"number":7/)
  })

  it('redacts secret fields in both formats', () => {
    for (const format of ['text', 'json'] as const) {
      const { log, text } = capture(format)
      log.info({ jwtSecret: 'aa'.repeat(32), engine: { privateKey: 'bb'.repeat(32) } }, 'x')
      expect(text()).not.toContain('aa'.repeat(32))
      expect(text()).not.toContain('bb'.repeat(32))
      expect(text()).toContain('[redacted]')
    }
  })
})
