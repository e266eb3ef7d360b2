import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validateBenchMessage } from '../../../src/cli/commands/bench.ts'
import {
  buildNativeFloor,
  DEFAULT_FLOOR_DIR,
  FLOOR_SOURCE_FILE,
  parseFloorOutput,
} from '../../../src/cli/commands/nativeFloor.ts'

describe('cli / bench validate --floor (nativeFloor)', () => {
  it("reads the floor's median from its one output line", () => {
    expect(parseFloorOutput('median_us=724.7 bytes=99780 txs=376\n')).toBe(724.7)
    expect(parseFloorOutput('median_us=12 bytes=1 txs=1')).toBe(12)
    expect(parseFloorOutput('bad snappy\n')).toBeNull()
  })

  it('says in one line why the floor is unavailable: no source, no cc, a failed build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floor-test-'))
    try {
      expect(buildNativeFloor(dir)).toEqual({
        unavailable: `no floor source at ${join(dir, FLOOR_SOURCE_FILE)}`,
      })
      writeFileSync(join(dir, FLOOR_SOURCE_FILE), 'int main(void) { return 0 }\n')
      expect(buildNativeFloor(dir, 'op-gossip-no-such-cc')).toEqual({
        unavailable: 'no op-gossip-no-such-cc found',
      })
      const failed = buildNativeFloor(dir)
      expect('unavailable' in failed && failed.unavailable).toMatch(
        /^cc could not build .*floor\.c: /,
      )
      expect('unavailable' in failed && failed.unavailable).not.toContain('\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  // Needs ../shared/tools/floor (absent from a user's clone: skipped) and the libraries it
  // builds against: missing ones fail under CI=true, elsewhere the test skips with one line.
  it.runIf(existsSync(join(DEFAULT_FLOOR_DIR, FLOOR_SOURCE_FILE)))(
    'builds the shared floor outside the repository and times the bench message',
    () => {
      const build = buildNativeFloor()
      if (!('floor' in build)) {
        if (process.env.CI === 'true') throw new Error(`floor unavailable: ${build.unavailable}`)
        console.warn(
          `skipping the floor build: ${build.unavailable} (apt-get install libsecp256k1-dev libsnappy-dev libssl-dev)`,
        )
        return
      }
      try {
        expect(build.floor.medianUs(validateBenchMessage('100kb').data, 5)).toBeGreaterThan(0)
      } finally {
        build.floor.dispose()
      }
    },
    60_000,
  )
})
