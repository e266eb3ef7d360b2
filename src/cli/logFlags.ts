/**
 * `--log.level` and `--log.format` (op-node's names) for the commands that log besides `run`
 * (whose flag table has its own, with environment variables): el-sim, devnet, bench latency.
 */
import { type Command, Option } from 'commander'
import { addFlagAlias } from './flagAlias.ts'

export interface LogFlagValues {
  'log.level': string
  /** Only on commands created with `format` */
  'log.format'?: string
}

export interface LogOptionsSpec {
  levels: readonly string[]
  defaultLevel: string
  /** What the level applies to, for the help text. @default 'log level' */
  levelDescription?: string
  /** Also add --log.format with these choices and this default */
  format?: { formats: readonly string[]; defaultFormat: string }
  /** The command's earlier `--log-level` / `--log-format`, kept as hidden aliases */
  dashedAliases?: boolean
}

export function addLogOptions(cmd: Command, spec: LogOptionsSpec): Command {
  const aliasNote = spec.dashedAliases === true ? ' (alias: --log-level)' : ''
  cmd.addOption(
    new Option('--log.level <level>', `${spec.levelDescription ?? 'log level'}${aliasNote}`)
      .choices(spec.levels)
      .default(spec.defaultLevel),
  )
  if (spec.dashedAliases === true) addFlagAlias(cmd, '--log-level <level>', '--log.level')
  if (spec.format === undefined) return cmd
  const formatNote = spec.dashedAliases === true ? ' (alias: --log-format)' : ''
  cmd.addOption(
    new Option('--log.format <format>', `log format${formatNote}`)
      .choices(spec.format.formats)
      .default(spec.format.defaultFormat),
  )
  if (spec.dashedAliases === true) addFlagAlias(cmd, '--log-format <format>', '--log.format')
  return cmd
}
