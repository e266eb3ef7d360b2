/**
 * Flags shared by `op-gossip devnet` and `op-gossip bench latency`: numbers, mesh degrees and
 * link shaping (netem), parsed into devnet options with one-line usage errors.
 */
import type { Command } from 'commander'
import {
  type LinkShaping,
  loopbackNetwork,
  type NetworkPlan,
  netnsNetwork,
  probeNetem,
} from '../devnet/network.ts'
import { parseIntegerFlag } from './numberFlags.ts'
import { UsageError } from './usageError.ts'

export { parseIntegerFlag }

/** A non-negative decimal flag up to max. */
export function parseDecimalFlag(flag: string, text: string, max: number): number {
  const n = Number(text)
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text.trim()) || !(n >= 0) || n > max) {
    throw new UsageError(`${flag} must be a number in [0, ${max}], got '${text}'`)
  }
  return n
}

export interface MeshFlags {
  'mesh.d'?: string
  'mesh.lo'?: string
  'mesh.hi'?: string
}

export interface LinkFlags {
  'link.delay'?: string
  'link.jitter'?: string
  'link.loss'?: string
}

/** The mesh and link-shaping flags together, as both commands take them. */
export type NetworkFlags = MeshFlags & LinkFlags

/** Adds --mesh.d/lo/hi and --link.delay/jitter/loss to a devnet-running command. */
export function addNetworkOptions(cmd: Command): Command {
  return cmd
    .option('--mesh.d <n>', 'gossipsub mesh degree D', '8')
    .option('--mesh.lo <n>', 'gossipsub mesh low water Dlo', '6')
    .option('--mesh.hi <n>', 'gossipsub mesh high water Dhi', '12')
    .option('--link.delay <ms>', 'one-way delay per node uplink (root + netem: network namespaces)')
    .option('--link.jitter <ms>', 'delay jitter per node uplink (with --link.delay)')
    .option('--link.loss <percent>', 'packet loss per node uplink')
}

export function parseMesh(flags: MeshFlags): { d: number; lo: number; hi: number } {
  const d = parseIntegerFlag('--mesh.d', flags['mesh.d'] ?? '8', 1, 100)
  const lo = parseIntegerFlag('--mesh.lo', flags['mesh.lo'] ?? '6', 0, 100)
  const hi = parseIntegerFlag('--mesh.hi', flags['mesh.hi'] ?? '12', 1, 100)
  if (!(lo <= d && d <= hi)) {
    throw new UsageError(
      `mesh degrees must satisfy --mesh.lo <= --mesh.d <= --mesh.hi (${lo}, ${d}, ${hi})`,
    )
  }
  return { d, lo, hi }
}

/** The link shaping asked for, or null for none. */
export function parseLinkShaping(flags: LinkFlags): LinkShaping | null {
  const { 'link.delay': delay, 'link.jitter': jitter, 'link.loss': loss } = flags
  if (delay === undefined && jitter === undefined && loss === undefined) return null
  return {
    delayMs: delay === undefined ? 0 : parseDecimalFlag('--link.delay', delay, 10_000),
    jitterMs: jitter === undefined ? 0 : parseDecimalFlag('--link.jitter', jitter, 10_000),
    lossPercent: loss === undefined ? 0 : parseDecimalFlag('--link.loss', loss, 100),
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
