/**
 * `op-gossip run`: starts a node. With `--l2 URL --l2.jwt-secret FILE` every valid block goes to
 * the execution client over the Engine API (and/or to an op-node with `--l2.admin-rpc`); without
 * them the node is a gossip-only relay. The status RPC (127.0.0.1:9545) is on by default, like
 * op-node's; metrics are opt-in.
 *
 * The flag table is ../run/flags.ts, flags → node options ../run/parse.ts, start, signals and
 * exit ../run/lifecycle.ts. Exit status: 0 after SIGINT / SIGTERM; 2 for a configuration problem
 * (bad flag or file, a port in use, the EL refusing our JWT or reporting another chain id); 1 for
 * anything else; always one line on stderr.
 */
import type { Command } from 'commander'
import { addRunOptions, type RunFlags } from '../run/flags.ts'
import { runNode } from '../run/lifecycle.ts'

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description(
      'run a node: join the chain’s block gossip, validate every block like op-node, relay the valid ones and hand them to the execution client (--l2)',
    )
  addRunOptions(cmd).action((flags: RunFlags) => runNode(flags))
}
