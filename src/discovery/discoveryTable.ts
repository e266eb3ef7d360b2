/**
 * `--p2p.discovery.path`: the discv5 table (signed ENRs) saved to a JSON file so a restart starts
 * from the peers it knew instead of only the bootnodes (op-node keeps go-ethereum's node DB there).
 * Format: `{ "version": 1, "savedAt": <unix ms>, "enrs": ["enr:…", …] }`, written atomically.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { ENR } from '@chainsafe/enr'
import { type Logger, silentLogger } from '../util/logger.ts'

/**
 * Records kept in the file. A discv5 table rarely holds more than ~200 (only the closest
 * buckets fill up); each record's signature check is a pure-JS secp256k1 verification.
 */
export const MAX_PERSISTED_ENRS = 500

/** Larger files are not ours (500 records of at most 300 bytes, base64, fit in ~0.25 MB). */
export const MAX_DISCOVERY_FILE_SIZE_BYTES = 1024 * 1024

/** Records checked between two yields to the event loop while loading. */
const RECORDS_PER_YIELD = 20

/** `--p2p.discovery.path memory` keeps the table in memory only (op-node's keyword). */
export const IN_MEMORY_DISCOVERY_PATH = 'memory'

const FILE_VERSION = 1

/**
 * Loads the saved records: a missing file is an empty table; an unreadable, oversized or corrupt
 * file is logged and treated as empty (the node still starts from its bootnodes); records whose
 * signature does not verify are skipped. Only the first MAX_PERSISTED_ENRS entries are looked at.
 */
export async function loadDiscoveryTable(
  path: string,
  logger: Logger = silentLogger,
): Promise<ENR[]> {
  let text: string
  try {
    const size = statSync(path).size
    if (size > MAX_DISCOVERY_FILE_SIZE_BYTES) {
      logger.warn({ path, size }, 'discovery table file too large: ignored')
      return []
    }
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      logger.warn(
        { path, err: (err as Error).message },
        'cannot read the discovery table: starting cold',
      )
    }
    return []
  }
  let entries: unknown
  try {
    entries = (JSON.parse(text) as { enrs?: unknown }).enrs
  } catch {
    logger.warn({ path }, 'discovery table file is not JSON: starting cold')
    return []
  }
  if (!Array.isArray(entries)) {
    logger.warn({ path }, 'discovery table file has no enrs list: starting cold')
    return []
  }
  const enrs: ENR[] = []
  let skipped = 0
  for (const [i, entry] of entries.slice(0, MAX_PERSISTED_ENRS).entries()) {
    // Signature checks are slow: let gossip validation run in between.
    if (i > 0 && i % RECORDS_PER_YIELD === 0) await new Promise((resolve) => setImmediate(resolve))
    try {
      if (typeof entry !== 'string') throw new Error('not a string')
      enrs.push(ENR.decodeTxt(entry))
    } catch {
      skipped++
    }
  }
  if (skipped > 0)
    logger.warn({ path, skipped }, 'skipped unreadable records in the discovery table')
  return enrs
}

/** Writes the records (at most MAX_PERSISTED_ENRS) via a temporary file and a rename. */
export function saveDiscoveryTable(path: string, enrs: readonly ENR[]): void {
  const body = {
    version: FILE_VERSION,
    savedAt: Date.now(),
    enrs: enrs.slice(0, MAX_PERSISTED_ENRS).map((e) => e.encodeTxt()),
  }
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, `${JSON.stringify(body, null, 1)}\n`)
  renameSync(tmp, path)
}
