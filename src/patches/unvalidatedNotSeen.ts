/**
 * A message dropped without validation does not count as seen, as in go-libp2p-pubsub.
 *
 * @libp2p/gossipsub puts a message ID in its seen cache on receipt, before validation. When we
 * drop a message without validating it (validation queue full, validation timed out, sender
 * over its rate), a later copy of the same block from an honest peer would be dropped as a
 * duplicate for the whole seen TTL (65 s), and the block is lost. go-libp2p-pubsub marks a
 * message seen only once a validation worker has taken it, so op-node validates that later
 * copy. `forgetUnvalidatedMessage` undoes the receipt after our IGNORE has been reported: the ID
 * leaves the seen cache (the IGNORE already removed it from the mcache) and the score's
 * delivery record goes back from "ignored" to "unknown", so the next copy is validated, scored
 * and forwarded like a first one. The router has no method for this, so it reads two private
 * fields; `unvalidatedNotSeenPatchable` checks they are still there.
 *
 * Upstream: no upstream issue found (searched 2026-12-05). To be filed against libp2p/js-libp2p
 * (@libp2p/gossipsub): "mark a message seen only when validation takes it (as go-libp2p-pubsub),
 * or expose a way to forget an ID that was ignored without validation". Related:
 * ChainSafe/js-libp2p-gossipsub#92 (the order of seen-cache and validation queue in go).
 */

import type { GossipSubInternals } from './gossipsubInternals.ts'
import { gossipSubPrototype, gossipSubSource } from './gossipsubInternals.ts'
import type { LibraryPatch } from './libraryPatch.ts'

/** gossipsub's DeliveryRecordStatus values (score/message-deliveries.js). */
const DELIVERY_UNKNOWN = 0
const DELIVERY_IGNORED = 3

/** The seen-cache write this undoes, as the router's source has it. */
const SEEN_ON_RECEIPT = /this\.seenCache\.put\(msgIdStr\)/

function unvalidatedNotSeenPatchable(): boolean {
  return gossipSubPrototype() !== null && SEEN_ON_RECEIPT.test(gossipSubSource())
}

/**
 * Forgets that `router` saw `msgId` (call after reporting IGNORE for it). False when the router
 * does not have the private state expected (the ID then stays seen, the library's behaviour).
 */
export function forgetUnvalidatedMessage(router: unknown, msgId: string): boolean {
  const r = router as GossipSubInternals
  const seen = r.seenCache?.entries
  if (!(seen instanceof Map)) return false
  seen.delete(msgId)
  const delivery = r.score?.deliveryRecords?.getRecord(msgId)
  if (delivery?.status === DELIVERY_IGNORED) delivery.status = DELIVERY_UNKNOWN
  return true
}

export const unvalidatedNotSeenPatch: LibraryPatch = {
  name: 'unvalidatedNotSeen',
  packageName: '@libp2p/gossipsub',
  writtenForVersion: '17.1.1',
  scope: 'router',
  upstream:
    'no upstream issue found (searched 2026-12-05); to be filed; related ChainSafe/js-libp2p-gossipsub#92',
  applies: unvalidatedNotSeenPatchable,
  // Nothing process-wide: the host calls forgetUnvalidatedMessage on its router.
  install: unvalidatedNotSeenPatchable,
}
