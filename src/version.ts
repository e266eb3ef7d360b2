import { readFileSync } from 'node:fs'

/** op-gossip's version from package.json (one level up from both src/ and dist/). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
).version

/** libp2p identify agent version. */
export const AGENT_VERSION = `op-gossip/${VERSION}`
