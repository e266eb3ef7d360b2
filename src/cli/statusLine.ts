/**
 * The terminal status line: when stdout is a terminal and logs are text, `run` prints one
 * compact line every STATUS_LINE_INTERVAL_MS:
 *   peers 12 (mesh 8) | head 1234567 / EL 1234567 | last block +840 ms | EL in sync
 * Formatting is pure (tested); the timer only reads the sources and writes.
 */
import type { LastBlockInfo } from '../metrics/blockTimeline.ts'
import type { GapFillView, P2pStatusSource, SyncStatusSource } from '../status/statusSources.ts'

export const STATUS_LINE_INTERVAL_MS = 5_000

export interface StatusSnapshot {
  peers: number
  /** Peers in our mesh on at least one block topic */
  meshPeers: number
  /** Unsafe head (driver target); null before the first */
  target: number | null
  /** EL-confirmed head; null when unknown */
  confirmed: number | null
  /** The newest accepted block's arrival delay (first seen minus timestamp), ms */
  lastArrivalDelayMs: number | null
  syncing: boolean
  gapBlocks: number
  /** Engine driver state ('ready', 'el-down', 'connecting', 'disabled', ...) */
  elState: string
  /** The backup-RPC gap fill, when configured */
  gapFill?: GapFillView | null
}

/** Delays below this are shown in whole milliseconds (`+84 ms`), where blocks usually arrive. */
export const STATUS_DELAY_MS_BELOW_MS = 1_000
/** Delays below this (and from STATUS_DELAY_MS_BELOW_MS) get two decimals (`+1.25 s`). */
export const STATUS_DELAY_DECIMALS_BELOW_MS = 10_000

/** A block delay, signed: `+84 ms`, `+1.25 s`, `+12 s`. */
export function formatDelay(ms: number): string {
  const sign = ms < 0 ? '-' : '+'
  const abs = Math.abs(ms)
  const wholeMs = Math.round(abs)
  if (wholeMs < STATUS_DELAY_MS_BELOW_MS) return `${sign}${wholeMs} ms`
  return abs < STATUS_DELAY_DECIMALS_BELOW_MS
    ? `${sign}${(abs / 1000).toFixed(2)} s`
    : `${sign}${Math.round(abs / 1000)} s`
}

export function formatElState(
  s: Pick<StatusSnapshot, 'elState' | 'syncing' | 'gapBlocks' | 'target' | 'confirmed'>,
): string {
  if (s.elState === 'disabled') return 'no EL'
  if (s.elState === 'el-down') return 'EL down'
  if (s.elState === 'connecting') return 'EL connecting'
  if (s.syncing) return `EL syncing (gap ${s.gapBlocks})`
  if (s.target !== null && s.confirmed !== null && s.gapBlocks > 0)
    return `EL behind (gap ${s.gapBlocks})`
  return 'EL in sync'
}

export function formatStatusLine(s: StatusSnapshot): string {
  const head = `head ${s.target ?? '-'} / EL ${s.confirmed ?? '-'}`
  const last =
    s.lastArrivalDelayMs === null
      ? 'no block yet'
      : `last block ${formatDelay(s.lastArrivalDelayMs)}`
  const line = `peers ${s.peers} (mesh ${s.meshPeers}) | ${head} | ${last} | ${formatElState(s)}`
  const fill = s.gapFill
  if (fill === null || fill === undefined || fill.state === 'idle') return line
  const rate = fill.state === 'filling' ? ` at ${fill.blocksPerSecond.toFixed(0)} blocks/s` : ''
  return `${line} | RPC gap fill ${fill.state}, ${fill.remainingBlocks} left${rate}`
}

export interface StatusSources {
  p2p: P2pStatusSource | null
  sync: SyncStatusSource | null
  lastBlock: () => LastBlockInfo | null
}

export async function readStatusSnapshot(sources: StatusSources): Promise<StatusSnapshot> {
  const peers = (await sources.p2p?.peers()) ?? []
  const sync = sources.sync?.status() ?? null
  return {
    peers: peers.length,
    meshPeers: peers.filter((p) => p.meshTopics.length > 0).length,
    target: sync?.target?.number ?? sources.lastBlock()?.number ?? null,
    confirmed: sync?.confirmed?.number ?? null,
    lastArrivalDelayMs: sources.lastBlock()?.arrivalDelayMs ?? null,
    syncing: sync?.syncing ?? false,
    gapBlocks: sync?.gapBlocks ?? 0,
    elState: sync?.state ?? 'disabled',
    gapFill: sync?.gapFill ?? null,
  }
}

/** Whether `run` shows the line: a terminal on stdout and text logs. */
export function shouldShowStatusLine(opts: {
  stdoutIsTty: boolean
  logFormat: 'text' | 'json'
}): boolean {
  return opts.stdoutIsTty && opts.logFormat === 'text'
}

export interface StatusLineTimer {
  stop(): void
}

export function startStatusLine(
  read: () => Promise<StatusSnapshot>,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  intervalMs = STATUS_LINE_INTERVAL_MS,
): StatusLineTimer {
  const timer = setInterval(() => {
    read().then(
      (snapshot) => write(formatStatusLine(snapshot)),
      () => {}, // a status line is best effort; the node goes on
    )
  }, intervalMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
