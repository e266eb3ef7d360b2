import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { ENR } from '@chainsafe/enr'
import { describe, expect, it } from 'vitest'
import { BASE_BOOTNODE_ENRS } from '../../../src/chains/bootnodes.ts'
import {
  loadDiscoveryTable,
  MAX_DISCOVERY_FILE_SIZE_BYTES,
  MAX_PERSISTED_ENRS,
  saveDiscoveryTable,
} from '../../../src/discovery/discoveryTable.ts'
import { createLocalEnr } from '../../../src/discovery/localEnr.ts'
import { createLogger } from '../../../src/util/logger.ts'

function capture() {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l !== '') lines.push(JSON.parse(l))
      cb()
    },
  })
  return { lines, logger: createLogger({ format: 'json', level: 'debug', destination }) }
}

const tmp = () => mkdtempSync(join(tmpdir(), 'dtable-'))

describe('discovery / discoveryTable', () => {
  it('saves and loads signed records', async () => {
    const path = join(tmp(), 'sub', 'table.json')
    const enrs = BASE_BOOTNODE_ENRS.map((t) => ENR.decodeTxt(t))
    saveDiscoveryTable(path, enrs)
    const body = JSON.parse(readFileSync(path, 'utf8'))
    expect(body.version).toBe(1)
    expect(body.enrs).toEqual(BASE_BOOTNODE_ENRS)
    expect((await loadDiscoveryTable(path)).map((e) => e.encodeTxt())).toEqual(BASE_BOOTNODE_ENRS)
  })

  it('a missing file is an empty table, silently', async () => {
    const { lines, logger } = capture()
    expect(await loadDiscoveryTable(join(tmp(), 'none.json'), logger)).toEqual([])
    expect(lines).toEqual([])
  })

  it('corrupt files and bad records are logged and skipped', async () => {
    const dir = tmp()
    const { lines, logger } = capture()
    writeFileSync(join(dir, 'a.json'), '{not json')
    expect(await loadDiscoveryTable(join(dir, 'a.json'), logger)).toEqual([])
    writeFileSync(join(dir, 'b.json'), '{"enrs": 5}')
    expect(await loadDiscoveryTable(join(dir, 'b.json'), logger)).toEqual([])
    writeFileSync(
      join(dir, 'c.json'),
      JSON.stringify({ enrs: [BASE_BOOTNODE_ENRS[0], 'enr:broken', 7] }),
    )
    expect(await loadDiscoveryTable(join(dir, 'c.json'), logger)).toHaveLength(1)
    expect(lines.map((l) => l.msg)).toEqual([
      'discovery table file is not JSON: starting cold',
      'discovery table file has no enrs list: starting cold',
      'skipped unreadable records in the discovery table',
    ])
    expect(lines[2]!.skipped).toBe(2)
  })

  it('keeps at most MAX_PERSISTED_ENRS records, on save and on load', async () => {
    const path = join(tmp(), 't.json')
    const one = createLocalEnr({
      privateKey: new Uint8Array(32).fill(3),
      chainId: 10,
      ip: '10.0.0.1',
      tcp: 1,
      udp: 1,
    }).toENR()
    saveDiscoveryTable(path, new Array(MAX_PERSISTED_ENRS).fill(one))
    expect(JSON.parse(readFileSync(path, 'utf8')).enrs).toHaveLength(MAX_PERSISTED_ENRS)
    saveDiscoveryTable(path, new Array(MAX_PERSISTED_ENRS + 1).fill(one))
    expect(JSON.parse(readFileSync(path, 'utf8')).enrs).toHaveLength(MAX_PERSISTED_ENRS)
    // Loading looks at the first MAX_PERSISTED_ENRS entries only: broken ones (cheap to reject)
    // show how many were examined; the valid record past the limit is never reached.
    const { lines, logger } = capture()
    const entries = [...new Array(MAX_PERSISTED_ENRS).fill('enr:broken'), one.encodeTxt()]
    writeFileSync(path, JSON.stringify({ enrs: entries }))
    expect(await loadDiscoveryTable(path, logger)).toEqual([])
    expect(lines[0]!.skipped).toBe(MAX_PERSISTED_ENRS)
    entries.splice(MAX_PERSISTED_ENRS - 1, 1)
    writeFileSync(path, JSON.stringify({ enrs: entries }))
    expect(await loadDiscoveryTable(path)).toHaveLength(1)
  })

  it('ignores files past MAX_DISCOVERY_FILE_SIZE_BYTES and reads one at the limit', async () => {
    const dir = tmp()
    const text = JSON.stringify({ enrs: [BASE_BOOTNODE_ENRS[0]] })
    const at = text + ' '.repeat(MAX_DISCOVERY_FILE_SIZE_BYTES - text.length)
    writeFileSync(join(dir, 'at.json'), at)
    expect(await loadDiscoveryTable(join(dir, 'at.json'))).toHaveLength(1)
    writeFileSync(join(dir, 'past.json'), `${at} `)
    const { lines, logger } = capture()
    expect(await loadDiscoveryTable(join(dir, 'past.json'), logger)).toEqual([])
    expect(lines[0]!.msg).toBe('discovery table file too large: ignored')
  })
})
