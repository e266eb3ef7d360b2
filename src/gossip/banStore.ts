/**
 * `--p2p.peerstore.path`: peer bans and IP / subnet blocks saved to `<dir>/bans.json`, so they
 * survive a restart as op-node's do (op-node keeps score bans with their expiry in its peerstore
 * datastore, op-node/p2p/store/peer_ban_book.go and ip_ban_book.go, and the gater's manual
 * blocks in the same datastore, go-libp2p p2p/net/conngater).
 *
 * The flag names a directory, as op-node's does (its LevelDB): an op-node configuration carries
 * over unchanged, and the file sits beside `--p2p.discovery.path`'s (both default to the working
 * directory). `memory` keeps everything in memory, op-node's keyword.
 *
 * Format: `{ "version": 1, "savedAt": <unix ms>, "peers": [{ "peerId", "untilMs", "score" }],
 * "addrs": [{ "address", "untilMs" }], "subnets": [{ "address", "untilMs" }] }`. Writes are
 * debounced (one write per BAN_STORE_SAVE_DELAY_MS however many changes), go to a temporary file
 * that is fsynced and renamed over the old one, and hold at most the list limits; expired entries
 * are dropped on load.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { type Logger, silentLogger } from '../util/logger.ts'
import { type AddressBlock, MAX_BLOCKED_ADDRS, MAX_BLOCKED_SUBNETS } from './addressBlockList.ts'
import { MAX_BANNED_PEERS } from './banList.ts'
import { canonicalCidr, canonicalIp } from './ipNet.ts'
import type { BanEntry } from './types.ts'

/** op-node's `p2p.peerstore.path` default is `opnode_peerstore_db`; ours holds a JSON file. */
export const DEFAULT_PEERSTORE_PATH = 'opgossip_peerstore_db'
/** `--p2p.peerstore.path memory`: nothing is saved (op-node's keyword). */
export const IN_MEMORY_PEERSTORE_PATH = 'memory'
/** The file inside the peerstore directory. */
export const BAN_FILE_NAME = 'bans.json'
/** Changes within this window are written together. */
export const BAN_STORE_SAVE_DELAY_MS = 1000
/**
 * Larger files are not ours: 10 000 peer bans of ~110 bytes plus 2 000 address blocks of ~60
 * bytes are ~1.2 MB.
 */
export const MAX_BAN_FILE_SIZE_BYTES = 4 * 1024 * 1024
/** Entries kept per list, the in-memory limits. */
export const BAN_FILE_LIMITS: Readonly<BanFileLimits> = {
  peers: MAX_BANNED_PEERS,
  addrs: MAX_BLOCKED_ADDRS,
  subnets: MAX_BLOCKED_SUBNETS,
}

const FILE_VERSION = 1
/** A libp2p peer ID as host.ts prints it (base58btc). */
const PEER_ID_PATTERN = /^[1-9A-HJ-NP-Za-km-z]{32,128}$/

export interface BanFileLimits {
  peers: number
  addrs: number
  subnets: number
}

/** Everything the file holds. */
export interface BanSnapshot {
  peers: BanEntry[]
  addrs: AddressBlock[]
  subnets: AddressBlock[]
}

export const BanStoreErrorCode = {
  /** The file is not JSON, not an object, or lacks the lists */
  BAN_STORE_CORRUPT: 'BAN_STORE_CORRUPT',
  /** Written by another op-gossip version (its `version` is not ours) */
  BAN_STORE_UNSUPPORTED_VERSION: 'BAN_STORE_UNSUPPORTED_VERSION',
  /** Larger than MAX_BAN_FILE_SIZE_BYTES */
  BAN_STORE_TOO_LARGE: 'BAN_STORE_TOO_LARGE',
} as const

export type BanStoreErrorCode = keyof typeof BanStoreErrorCode

export class BanStoreError extends Error {
  override readonly name = 'BanStoreError'
  readonly code: BanStoreErrorCode

