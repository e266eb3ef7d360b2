/**
 * Where a (re)starting subscriber begins reading: just after the newest entry at or below its
 * EL's head, so it replays exactly the blocks the EL lacks, then follows live. Found by reading
 * the stream backwards in pages from the newest entry (the EL is usually close to the tip).
 */
import type { RedisConnection } from './redisConnection.ts'
import { decodeStreamEntry } from './streamEntry.ts'
import { rangeEntriesOf } from './streamReplies.ts'

/** Entries per XREVRANGE page while looking for the EL head. */
export const REPLAY_SCAN_PAGE_ENTRIES = 500

/** XREAD from this ID reads the whole stream. */
export const STREAM_START_ID = '0-0'

export type ReplayStart =
  /** The stream holds the block after the EL head: read after `afterId` */
  | { kind: 'replay'; afterId: string }
  /** Stream empty (or no EL head known): follow from the newest entry on */
  | { kind: 'live'; afterId: string }
  /**
   * The oldest entry is beyond the EL head + 1 (this node fell behind more than the stream
   * holds): read from the newest entry on and let the EL sync the gap.
   */
  | { kind: 'behind'; afterId: string; oldestNumber: bigint; elHead: bigint }

/** Finds the replay start for an EL whose head is `elHead` (null: unknown → newest entry). */
export async function findReplayStart(
  connection: Pick<RedisConnection, 'command'>,
  stream: string,
  elHead: bigint | null,
): Promise<ReplayStart> {
  let end = '+'
  /** The ID just before the newest entry: reading after it delivers the newest block. */
  let beforeNewest: string | null = null
  let oldest: { id: string; number: bigint } | null = null
  for (;;) {
    const page = rangeEntriesOf(
      await connection.command([
        'XREVRANGE',
        stream,
        end,
        '-',
        'COUNT',
        String(REPLAY_SCAN_PAGE_ENTRIES),
      ]),
    )
    if (beforeNewest === null) {
      if (page.length === 0) return { kind: 'live', afterId: STREAM_START_ID }
      beforeNewest = page[1]?.id ?? STREAM_START_ID
      if (elHead === null) return { kind: 'live', afterId: beforeNewest }
    }
    for (const raw of page) {
      const decoded = decodeStreamEntry(raw.fields)
      // Forged or broken entries carry no trustworthy number: skip them here, the reader refuses them.
      if (!decoded.ok) continue
      if (decoded.entry.blockNumber <= (elHead as bigint))
        return { kind: 'replay', afterId: raw.id }
      oldest = { id: raw.id, number: decoded.entry.blockNumber }
    }
    const last = page[page.length - 1]
    if (page.length < REPLAY_SCAN_PAGE_ENTRIES || last === undefined) break
    end = `(${last.id}`
  }
  const head = elHead as bigint
  if (oldest === null || oldest.number <= head + 1n) {
    return { kind: 'replay', afterId: STREAM_START_ID }
  }
  return { kind: 'behind', afterId: beforeNewest, oldestNumber: oldest.number, elHead: head }
}
