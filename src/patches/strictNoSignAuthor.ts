/**
 * StrictNoSign enforced on receipt as go-libp2p-pubsub enforces it: a message carrying any
 * author field (`from`, `seqno`, `signature` or `key`) is invalid.
 *
 * @libp2p/gossipsub checks only signature, seqno and key under StrictNoSign, so a message with
 * a `from` field alone was accepted and relayed with the field intact, and op-node peers
 * (go-libp2p-pubsub `RejectUnexpectedAuthInfo`) dropped every copy we forwarded and scored us
 * down. This wraps the router's pre-validation once per process: under StrictNoSign a message
 * with `from` is refused there as the library refuses one with a `key` (invalid, before the
 * seen cache, P4 penalty for the sender; op-node's score does the same for
 * RejectUnexpectedAuthInfo). Everything else runs the library's own code unchanged.
 *
 * Upstream: libp2p/js-libp2p#3633 ("fix(gossipsub): enforce StrictNoSign field presence",
 * open). Once a release has it, drop this patch.
 */
import { StrictNoSign } from '@libp2p/gossipsub'
import { MessageStatus, RejectReason, ValidateError } from '@libp2p/gossipsub/types'
import { gossipSubPrototype, gossipSubSource } from './gossipsubInternals.ts'
import type { LibraryPatch } from './libraryPatch.ts'

const INSTALLED = Symbol.for('op-gossip.strictNoSignAuthor')

/** The result the library gives a StrictNoSign message carrying an author key. */
const UNEXPECTED_AUTHOR = Object.freeze({
  code: MessageStatus.invalid,
  reason: RejectReason.Error,
  error: ValidateError.FromPresent,
})

/** True when the router still pre-validates through the method this wraps. */
function strictNoSignAuthorPatchable(): boolean {
  const proto = gossipSubPrototype()
  return (
    proto !== null &&
    typeof proto.validateReceivedMessage === 'function' &&
    /this\.globalSignaturePolicy\b/.test(gossipSubSource())
  )
}

/** Process-wide and idempotent; false (nothing changed) when the router lacks the method. */
export function rejectStrictNoSignAuthor(): boolean {
  const proto = gossipSubPrototype() as
    | (NonNullable<ReturnType<typeof gossipSubPrototype>> & { [INSTALLED]?: true })
    | null
  if (proto?.[INSTALLED] === true) return true
  if (proto === null || !strictNoSignAuthorPatchable()) return false
  const validate = proto.validateReceivedMessage
  proto.validateReceivedMessage = function validateWithoutAuthor(from, msg) {
    if (msg.from != null && this.globalSignaturePolicy === StrictNoSign) {
      return Promise.resolve(UNEXPECTED_AUTHOR)
    }
    return validate.call(this, from, msg)
  }
  proto[INSTALLED] = true
  return true
}

export const strictNoSignAuthorPatch: LibraryPatch = {
  name: 'strictNoSignAuthor',
  packageName: '@libp2p/gossipsub',
  writtenForVersion: '17.1.1',
  scope: 'process',
  upstream: 'libp2p/js-libp2p#3633 (open)',
  applies: strictNoSignAuthorPatchable,
  install: rejectStrictNoSignAuthor,
}
