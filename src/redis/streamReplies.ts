/**
 * The shapes node-redis returns for XREAD and XRANGE / XREVRANGE (with bulk strings as Buffers),
 * reduced to `{ id, fields }` pairs. RESP2 and RESP3 differ for XREAD (array of [stream, entries]
 * vs. a map), so both are read. Pure; anything unexpected yields no entries.
 */

export interface RawStreamEntry {
  /** Stream entry ID, `<ms>-<seq>` */
  id: string
  /** Flat field / value list, undecoded */
  fields: unknown
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1')
  return null
}

/** XRANGE / XREVRANGE: [[id, [field, value, …]], …]. */
export function rangeEntriesOf(reply: unknown): RawStreamEntry[] {
  if (!Array.isArray(reply)) return []
  const entries: RawStreamEntry[] = []
  for (const item of reply) {
    if (!Array.isArray(item)) continue
    const id = text(item[0])
    if (id !== null) entries.push({ id, fields: item[1] })
  }
  return entries
}

/** XREAD on one stream: null (timeout), [[stream, entries]] (RESP2) or { stream: entries }. */
export function readEntriesOf(reply: unknown): RawStreamEntry[] {
  if (reply === null || reply === undefined) return []
  if (Array.isArray(reply)) {
    const first = reply[0]
    return Array.isArray(first) ? rangeEntriesOf(first[1]) : []
  }
  if (reply instanceof Map) {
    const first = reply.values().next().value as unknown
    return rangeEntriesOf(first)
  }
  if (typeof reply === 'object') return rangeEntriesOf(Object.values(reply)[0])
  return []
}

/** `<ms>-<seq>` → [ms, seq], or null. */
export function parseEntryId(id: string): [bigint, bigint] | null {
  const match = /^(\d+)-(\d+)$/.exec(id)
  return match === null ? null : [BigInt(match[1] as string), BigInt(match[2] as string)]
}
