/**
 * Flags shared by `op-gossip devnet` and `op-gossip bench latency`: mesh degrees (op-node's
 * `--p2p.gossip.mesh.*`, with the devnet's earlier `--mesh.*` as aliases), link shaping (netem) and
 * the node log level, parsed into devnet options with one-line usage errors.
 */
import type { Command } from 'commander'
import type { NodeProcessConfig } from '../devnet/ipcProtocol.ts'
import {
  type LinkShaping,
  loopbackNetwork,
  type NetworkPlan,
  netnsNetwork,
  probeNetem,
} from '../devnet/network.ts'
import { OP_NODE_GOSSIP_PARAMS } from '../gossip/options.ts'
import { addFlagAlias } from './flagAlias.ts'
import { addLogOptions, type LogFlagValues } from './logFlags.ts'
import { checkMeshOrder, MESH_DEGREE_FLAGS } from './meshFlags.ts'
import { parseDecimalFlag, parseIntegerFlag } from './numberFlags.ts'

/** Largest mesh degree a devnet accepts. */
export const MAX_DEVNET_MESH_DEGREE = 100
/** Largest link delay or jitter, ms. */
export const MAX_LINK_DELAY_MS = 10_000
export const MAX_LINK_LOSS_PERCENT = 100

/** Log levels a devnet node takes (its logs go to <dir>/logs). */
export const DEVNET_LOG_LEVELS = [
  'silent',
  'error',
  'warn',
  'info',
  'debug',
] as const satisfies readonly NodeProcessConfig['logLevel'][]
/** Node log level of the devnet commands (startDevnet's own default too). */
export const DEFAULT_DEVNET_LOG_LEVEL: NodeProcessConfig['logLevel'] = 'warn'

/** The mesh flags, op-node's names, and the devnet's earlier names for them. */
const MESH_FLAGS = {
  d: { flags: MESH_DEGREE_FLAGS.d, alias: '--mesh.d', min: 1, what: 'mesh degree D' },
  lo: { flags: MESH_DEGREE_FLAGS.lo, alias: '--mesh.lo', min: 0, what: 'mesh low water Dlo' },
  hi: { flags: MESH_DEGREE_FLAGS.hi, alias: '--mesh.hi', min: 1, what: 'mesh high water Dhi' },
} as const

const MESH_DEFAULTS = {
  d: OP_NODE_GOSSIP_PARAMS.D,
  lo: OP_NODE_GOSSIP_PARAMS.Dlo,
  hi: OP_NODE_GOSSIP_PARAMS.Dhi,
} as const

export interface MeshFlags {
  'p2p.gossip.mesh.d'?: string
  'p2p.gossip.mesh.lo'?: string
  'p2p.gossip.mesh.dhi'?: string
}

export interface LinkFlags {
  'link.delay'?: string
  'link.jitter'?: string
  'link.loss'?: string
}

/** The mesh and link-shaping flags together, as both commands take them. */
export type NetworkFlags = MeshFlags & LinkFlags

/** Adds --p2p.gossip.mesh.d/lo/dhi (aliases --mesh.d/lo/hi) and --link.delay/jitter/loss. */
export function addNetworkOptions(cmd: Command): Command {
  for (const key of ['d', 'lo', 'hi'] as const) {
    const m = MESH_FLAGS[key]
    cmd.option(
      `${m.flags} <n>`,
      `gossipsub ${m.what} (alias: ${m.alias})`,
      String(MESH_DEFAULTS[key]),
    )
    addFlagAlias(cmd, `${m.alias} <n>`, m.flags)
  }
  cmd
    .option('--link.delay <ms>', 'one-way delay per node uplink (root + netem: network namespaces)')
    .option('--link.jitter <ms>', 'delay jitter per node uplink (with --link.delay)')
    .option('--link.loss <percent>', 'packet loss per node uplink')
  return cmd
}

/** --log.level for the node processes of a devnet-running command. */
export function addNodeLogOptions(cmd: Command, opts: { dashedAlias: boolean }): Command {
  return addLogOptions(cmd, {
    levels: DEVNET_LOG_LEVELS,
    defaultLevel: DEFAULT_DEVNET_LOG_LEVEL,
    levelDescription: 'node log level (logs go to <dir>/logs)',
    dashedAliases: opts.dashedAlias,
  })
}

export function parseMesh(flags: MeshFlags): { d: number; lo: number; hi: number } {
  const degree = (key: keyof typeof MESH_FLAGS, text: string | undefined) => {
    const m = MESH_FLAGS[key]
    const given = text ?? String(MESH_DEFAULTS[key])
    return parseIntegerFlag(m.flags, given, m.min, MAX_DEVNET_MESH_DEGREE)
  }
  const d = degree('d', flags['p2p.gossip.mesh.d'])
  const lo = degree('lo', flags['p2p.gossip.mesh.lo'])
  const hi = degree('hi', flags['p2p.gossip.mesh.dhi'])
  checkMeshOrder(lo, d, hi)
  return { d, lo, hi }
}

/** The node log level asked for (commander has checked it against DEVNET_LOG_LEVELS). */
export function parseNodeLogLevel(flags: LogFlagValues): NodeProcessConfig['logLevel'] {
  return flags['log.level'] as NodeProcessConfig['logLevel']
}

/** The link shaping asked for, or null for none. */
export function parseLinkShaping(flags: LinkFlags): LinkShaping | null {
  const { 'link.delay': delay, 'link.jitter': jitter, 'link.loss': loss } = flags
  if (delay === undefined && jitter === undefined && loss === undefined) return null
  return {
    delayMs: delay === undefined ? 0 : parseDecimalFlag('--link.delay', delay, MAX_LINK_DELAY_MS),
    jitterMs:
      jitter === undefined ? 0 : parseDecimalFlag('--link.jitter', jitter, MAX_LINK_DELAY_MS),
    lossPercent:
      loss === undefined ? 0 : parseDecimalFlag('--link.loss', loss, MAX_LINK_LOSS_PERCENT),
  }
}

/**
 * Network namespaces with netem when shaping is asked for and possible; otherwise loopback, with
 * `warn` called once with the reason.
 */
export async function resolveNetwork(
  shaping: LinkShaping | null,
  warn: (line: string) => void,
): Promise<NetworkPlan> {
  if (shaping === null) return loopbackNetwork()
  const reason = await probeNetem()
  if (reason !== null) {
    warn(
      `link shaping unavailable (${reason}): running on plain loopback without delay, jitter or loss`,
    )
    return loopbackNetwork()
  }
  return netnsNetwork(shaping)
}
