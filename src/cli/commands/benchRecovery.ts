/**
 * `op-gossip bench recovery [--gap N] [--mechanism el-sync|backup-rpc|redis] [--json]`: a
 * follower stopped for N blocks is restarted and timed until its EL head equals the sequencer's,
 * once per mechanism (EL sync from an upstream, the backup RPC, a Redis stream replay); a table,
 * or JSON with --json. Without redis-server the redis mechanism is skipped, with the reason.
 */
import { type Command, Option } from 'commander'
import {
  DEFAULT_RECOVERY_BLOCK_INTERVAL_MS,
  DEFAULT_RECOVERY_GAP_BLOCKS,
  MAX_RECOVERY_GAP_BLOCKS,
  RECOVERY_MECHANISMS,
  type RecoveryMechanism,
} from '../../devnet/recoveryBenchOptions.ts'
import { parseIntegerFlag } from '../numberFlags.ts'

interface RecoveryFlags {
  gap: string
  blockMs: string
  mechanism?: RecoveryMechanism
  json?: boolean
}

async function run(flags: RecoveryFlags): Promise<void> {
  const gapBlocks = parseIntegerFlag('--gap', flags.gap, 1, MAX_RECOVERY_GAP_BLOCKS)
  const blockIntervalMs = parseIntegerFlag('--block-ms', flags.blockMs, 10, 60_000)
  const { formatRecoveryTable, runRecoveryBench } = await import('../../devnet/recoveryBench.ts')
  const results = await runRecoveryBench({
    gapBlocks,
    blockIntervalMs,
    ...(flags.mechanism === undefined ? {} : { mechanisms: [flags.mechanism] }),
  })
  if (flags.json === true) console.log(JSON.stringify(results))
  else for (const line of formatRecoveryTable(results)) console.log(line)
}

export function registerRecovery(bench: Command): void {
  bench
    .command('recovery')
    .description(
      'time a follower catching up after missing N blocks: EL sync vs the backup RPC (--l2.backup-unsafe-sync-rpc) vs a Redis stream replay (docs/redis.md)',
    )
    .option(
      '--gap <blocks>',
      'blocks the follower misses while stopped',
      String(DEFAULT_RECOVERY_GAP_BLOCKS),
    )
    .option(
      '--block-ms <ms>',
      'sequencer block interval after the restart',
      String(DEFAULT_RECOVERY_BLOCK_INTERVAL_MS),
    )
    .addOption(new Option('--mechanism <name>', 'only this mechanism').choices(RECOVERY_MECHANISMS))
    .option('--json', 'results as one JSON array on stdout')
    .action((flags: RecoveryFlags) => run(flags))
}
