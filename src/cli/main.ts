import { Command, CommanderError } from 'commander'
import { VERSION } from '../version.ts'
import { UsageError } from './usageError.ts'

/**
 * Every subcommand lives in ./commands/<name>.ts and exports `register(program)`.
 * Add new commands to this list.
 */
const COMMANDS: Array<() => Promise<{ register: (program: Command) => void }>> = [
  () => import('./commands/inspect.ts'),
  () => import('./commands/bench.ts'),
  () => import('./commands/chains.ts'),
  () => import('./commands/enr.ts'),
  () => import('./commands/elSim.ts'),
  () => import('./commands/devnet.ts'),
  () => import('./commands/run.ts'),
]

export const EXIT_USAGE = 2

async function main(argv: string[]): Promise<void> {
  const program = new Command('op-gossip')
    .description('OP Stack unsafe-block gossip node: libp2p in, Engine API out')
    .version(VERSION)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
  for (const load of COMMANDS) (await load()).register(program)
  quietErrors(program)
  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) process.exit(0)
      // Help was printed because a command group was called without a subcommand.
      if (err.code === 'commander.help') process.exit(EXIT_USAGE)
      process.stderr.write(`op-gossip: ${err.message.replace(/^error: /, '')}\n`)
      process.exit(EXIT_USAGE)
    }
    if (err instanceof UsageError) {
      process.stderr.write(`op-gossip: ${err.message}\n`)
      process.exit(EXIT_USAGE)
    }
    // Anything else is a bug or an environment failure: one line, no stack trace unless asked.
    const detail = process.env.OP_GOSSIP_DEBUG ? (err as Error).stack : (err as Error).message
    process.stderr.write(`op-gossip: ${detail ?? String(err)}\n`)
    process.exit(1)
  }
}

/** Errors are printed once by main() as one line, for every nested subcommand too. */
function quietErrors(cmd: Command): void {
  cmd.exitOverride().configureOutput({ outputError: () => {} })
  for (const sub of cmd.commands) quietErrors(sub)
}

await main(process.argv)
