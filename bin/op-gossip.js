#!/usr/bin/env node
// Entry point for `npx op-gossip`: the compiled CLI when `npm run build` produced an up-to-date
// one, otherwise the TypeScript sources directly (see entryPoint.js).
import { chooseEntryPoint } from './entryPoint.js'

const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  process.stderr.write(
    `op-gossip needs Node.js 22 or newer (this is ${process.version}); run it through npm/npx so the pinned node@22 is used\n`,
  )
  process.exit(2)
}
await import(chooseEntryPoint(new URL('../', import.meta.url)).href)
