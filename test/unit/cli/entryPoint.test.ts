import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chooseEntryPoint, isInstalledPackage } from '../../../bin/entryPoint.js'

describe('chooseEntryPoint', () => {
  let top: string
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
    top = mkdtempSync(join(tmpdir(), 'op-gossip-entry-'))
    dir = top
  })
  afterEach(() => rmSync(top, { recursive: true, force: true }))

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

  it('an installed package (under node_modules) runs its build even with newer sources', () => {
    dir = join(dir, 'node_modules', 'op-gossip')
    file('dist/cli/main.js', 1000)
    file('src/cli/main.ts', 2000)
    expect(isInstalledPackage(root())).toBe(true)
    expect(chosen()).toBe('dist/cli/main.js')
  })

  it('an installed package without a build is one clear error, never the sources', () => {
    dir = join(dir, 'node_modules', 'op-gossip')
    file('src/cli/main.ts', 2000)
    expect(() => chosen()).toThrow(/installed package has no compiled build/)
  })

  it('runs the build when the sources are not shipped', () => {
    file('dist/cli/main.js', 2000)
    expect(chosen()).toBe('dist/cli/main.js')
  })
})
