import { describe, expect, it } from 'vitest'
import { envNameOf, runFlagDefs } from '../../../src/cli/run/flags.ts'
import { parseRunFlags } from '../../../src/cli/run/parse.ts'
import { UsageError } from '../../../src/cli/usageError.ts'

type RunFlagValues = Parameters<typeof parseRunFlags>[0]

/** Every flag at its default, keyed as commander names them (`--a.b-c` → `a.bC`). */
function defaultFlags(extra: Record<string, string>): RunFlagValues {
  const flags: Record<string, string> = {}
  for (const def of runFlagDefs()) {
    const long = /--([^\s,<[]+)/.exec(def.flags)?.[1] as string
    const key = long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
    if (def.defaultValue !== undefined) flags[key] = def.defaultValue
  }
  return { ...flags, network: 'op-sepolia', ...extra } as unknown as RunFlagValues
}

describe('cli / run --p2p.peerstore.path', () => {
  it("is op-node's flag, after the ban flags, read from OP_GOSSIP_P2P_PEERSTORE_PATH", () => {
    const defs = runFlagDefs()
    const at = defs.findIndex((d) => d.flags.startsWith('--p2p.peerstore.path '))
    expect(defs[at - 1]?.flags).toMatch(/^--p2p\.ban\.duration /)
    expect(defs[at]?.defaultValue).toBe('opgossip_peerstore_db')
    expect(defs[at]?.description).toMatch(/^Peerstore database location\./)
    expect(envNameOf(defs[at]?.flags as string)).toBe('OP_GOSSIP_P2P_PEERSTORE_PATH')
  })

  it("gives the directory, or null for 'memory'; an empty path is a usage error", async () => {
    expect((await parseRunFlags(defaultFlags({}))).node.peerstorePath).toBe('opgossip_peerstore_db')
    const custom = defaultFlags({ 'p2p.peerstore.path': '/data/peerstore' })
    expect((await parseRunFlags(custom)).node.peerstorePath).toBe('/data/peerstore')
    const memory = defaultFlags({ 'p2p.peerstore.path': 'memory' })
    expect((await parseRunFlags(memory)).node.peerstorePath).toBeNull()
    const empty = parseRunFlags(defaultFlags({ 'p2p.peerstore.path': ' ' }))
    await expect(empty).rejects.toBeInstanceOf(UsageError)
    await expect(empty).rejects.toThrow(
      "--p2p.peerstore.path must be specified, use 'memory' to explicitly not persist peer records",
    )
  })
})