  constructor(code: BanStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export interface ParsedBanFile {
  snapshot: BanSnapshot
  /** Malformed entries left out */
  skipped: number
  /** Entries past the limits left out (those ending first) */
  overLimit: number
}

export function emptyBanSnapshot(): BanSnapshot {
  return { peers: [], addrs: [], subnets: [] }
}

/** Keeps at most `max` entries, those ending last, in the order they end. */
function bounded<T extends { untilMs: number }>(entries: T[], max: number): T[] {
  const sorted = [...entries].sort((a, b) => a.untilMs - b.untilMs)
  return sorted.slice(Math.max(0, sorted.length - max))
}

function isLive(untilMs: unknown, nowMs: number): untilMs is number {
  return typeof untilMs === 'number' && Number.isFinite(untilMs) && untilMs > nowMs
}

/**
 * The entries of a ban file that have not expired at `nowMs`, at most `limits` of each kind.
 * @throws BanStoreError BAN_STORE_CORRUPT / BAN_STORE_UNSUPPORTED_VERSION for a file that is
 *   not one of ours; single malformed entries are only counted
 */
export function parseBanFile(
  text: string,
  nowMs: number,
  limits: BanFileLimits = BAN_FILE_LIMITS,
): ParsedBanFile {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    throw new BanStoreError('BAN_STORE_CORRUPT', 'not JSON', { cause: err })
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BanStoreError('BAN_STORE_CORRUPT', 'not a JSON object')
  const file = body as Record<string, unknown>
  if (file.version !== FILE_VERSION) {
    throw new BanStoreError(
      'BAN_STORE_UNSUPPORTED_VERSION',
      `version ${JSON.stringify(file.version)}, expected ${FILE_VERSION}`,
    )
  }
  const lists = [file.peers, file.addrs, file.subnets]
  if (!lists.every(Array.isArray))
    throw new BanStoreError('BAN_STORE_CORRUPT', 'peers, addrs and subnets must be lists')
  const [rawPeers, rawAddrs, rawSubnets] = lists as [unknown[], unknown[], unknown[]]
  let skipped = 0
  const record = (value: unknown): Record<string, unknown> | null => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>
    skipped++
    return null
  }

  const peers: BanEntry[] = []
  for (const raw of rawPeers) {
    const e = record(raw)
    if (e === null) continue
    const { peerId, untilMs, score } = e
    const scoreOk = score === null || (typeof score === 'number' && Number.isFinite(score))
    const timeOk = typeof untilMs === 'number' && Number.isFinite(untilMs)
    if (typeof peerId !== 'string' || !PEER_ID_PATTERN.test(peerId) || !scoreOk || !timeOk) {
      skipped++
    } else if (isLive(untilMs, nowMs)) {
      peers.push({ peerId, untilMs, score: score as number | null })
    }
  }

  const blocks = (raws: unknown[], canonical: (text: string) => string | null): AddressBlock[] => {
    const out: AddressBlock[] = []
    for (const raw of raws) {
      const e = record(raw)
      if (e === null) continue
      const address = typeof e.address === 'string' ? canonical(e.address) : null
      if (address === null || typeof e.untilMs !== 'number' || !Number.isFinite(e.untilMs)) {
        skipped++
      } else if (isLive(e.untilMs, nowMs)) {
        out.push({ address, untilMs: e.untilMs })
      }
    }
    return out
  }
  const addrs = blocks(rawAddrs, canonicalIp)
  const subnets = blocks(rawSubnets, canonicalCidr)

  const snapshot: BanSnapshot = {
    peers: bounded(peers, limits.peers),
    addrs: bounded(addrs, limits.addrs),
    subnets: bounded(subnets, limits.subnets),
  }
  const overLimit =
    peers.length +
    addrs.length +
    subnets.length -
    (snapshot.peers.length + snapshot.addrs.length + snapshot.subnets.length)
  return { snapshot, skipped, overLimit }
}

/** The file's text: live entries only, at most `limits` of each kind (those ending last). */
export function serializeBanFile(
  snapshot: BanSnapshot,
  nowMs: number,
  limits: BanFileLimits = BAN_FILE_LIMITS,
): string {
  const live = <T extends { untilMs: number }>(list: T[], max: number) =>
    bounded(
      list.filter((e) => e.untilMs > nowMs),
      max,
    )
  const body = {
    version: FILE_VERSION,
    savedAt: nowMs,
    peers: live(snapshot.peers, limits.peers).map((e) => ({
      peerId: e.peerId,
      untilMs: e.untilMs,
      score: e.score,
    })),
    addrs: live(snapshot.addrs, limits.addrs).map((e) => ({
      address: e.address,
      untilMs: e.untilMs,
    })),
    subnets: live(snapshot.subnets, limits.subnets).map((e) => ({
      address: e.address,
      untilMs: e.untilMs,
    })),
  }
  return `${JSON.stringify(body, null, 1)}\n`
}

/** Writes `text` to `path` through a fsynced temporary file and a rename (never half a file). */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`
  try {
    const fd = openSync(tmp, 'w', 0o644)
    try {
      writeSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}

export interface BanStoreOptions {
  /** The peerstore directory (`--p2p.peerstore.path`); created on the first save */
  dir: string
  /** @default BAN_STORE_SAVE_DELAY_MS (ms) */
  saveDelayMs?: number
  /** @default BAN_FILE_LIMITS */
  limits?: Partial<BanFileLimits>
}

export interface BanStoreModules {
  /** @default silentLogger */
  logger?: Logger
  /** Clock, ms. @default Date.now */
  now?: () => number
}

export interface BanStore {
  /** `<dir>/bans.json` */
  readonly path: string
  /**
   * The saved entries that have not expired. A missing file is an empty snapshot, and so is a
   * damaged one (after a warning; see the note in the implementation). Never throws.
   */
  load(): BanSnapshot
  /** Saves `read()` once the save delay has passed (changes in between share the write). */
  scheduleSave(read: () => BanSnapshot): void
  /** Writes a scheduled save now (at stop). Failures are logged, never thrown. */
  flush(): void
}

export function createBanStore(opts: BanStoreOptions, modules: BanStoreModules = {}): BanStore {
  const path = join(opts.dir, BAN_FILE_NAME)
  const delayMs = opts.saveDelayMs ?? BAN_STORE_SAVE_DELAY_MS
  const limits: BanFileLimits = { ...BAN_FILE_LIMITS, ...opts.limits }
  const log = (modules.logger ?? silentLogger).child({ module: 'ban-store' })
  const now = modules.now ?? Date.now
  let timer: NodeJS.Timeout | null = null
  let pending: (() => BanSnapshot) | null = null

  function readText(): string | null {
    try {
      const size = statSync(path).size
      if (size > MAX_BAN_FILE_SIZE_BYTES) {
        throw new BanStoreError(
          'BAN_STORE_TOO_LARGE',
          `${size} bytes, more than ${MAX_BAN_FILE_SIZE_BYTES}`,
        )
      }
      return readFileSync(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  /**
   * A damaged file is a warning and an empty start, not a refusal to start: we only ever replace
   * the file by a rename, so damage comes from outside (a hand edit, a disk fault, a newer
   * version's format), and a follower should keep following the chain over it; score bans refill
   * within minutes. The file is moved aside to `bans.json.corrupt`, which the next save does not
   * overwrite and the warning names, so manual blocks can be restored by hand. The discovery
   * table (discoveryTable.ts) is treated the same way.
   */
  function setAside(err: Error): void {
    const aside = `${path}.corrupt`
    let movedTo: string | null = aside
    try {
      renameSync(path, aside)
    } catch {
      movedTo = null
    }
    log.warn(
      { path, movedTo, code: (err as BanStoreError).code ?? null, err: err.message },
      'ban file unreadable: starting without saved bans',
    )
  }

  function load(): BanSnapshot {
    let text: string | null
    try {
      text = readText()
    } catch (err) {
      if (err instanceof BanStoreError) setAside(err)
      else log.warn({ path, err: (err as Error).message }, 'cannot read the ban file')
      return emptyBanSnapshot()
    }
    if (text === null) return emptyBanSnapshot()
    try {
      const parsed = parseBanFile(text, now(), limits)
      const { peers, addrs, subnets } = parsed.snapshot
      if (parsed.skipped > 0 || parsed.overLimit > 0) {
        log.warn(
          { path, skipped: parsed.skipped, overLimit: parsed.overLimit },
          'left out entries of the ban file',
        )
      }
      log.info(
        { path, peers: peers.length, addrs: addrs.length, subnets: subnets.length },
        'restored bans',
      )
      return parsed.snapshot
    } catch (err) {
      if (!(err instanceof BanStoreError)) throw err
      setAside(err)
      return emptyBanSnapshot()
    }
  }

  function flush(): void {
    if (timer !== null) clearTimeout(timer)
    timer = null
    const read = pending
    pending = null
    if (read === null) return
    try {
      const text = serializeBanFile(read(), now(), limits)
      mkdirSync(opts.dir, { recursive: true })
      writeFileAtomic(path, text)
      log.debug({ path }, 'saved bans')
    } catch (err) {
      log.warn({ path, err: (err as Error).message }, 'cannot save the ban file')
    }
  }

  return {
    path,
    load,
    scheduleSave(read) {
      pending = read
      if (timer !== null) return
      timer = setTimeout(flush, delayMs)
      timer.unref()
    },
    flush,
  }
}
