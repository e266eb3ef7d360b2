/**
 * Block gossip topic names (op-gossip.md §1.1): `/optimism/<chainId>/<version - 1>/blocks`,
 * and which version a block's timestamp selects (op-node's publish cascade).
 */
import { type ChainConfig, isForkActive } from '../chains/types.ts'
import { BLOCK_VERSIONS, type BlockVersion } from './types.ts'

const TOPIC_PATTERN = /^\/optimism\/(0|[1-9][0-9]*)\/([0-3])\/blocks$/

/** `/optimism/<chainId>/<version - 1>/blocks` */
export function blocksTopic(chainId: number, version: BlockVersion): string {
  return `/optimism/${chainId}/${version - 1}/blocks`
}

/**
 * Inverse of blocksTopic: null for anything that is not exactly a block topic (padded or
 * non-decimal chain ids, unknown versions, chain ids beyond the safe-integer range).
 */
export function parseBlocksTopic(topic: string): { chainId: number; version: BlockVersion } | null {
  const m = TOPIC_PATTERN.exec(topic)
  if (m === null) return null
  const chainId = Number(m[1])
  if (!Number.isSafeInteger(chainId)) return null
  return { chainId, version: (Number(m[2]) + 1) as BlockVersion }
}

/** The four block topics of a chain, in version order v1..v4 (op-node joins all of them). */
export function allBlocksTopics(chainId: number): string[] {
  return BLOCK_VERSIONS.map((v) => blocksTopic(chainId, v))
}

/** Payload version for a block at `timestamp` (seconds): Isthmus→4, Ecotone→3, Canyon→2, else 1. */
export function blockVersionAt(chain: ChainConfig, timestamp: number | bigint): BlockVersion {
  if (isForkActive(chain, 'isthmus', timestamp)) return 4
  if (isForkActive(chain, 'ecotone', timestamp)) return 3
  if (isForkActive(chain, 'canyon', timestamp)) return 2
  return 1
}
