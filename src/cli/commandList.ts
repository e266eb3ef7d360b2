import type { Command } from 'commander'

/**
 * Every subcommand lives in ./commands/<name>.ts and exports `register(program)`, keyed here by
 * the name it registers. Add new commands to this list.
 */
export const COMMANDS: Record<string, () => Promise<{ register: (program: Command) => void }>> = {
  inspect: () => import('./commands/inspect.ts'),
  bench: () => import('./commands/bench.ts'),
  chains: () => import('./commands/chains.ts'),
  enr: () => import('./commands/enr.ts'),
  'el-sim': () => import('./commands/elSim.ts'),
  devnet: () => import('./commands/devnet.ts'),
  run: () => import('./commands/run.ts'),
}

/**
 * The commands to load for `argv`: only the one asked for, when it names one (each command pulls
 * in its own libraries, and loading all of them costs about a second of CPU at every start);
 * every command otherwise (the top-level help, a version, a typo), so commander can list them.
 */
export function commandsToLoad(argv: readonly string[]): Array<(typeof COMMANDS)[string]> {
  const asked = argv[2]
  const one = asked !== undefined && Object.hasOwn(COMMANDS, asked) ? COMMANDS[asked] : undefined
  return one !== undefined ? [one] : Object.values(COMMANDS)
}
