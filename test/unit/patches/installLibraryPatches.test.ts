import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import {
  installLibraryPatches,
  LIBRARY_PATCHES,
} from '../../../src/patches/installLibraryPatches.ts'
import type { Logger } from '../../../src/util/logger.ts'

function packageJson(path: string): { version?: string; overrides?: Record<string, string> } {
  return JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'))
}

/** The version npm installed: node_modules/<pkg>/package.json. */
function installedVersion(packageName: string): string | undefined {
  return packageJson(`../../../node_modules/${packageName}/package.json`).version
}

function recordingLogger() {
  const info = vi.fn()
  const warn = vi.fn()
  return { log: { info, warn } as unknown as Logger, info, warn }
}

describe('patches / installLibraryPatches', () => {
  it.each(LIBRARY_PATCHES.map((p) => [p.name, p] as const))(
    '%s still applies to the pinned version of its package',
    (_name, patch) => {
      // A dependency bump fails here first: re-check the patch against the new code, then move
      // writtenForVersion and the package.json override together.
      expect(installedVersion(patch.packageName)).toBe(patch.writtenForVersion)
      expect(patch.applies()).toBe(true)
      expect(patch.upstream).toMatch(/[\w-]+\/[\w.-]+#\d+/)
    },
  )

  it('package.json overrides pin each patched package to the version its patch was written for', () => {
    const overrides = packageJson('../../../package.json').overrides ?? {}
    for (const patch of LIBRARY_PATCHES) {
      expect(overrides[patch.packageName], patch.packageName).toBe(patch.writtenForVersion)
    }
  })

  it('installs every patch once, reports the list and logs it once', () => {
    const first = recordingLogger()
    const names = installLibraryPatches(first.log)
    expect(names).toEqual(LIBRARY_PATCHES.map((p) => p.name))
    expect(first.warn).not.toHaveBeenCalled()
    expect(first.info).toHaveBeenCalledTimes(1)
    expect(first.info).toHaveBeenCalledWith({ patches: names }, 'library patches installed')

    const again = recordingLogger()
    expect(installLibraryPatches(again.log)).toBe(names)
    expect(again.info).not.toHaveBeenCalled()
    // Each install stays idempotent on its own too.
    for (const patch of LIBRARY_PATCHES) expect(patch.install()).toBe(true)
  })
})
