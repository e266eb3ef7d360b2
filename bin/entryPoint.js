// Which CLI entry point bin/op-gossip.js runs. An installed package (under node_modules) always
// runs its compiled build: Node refuses to strip types there, and npm gives extracted files their
// extraction time, so mtimes say nothing. In a checkout: the compiled one (`npm run build`) when
// it is at least as new as every source file, otherwise the TypeScript sources (Node 22.18+
// strips types natively). Compiled processes skip the type stripper, which stays loaded in each process
// (memory per devnet node) and costs start-up CPU. A build older than the sources is
// never run: that would silently run code that no longer matches them.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Newest modification time of the files under `dir`, ms. */
function newestFileMtimeMs(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
    }
  }
  return newest
}

/** True for a package installed by npm: some folder above it is a node_modules folder. */
export function isInstalledPackage(root) {
  return fileURLToPath(root).split(sep).includes('node_modules')
}

/**
 * The module to import for the package at `root` (a directory URL ending in '/'). npm installs
 * give every file the same mtime, so "at least as new" (not "newer") keeps an installed package
 * on its build.
 */
export function chooseEntryPoint(root) {
  const compiled = new URL('dist/cli/main.js', root)
  const sources = new URL('src/', root)
  const sourceEntry = new URL('src/cli/main.ts', root)
  if (isInstalledPackage(root)) {
    if (!existsSync(compiled)) {
      throw new Error(
        `op-gossip: this installed package has no compiled build (${fileURLToPath(compiled)}); reinstall it from a tarball made by \`npm pack\``,
      )
    }
    return compiled
  }
  if (!existsSync(compiled)) return sourceEntry
  if (!existsSync(sources)) return compiled
  const fresh = statSync(compiled).mtimeMs >= newestFileMtimeMs(fileURLToPath(sources))
  return fresh ? compiled : sourceEntry
}
