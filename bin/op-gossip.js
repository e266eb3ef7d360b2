#!/usr/bin/env node
// Entry point for `npx op-gossip`: the compiled CLI when `npm run build` produced an up-to-date
// one, otherwise the TypeScript sources directly (see entryPoint.js).
import { chooseEntryPoint, isInstalledPackage } from './entryPoint.js'
import { tuneMalloc } from './mallocTuning.js'

const root = new URL('../', import.meta.url)
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  // In a checkout the pinned node@22 devDependency is one `npm run` / `npx` away; elsewhere the
  // user has to install a newer Node.js.
  const what = isInstalledPackage(root)
    ? 'install Node.js 22.18 or newer'
    : 'run it through npm/npx so the pinned node@22 is used'
  process.stderr.write(
    `op-gossip needs Node.js 22.18 or newer (this is ${process.version}): ${what}\n`,
  )
  process.exit(2)
}
tuneMalloc()
try {
  await import(chooseEntryPoint(root).href)
} catch (err) {
  if (!(err instanceof Error) || !err.message.startsWith('op-gossip:')) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(2)
}
