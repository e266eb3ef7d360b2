import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import {
  addNetworkOptions,
  addNodeLogOptions,
  DEFAULT_DEVNET_LOG_LEVEL,
  type NetworkFlags,
  parseMesh,
} from '../../../src/cli/devnetFlags.ts'
import { addLogOptions, type LogFlagValues } from '../../../src/cli/logFlags.ts'
import { OP_NODE_GOSSIP_PARAMS } from '../../../src/gossip/options.ts'
import { parseFlags } from '../../utils/cli.ts'

const devnetOptions = (cmd: Command) =>
  addNetworkOptions(addNodeLogOptions(cmd, { dashedAlias: true }))
const parseDevnet = (args: string[]) =>
  parseFlags<NetworkFlags & LogFlagValues>(devnetOptions, args)

describe('cli / flag names: op-node style, earlier names kept as aliases', () => {
  it('mesh degrees: --p2p.gossip.mesh.* and --mesh.* give the same options', async () => {
    expect(parseMesh(await parseDevnet([]))).toEqual({
      d: OP_NODE_GOSSIP_PARAMS.D,
      lo: OP_NODE_GOSSIP_PARAMS.Dlo,
      hi: OP_NODE_GOSSIP_PARAMS.Dhi,
    })
    const canonical = ['--p2p.gossip.mesh.d', '4', '--p2p.gossip.mesh.lo', '3']
    const alias = ['--mesh.d', '4', '--mesh.lo', '3']
    const expected = { d: 4, lo: 3, hi: OP_NODE_GOSSIP_PARAMS.Dhi }
    expect(parseMesh(await parseDevnet(canonical))).toEqual(expected)
    expect(parseMesh(await parseDevnet(alias))).toEqual(expected)
    expect(parseMesh(await parseDevnet(['--mesh.hi', '20']))).toMatchObject({ hi: 20 })
    // Given both ways, the last wins, as with a repeated flag.
    expect(parseMesh(await parseDevnet(['--mesh.d', '9', '--p2p.gossip.mesh.d', '7']))).toEqual({
      d: 7,
      lo: OP_NODE_GOSSIP_PARAMS.Dlo,
      hi: OP_NODE_GOSSIP_PARAMS.Dhi,
    })
  })

  it('a bad mesh value through the alias is reported under the canonical flag', async () => {
    expect(() => parseMesh({ 'p2p.gossip.mesh.d': 'x' })).toThrow(
      "--p2p.gossip.mesh.d must be a whole number in [1, 100], got 'x'",
    )
    const flags = await parseDevnet(['--mesh.lo', '10'])
    expect(() => parseMesh(flags)).toThrow(
      'mesh degrees must satisfy --p2p.gossip.mesh.lo <= --p2p.gossip.mesh.d <= --p2p.gossip.mesh.dhi, got 10, 8, 12',
    )
  })

  it('--log.level and the earlier --log-level, checked against the same choices', async () => {
    expect((await parseDevnet([]))['log.level']).toBe(DEFAULT_DEVNET_LOG_LEVEL)
    expect((await parseDevnet(['--log.level', 'debug']))['log.level']).toBe('debug')
    expect((await parseDevnet(['--log-level', 'info']))['log.level']).toBe('info')
    await expect(parseDevnet(['--log-level', 'trace'])).rejects.toThrow(
      /option '--log\.level <level>' argument 'trace' is invalid/,
    )
  })

  it('--log.format with --log-format as alias (el-sim)', async () => {
    const add = (cmd: Command) =>
      addLogOptions(cmd, {
        levels: ['info', 'debug'],
        defaultLevel: 'info',
        format: { formats: ['text', 'json'], defaultFormat: 'text' },
        dashedAliases: true,
      })
    const flags = await parseFlags<LogFlagValues>(add, [
      '--log-format',
      'json',
      '--log-level',
      'debug',
    ])
    expect(flags).toMatchObject({ 'log.level': 'debug', 'log.format': 'json' })
  })

  it('aliases are hidden from help, and the canonical flag says it has one', () => {
    const help = devnetOptions(new Command('devnet')).helpInformation()
    expect(help).toContain('--p2p.gossip.mesh.d <n>')
    expect(help).toContain('(alias: --mesh.d)')
    expect(help).not.toMatch(/^\s+--mesh\.d </m)
    expect(help).not.toMatch(/^\s+--log-level </m)
  })
})

describe('cli / flag names agree across commands', () => {
  async function program(): Promise<Command> {
    const program = new Command('op-gossip')
    for (const module of await Promise.all([
      import('../../../src/cli/commands/run.ts'),
      import('../../../src/cli/commands/devnet.ts'),
      import('../../../src/cli/commands/bench.ts'),
      import('../../../src/cli/commands/elSim.ts'),
    ])) {
      module.register(program)
    }
    return program
  }
  const find = (root: Command, path: string[]): Command =>
    path.reduce((cmd, name) => cmd.commands.find((c) => c.name() === name) as Command, root)
  const longFlags = (cmd: Command) => cmd.options.map((o) => o.long)

  it('every command that logs takes --log.level; those that choose a format, --log.format', async () => {
    const root = await program()
    for (const path of [['run'], ['devnet'], ['bench', 'latency'], ['el-sim']]) {
      expect(longFlags(find(root, path)), path.join(' ')).toContain('--log.level')
    }
    for (const path of [['run'], ['el-sim']]) {
      expect(longFlags(find(root, path)), path.join(' ')).toContain('--log.format')
    }
    expect(longFlags(find(root, ['devnet']))).toContain('--log-level')
    expect(longFlags(find(root, ['el-sim']))).toEqual(
      expect.arrayContaining(['--log-level', '--log-format']),
    )
  })

  it('run, devnet and bench latency name the mesh degrees alike', async () => {
    const root = await program()
    const mesh = ['--p2p.gossip.mesh.d', '--p2p.gossip.mesh.lo', '--p2p.gossip.mesh.dhi']
    for (const path of [['run'], ['devnet'], ['bench', 'latency']]) {
      expect(longFlags(find(root, path)), path.join(' ')).toEqual(expect.arrayContaining(mesh))
    }
    for (const path of [['devnet'], ['bench', 'latency']]) {
      expect(longFlags(find(root, path)), path.join(' ')).toEqual(
        expect.arrayContaining(['--mesh.d', '--mesh.lo', '--mesh.hi']),
      )
    }
  })
})
