/**
 * The one info line logged per accepted block: number, hash, the peer that delivered it first,
 * arrival delay and what the EL made of it. Flat fields so the text format stays readable and
 * the JSON format is easy to query. Only public data: no secret can reach this line.
 */

/** Static message of the per-block line (grep for it). */
export const BLOCK_LOG_MESSAGE = 'accepted block'

/** What is known about an accepted block when its line is logged. */
export interface BlockLogRecord {
  number: bigint | number
  /** 0x-hex block hash */
  hash: string
  /** Peer ID of the first deliverer */
  peer: string
  /** First seen minus the block timestamp, ms (the timestamp has 1 s resolution) */
  arrivalDelayMs: number
  /** Time in the validation pipeline (first seen → validated), ms */
  validationMs: number
  /** newPayload status (VALID, SYNCING, ...) or error code; null when not sent */
  newPayload: string | null
  /** forkchoiceUpdated status for this block as head, or error code; null when none */
  forkchoice: string | null
  /** First seen → last Engine API answer about this block, ms; null without one */
  engineMs: number | null
  /** False when the node runs without an Engine API (admin RPC only) */
  engineEnabled: boolean
}

export interface BlockLogLine {
  ctx: {
    number: number
    hash: string
    peer: string
    arrivalDelayMs: number
    validationMs: number
    engine: string
    newPayload?: string
    forkchoice?: string
    engineMs?: number
  }
  msg: typeof BLOCK_LOG_MESSAGE
}

/**
 * The summary `engine` field: the forkchoice outcome when there was one, else the newPayload
 * outcome, else `not_sent` (stale, duplicate, or the EL is down) or `disabled`.
 */
export function engineOutcome(
  r: Pick<BlockLogRecord, 'newPayload' | 'forkchoice' | 'engineEnabled'>,
): string {
  if (!r.engineEnabled) return 'disabled'
  if (
    r.newPayload !== null &&
    r.newPayload !== 'VALID' &&
    r.newPayload !== 'SYNCING' &&
    r.newPayload !== 'ACCEPTED'
  ) {
    return r.newPayload // INVALID / INVALID_BLOCK_HASH / an error code decides it
  }
  return r.forkchoice ?? r.newPayload ?? 'not_sent'
}

/** Formats the per-block line: `log.info(line.ctx, line.msg)`. */
export function formatBlockLogLine(r: BlockLogRecord): BlockLogLine {
  const ctx: BlockLogLine['ctx'] = {
    number: Number(r.number),
    hash: r.hash,
    peer: r.peer,
    arrivalDelayMs: Math.round(r.arrivalDelayMs),
    validationMs: Math.round(r.validationMs),
    engine: engineOutcome(r),
  }
  if (r.newPayload !== null) ctx.newPayload = r.newPayload
  if (r.forkchoice !== null) ctx.forkchoice = r.forkchoice
  if (r.engineMs !== null) ctx.engineMs = Math.round(r.engineMs)
  return { ctx, msg: BLOCK_LOG_MESSAGE }
}
