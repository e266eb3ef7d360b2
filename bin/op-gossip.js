#!/usr/bin/env node
// Entry point for `npx op-gossip`. Runs the compiled CLI when `npm run build` produced one,
// otherwise the TypeScript sources directly (Node 22.18+ strips types natively).
import { existsSync } from 'node:fs'

const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  process.stderr.write(
    `op-gossip needs Node.js 22 or newer (this is ${process.version}); run it through npm/npx so the pinned node@22 is used\n`,
  )
  process.exit(2)
}
const compiled = new URL('../dist/cli/main.js', import.meta.url)
await import(
  existsSync(compiled) ? compiled.href : new URL('../src/cli/main.ts', import.meta.url).href
)
