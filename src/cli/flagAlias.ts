/**
 * Second names for flags: when a flag is renamed to op-node's style, its old name keeps working
 * (users' scripts) as a hidden alias that behaves exactly like the new one.
 */
import { type Command, Option } from 'commander'

/**
 * Adds `aliasFlags` (`--mesh.d <n>`) to `cmd` as a hidden second name of its option `canonical`
 * (`--p2p.gossip.mesh.d`). A value given under the alias is handed to the canonical option, so its
 * choices, preset and checks apply and only the canonical key is ever read; given both, the last
 * on the command line wins, as with a repeated flag.
 */
export function addFlagAlias(cmd: Command, aliasFlags: string, canonical: string): Command {
  const target = cmd.options.find((o) => o.long === canonical)
  if (target === undefined) throw new RangeError(`no option ${canonical} to alias`)
  const alias = new Option(aliasFlags).hideHelp()
  cmd.addOption(alias)
  // A Command is an EventEmitter (commander parses by emitting `option:<name>`), though its
  // typings only declare on().
  const events = cmd as unknown as NodeJS.EventEmitter
  events.on(`option:${alias.name()}`, (value: unknown) => {
    events.emit(`option:${target.name()}`, value)
  })
  return cmd
}
