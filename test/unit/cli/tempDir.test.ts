import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createTempDir } from '../../../src/cli/tempDir.ts'
import { NODE, ROOT } from '../../utils/cli.ts'

describe('cli / tempDir', () => {
  it('is removed on remove(), once, with everything in it', () => {
    const dir = createTempDir('opg-temp-test-')
    writeFileSync(join(dir.path, 'key'), 'secret')
    expect(existsSync(dir.path)).toBe(true)
    dir.remove()
    expect(existsSync(dir.path)).toBe(false)
    dir.remove() // again: nothing to do, no error
  })

  it('is removed when the process exits through process.exit (as after Ctrl-C)', () => {
    const script = [
      `import { writeFileSync } from 'node:fs'`,
      `import { createTempDir } from ${JSON.stringify(join(ROOT, 'src/cli/tempDir.ts'))}`,
      `const dir = createTempDir('opg-temp-exit-')`,
      `writeFileSync(dir.path + '/key', 'secret')`,
      `console.log(dir.path)`,
      `process.exit(130)`,
    ].join('\n')
    const run = spawnSync(NODE, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(run.status, run.stderr).toBe(130)
    const path = run.stdout.trim()
    expect(path).toContain('opg-temp-exit-')
    expect(existsSync(path)).toBe(false)
  })
})
