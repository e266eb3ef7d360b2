/**
 * `optimism_syncStatus` (engine-sync.md §6.2) with what this node knows: op-gossip derives
 * nothing from L1, so every L1 ref is zero. L2 refs:
 * - unsafe_l2 / cross_unsafe_l2: the unsafe head (the driver's target; in EL-sync this may be a
 *   sync target the EL does not have yet, as with op-node);
 * - safe_l2 / local_safe_l2 / pending_safe_l2 and finalized_l2: the EL's safe / finalized labels.
 * `l1origin` / `sequenceNumber` are read from the block's L1-info deposit when the block passed
 * through gossip recently, else zero. Numbers are JSON numbers, hashes 0x-hex.
 */
import type { HeadRef, SyncStatusSource } from '../status/statusSources.ts'
import { expectParams, type RpcMethods } from './jsonRpc.ts'
import { l1InfoOriginOf } from './l1InfoOrigin.ts'

export const ZERO_HASH_HEX = `0x${'00'.repeat(32)}`

/** op-service/eth `L1BlockRef` */
export interface L1BlockRefJson {
  hash: string
  number: number
  parentHash: string
  timestamp: number
}

/** op-service/eth `L2BlockRef` */
export interface L2BlockRefJson extends L1BlockRefJson {
  l1origin: { hash: string; number: number }
  sequenceNumber: number
}

/** op-service/eth `SyncStatus` (without the older `queued_unsafe_l2`) */
export interface SyncStatusJson {
  current_l1: L1BlockRefJson
  current_l1_finalized: L1BlockRefJson
  head_l1: L1BlockRefJson
  safe_l1: L1BlockRefJson
  finalized_l1: L1BlockRefJson
  unsafe_l2: L2BlockRefJson
  safe_l2: L2BlockRefJson
  finalized_l2: L2BlockRefJson
  pending_safe_l2: L2BlockRefJson
  cross_unsafe_l2: L2BlockRefJson
  local_safe_l2: L2BlockRefJson
}

export interface SyncStatusApiModules {
  sync: SyncStatusSource | null
  /** First transaction of a recently gossiped block (BlockTimeline.firstTransaction) */
  firstTransaction?: ((hash: string) => Uint8Array | undefined) | null
}

const ZERO_L1: L1BlockRefJson = {
  hash: ZERO_HASH_HEX,
  number: 0,
  parentHash: ZERO_HASH_HEX,
  timestamp: 0,
}

export function l2RefJson(
  ref: HeadRef | null,
  firstTransaction?: ((hash: string) => Uint8Array | undefined) | null,
): L2BlockRefJson {
  if (ref === null)
    return { ...ZERO_L1, l1origin: { hash: ZERO_HASH_HEX, number: 0 }, sequenceNumber: 0 }
  const tx = firstTransaction?.(ref.hash)
  const origin = tx === undefined ? null : l1InfoOriginOf(tx)
  return {
    hash: ref.hash,
    number: ref.number,
    parentHash: ref.parentHash,
    timestamp: ref.timestamp,
    l1origin: origin?.l1origin ?? { hash: ZERO_HASH_HEX, number: 0 },
    sequenceNumber: origin?.sequenceNumber ?? 0,
  }
}

export function syncStatusJson(modules: SyncStatusApiModules): SyncStatusJson {
  const s = modules.sync?.status() ?? null
  const unsafe = l2RefJson(s?.target ?? null, modules.firstTransaction)
  const safe = l2RefJson(s?.safe ?? null, modules.firstTransaction)
  const finalized = l2RefJson(s?.finalized ?? null, modules.firstTransaction)
  return {
    current_l1: ZERO_L1,
    current_l1_finalized: ZERO_L1,
    head_l1: ZERO_L1,
    safe_l1: ZERO_L1,
    finalized_l1: ZERO_L1,
    unsafe_l2: unsafe,
    safe_l2: safe,
    finalized_l2: finalized,
    pending_safe_l2: safe,
    cross_unsafe_l2: unsafe,
    local_safe_l2: safe,
  }
}

export function createSyncStatusApi(modules: SyncStatusApiModules): RpcMethods {
  return {
    optimism_syncStatus(params): SyncStatusJson {
      expectParams(params, 0, 0)
      return syncStatusJson(modules)
    },
  }
}
