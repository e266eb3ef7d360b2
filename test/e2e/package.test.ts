/**
 * The package as users get it: `npm pack` (prepack builds dist/), installed from the tarball into
 * an empty prefix with production dependencies only, then its `op-gossip` run from there. The
 * checkout is copied first so its own dist/ is left as it was.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { NODE, ROOT } from '../utils/cli.ts'
import { vector, vectorsAvailable } from '../utils/vectors.ts'

const PACKED_PATHS = [
  'bin',
  'src',
  'docs',
  'dashboards',
  'package.json',
  'package-lock.json',
  'README.md',
  'LICENSE',
  'tsconfig.json',
  'tsconfig.build.json',
]
/** The machine's Node.js (Debian's), for the "too old" message. */
const SYSTEM_NODE = '/usr/bin/node'
/** Pack, install and run take a minute or two (the install reads the npm registry). */
const PACKAGE_TEST_TIMEOUT_MS = 300_000

const tmp = mkdtempSync(join(tmpdir(), 'op-gossip-package-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** npm with the pinned Node 22 first on PATH, as `npm run` would have it. */
function npm(args: string[], cwd: string): string {
  const path = `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`
  return execFileSync('npm', args, { cwd, env: { ...process.env, PATH: path }, encoding: 'utf8' })
}

describe('e2e / the npm package', () => {
  it('packs with a build, installs from the tarball and runs its compiled CLI', {
    timeout: PACKAGE_TEST_TIMEOUT_MS,
  }, () => {
    const src = join(tmp, 'checkout')
    mkdirSync(src)
    for (const p of PACKED_PATHS) cpSync(join(ROOT, p), join(src, p), { recursive: true })
    symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'))
    npm(['pack', '--pack-destination', tmp, '--silent'], src)
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'))
    expect(tarball).toBeDefined()
    const listing = execFileSync('tar', ['-tzf', join(tmp, tarball as string)], {
      encoding: 'utf8',
    })
    expect(listing).toContain('package/dist/cli/main.js')
    expect(listing).toContain('package/LICENSE')
    expect(listing).not.toContain('package/src/')

    const prefix = join(tmp, 'prefix')
    mkdirSync(prefix)
    // Packages already in npm's cache (`npm ci` put them there) are not fetched again.
    const install = ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline']
    npm([...install, join(tmp, tarball as string)], prefix)
    const bin = join(prefix, 'node_modules/op-gossip/bin/op-gossip.js')

    const help = spawnSync(NODE, [bin, '--help'], { encoding: 'utf8' })
    expect(help.status, help.stderr).toBe(0)
    expect(help.stdout).toContain('inspect')

    if (vectorsAvailable) {
      const v = vector('op-alloy-gossip-envelopes.json', 'test_roundtrip_encode_envelope_v1')
      const args = ['inspect', '--topic', '/optimism/10/0/blocks']
      const run = spawnSync(
        NODE,
        [bin, ...args, '--hex', v.input.snappy_message_hex, '--now', String(v.expected.timestamp)],
        { encoding: 'utf8' },
      )
      expect(run.stderr).toBe('')
      const out = JSON.parse(run.stdout)
      expect(out.payload.timestamp).toBe(v.expected.timestamp)
      // No signer given: ignored, like op-node with no signer (exit status 1: not accepted).
      expect([out.verdict, run.status]).toEqual(['ignore', 1])
    }

    // An older Node.js outside a checkout is told what to install (the machine's own node,
    // not the pinned one `npm test` puts first on PATH).
    if (!existsSync(SYSTEM_NODE)) return
    const system = spawnSync(SYSTEM_NODE, ['--version'], { encoding: 'utf8' })
    const [major, minor] = system.stdout.trim().slice(1).split('.').map(Number)
    if ((major as number) < 22 || (major === 22 && (minor as number) < 18)) {
      const old = spawnSync(SYSTEM_NODE, [bin, '--help'], { encoding: 'utf8' })
      expect(old.status).toBe(2)
      expect(old.stderr).toContain('install Node.js 22.18 or newer')
    }
  })
})
