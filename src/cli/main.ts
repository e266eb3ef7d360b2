import { Command, CommanderError } from 'commander'
import { VERSION } from '../version.ts'
import { UsageError } from './usageError.ts'

/**
 * Every subcommand lives in ./commands/<name>.ts and exports `register(program)`.
 * Add new commands to this list.
 */
const COMMANDS: Array<() => Promise<{ register: (program: Command) => void }>> = []

export const EXIT_USAGE = 2


async function main(argv: string[]): Promise<void> {
  const program = new Command('op-gossip')
    .description('OP Stack unsafe-block gossip node: libp2p in, Engine API out')
    .version(VERSION)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
  for (const load of COMMANDS) (await load()).register(program)
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ outputError: () => {} })
  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) process.exit(0)
      process.stderr.write(`op-gossip: ${err.message.replace(/^error: /, '')}\n`)
      process.exit(EXIT_USAGE)
    }
    if (err instanceof UsageError) {
      process.stderr.write(`op-gossip: ${err.message}\n`)
      process.exit(EXIT_USAGE)
    }
    throw err
  }
}

await main(process.argv)
