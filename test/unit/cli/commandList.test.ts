import { describe, expect, it } from 'vitest'
import { COMMANDS, commandsToLoad } from '../../../src/cli/commandList.ts'

const argv = (...args: string[]) => ['node', 'op-gossip', ...args]

describe('cli / commandList', () => {
  it('loads only the command asked for', () => {
    for (const [name, load] of Object.entries(COMMANDS)) {
      expect(commandsToLoad(argv(name, '--help'))).toEqual([load])
    }
  })

  it('loads every command for the top-level help, a version, a typo or nothing', () => {
    const all = Object.values(COMMANDS)
    for (const args of [[], ['--help'], ['help', 'run'], ['--version'], ['rnu'], ['toString']]) {
      expect(commandsToLoad(argv(...args))).toEqual(all)
    }
  })

  it('each entry registers the command it is keyed by', async () => {
    const { Command } = await import('commander')
    for (const [name, load] of Object.entries(COMMANDS)) {
      const program = new Command('op-gossip')
      ;(await load()).register(program)
      expect(program.commands.map((c) => c.name())).toEqual([name])
    }
  })
})
