/**
 * The unsafe head of a node without an execution client (a relay: no `--l2`): the newest block
 * it accepted from gossip. It stands in for the Engine driver as the SyncStatusSource, so
 * `optimism_syncStatus`, the metrics, /healthz and the status line report a head, and
 * `bench observe` and the dashboard work without an EL.
 *
 * On the gossip path it only compares a number and keeps a reference; hex and numbers are made
 * when a status is read.
 */
import type { AcceptedBlock, BlockConsumer } from '../gossip/types.ts'
import type { ExecutionPayload } from '../wire/types.ts'
import type { HeadRef, SyncStatusSnapshot, SyncStatusSource } from './statusSources.ts'

/** The state a relay reports: the same word as a driver with no EL. */
export const RELAY_SYNC_STATE = 'disabled'

export interface RelayHead extends BlockConsumer, SyncStatusSource {}

function hex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

function headRefOf(payload: ExecutionPayload): HeadRef {
  return {
    hash: hex(payload.blockHash),
    number: Number(payload.blockNumber),
    parentHash: hex(payload.parentHash),
    timestamp: Number(payload.timestamp),
  }
}

export function createRelayHead(): RelayHead {
  let newest: ExecutionPayload | null = null
  return {
    onBlock(block: AcceptedBlock): void {
      const payload = block.envelope.payload
      // Gossip may deliver out of order: the head is the highest block, not the latest arrival.
      if (newest === null || payload.blockNumber > newest.blockNumber) newest = payload
    },
    status(): SyncStatusSnapshot {
      return {
        state: RELAY_SYNC_STATE,
        target: newest === null ? null : headRefOf(newest),
        confirmed: null,
        safe: null,
        finalized: null,
        syncing: false,
        gapBlocks: 0,
      }
    },
  }
}
