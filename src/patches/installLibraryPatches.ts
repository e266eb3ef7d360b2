/**
 * The one place that changes libp2p internals for the whole process. Each patch lives in its own
 * file in this folder with its pinned version and upstream link (libraryPatch.ts);
 * `installLibraryPatches` installs the process-wide ones once, logs once what is in effect, and
 * returns that list. A patch that no longer applies is left out and warned about: the node runs
 * with the library's own behaviour rather than a half-applied change.
 */
import type { Logger } from '../util/logger.ts'
import { coalescingTcpPatch } from './coalescingTcp.ts'
import { idontwantPerRpcPatch } from './idontwantPerRpc.ts'
import { inboundMessageGatePatch } from './inboundMessageGate.ts'
import { lengthPrefixedEncodeLimitPatch } from './lengthPrefixedEncodeLimit.ts'
import { lengthPrefixReadsPatch } from './lengthPrefixReads.ts'
import type { LibraryPatch } from './libraryPatch.ts'
import { strictNoSignAuthorPatch } from './strictNoSignAuthor.ts'
import { unvalidatedNotSeenPatch } from './unvalidatedNotSeen.ts'
import { yamuxWindowUpdatesPatch } from './yamuxWindowUpdates.ts'

/** Every library patch op-gossip carries. */
export const LIBRARY_PATCHES: readonly LibraryPatch[] = [
  lengthPrefixedEncodeLimitPatch,
  yamuxWindowUpdatesPatch,
  lengthPrefixReadsPatch,
  coalescingTcpPatch,
  strictNoSignAuthorPatch,
  inboundMessageGatePatch,
  unvalidatedNotSeenPatch,
  idontwantPerRpcPatch,
]

/** The names in effect, once installed (a process installs once, whatever hosts it starts). */
let installed: readonly string[] | null = null

/**
 * Installs the library patches (idempotent) and returns the names of those in effect; logs the
 * list on the first call only.
 */
export function installLibraryPatches(log: Logger): readonly string[] {
  if (installed !== null) return installed
  const names: string[] = []
  for (const patch of LIBRARY_PATCHES) {
    if (patch.install()) {
      names.push(patch.name)
    } else {
      log.warn(
        { patch: patch.name, package: patch.packageName, writtenFor: patch.writtenForVersion },
        'library patch does not apply: running without it',
      )
    }
  }
  installed = Object.freeze(names)
  log.info({ patches: names }, 'library patches installed')
  return installed
}
