/**
 * gossipsub mesh degree flags, op-node's names (`--p2p.gossip.mesh.d/lo/dhi`), shared by `run`,
 * `devnet` and `bench latency`.
 */
import { UsageError } from './usageError.ts'

export const MESH_DEGREE_FLAGS = {
  d: '--p2p.gossip.mesh.d',
  lo: '--p2p.gossip.mesh.lo',
  hi: '--p2p.gossip.mesh.dhi',
} as const

/** gossipsub needs Dlo <= D <= Dhi; the message names the three flags. */
export function checkMeshOrder(lo: number, d: number, hi: number): void {
  if (lo <= d && d <= hi) return
  const f = MESH_DEGREE_FLAGS
  throw new UsageError(
    `mesh degrees must satisfy ${f.lo} <= ${f.d} <= ${f.hi}, got ${lo}, ${d}, ${hi}`,
  )
}
