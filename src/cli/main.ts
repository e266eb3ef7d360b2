import { Command } from 'commander'
import { VERSION } from '../version.ts'
import { commandsToLoad } from './commandList.ts'
import { DEBUG_ENV, describeFailure, isCleanCommanderExit } from './failure.ts'

async function main(argv: string[]): Promise<void> {
  const program = new Command('op-gossip')
    .description('OP Stack unsafe-block gossip node: libp2p in, Engine API out')
    .version(VERSION)
    .showHelpAfterError(false)
  for (const load of commandsToLoad(argv)) (await load()).register(program)
  quietErrors(program)
  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (isCleanCommanderExit(err)) process.exit(0)
    // One line (no stack trace unless asked); the exit status comes from the error's kind.
    const failure = describeFailure(err, Boolean(process.env[DEBUG_ENV]))
    process.stderr.write(failure.text)
    process.exit(failure.status)
  }
}

/** Errors are printed once by main() as one line, for every nested subcommand too. */
function quietErrors(cmd: Command): void {
  cmd.exitOverride().configureOutput({ outputError: () => {} })
  for (const sub of cmd.commands) quietErrors(sub)
}

await main(process.argv)
