import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chooseEntryPoint } from '../../../bin/entryPoint.js'

describe('chooseEntryPoint', () => {
  let dir: string
  const root = () => pathToFileURL(`${dir}/`)
  /** Creates an empty package file dated `seconds` since the epoch. */
  const file = (path: string, seconds: number) => {
    const full = join(dir, path)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, '')
    utimesSync(full, seconds, seconds)
  }
  const chosen = () => chooseEntryPoint(root()).pathname.slice(root().pathname.length)

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'op-gossip-entry-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('runs the sources when there is no build', () => {
    file('src/cli/main.ts', 1000)
    expect(chosen()).toBe('src/cli/main.ts')
  })

  it('runs the build when it is newer than every source file', () => {
    file('src/cli/main.ts', 1000)
    file('src/gossip/deep/host.ts', 1500)
    file('dist/cli/main.js', 2000)
    expect(chosen()).toBe('dist/cli/main.js')
  })

  it('runs the sources when any source file, however deep, changed after the build', () => {
    file('src/cli/main.ts', 1000)
    file('dist/cli/main.js', 2000)
    file('src/gossip/deep/host.ts', 2001)
    expect(chosen()).toBe('src/cli/main.ts')
  })

  it('runs the build when build and sources have the same time (an npm install)', () => {
    file('src/cli/main.ts', 499_162_500)
    file('dist/cli/main.js', 499_162_500)
    expect(chosen()).toBe('dist/cli/main.js')
  })

  it('runs the build when the sources are not shipped', () => {
    file('dist/cli/main.js', 2000)
    expect(chosen()).toBe('dist/cli/main.js')
  })
})
