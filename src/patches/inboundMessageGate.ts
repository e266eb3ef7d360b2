/**
 * A per-router gate in front of each received gossip message, before its message ID is
 * computed.
 *
 * gossipsub computes the ID of every received message (for us: Snappy decoding and a hash)
 * before it can tell a duplicate, and has no per-peer limit on messages, so a peer flooding
 * re-encoded copies of a block (same payload, other Snappy bytes, new bytes each time) costs a
 * decompression and a hash per copy, without limit and without penalty. go-libp2p-pubsub has
 * no per-peer limit either (only a global validate throttle). This wraps the router's
 * per-message handler once per process: when the router has a gate set (`setInboundMessageGate`)
 * and the gate refuses the message, it is dropped before anything else (no ID, not marked seen,
 * no score change); otherwise the library's handler runs unchanged.
 *
 * Upstream: no upstream issue found (searched 2026-12-05). To be filed against libp2p/js-libp2p
 * (@libp2p/gossipsub): "an inbound message hook per peer before message-ID computation (rate
 * limits)". Related: libp2p/go-libp2p-pubsub#172 (per-peer bandwidth limiting) and
 * ChainSafe/js-libp2p-gossipsub#86 (validation throttling).
 */
import type { PeerId } from '@libp2p/interface'
import {
  type GossipSubInternals,
  gossipSubPrototype,
  type RpcMessage,
} from './gossipsubInternals.ts'
import type { LibraryPatch } from './libraryPatch.ts'

/** Returns false to drop the message from `from` unprocessed. */
export type InboundMessageGate = (from: PeerId, msg: RpcMessage) => boolean

const GATE = Symbol.for('op-gossip.inboundMessageGate')
const INSTALLED = Symbol.for('op-gossip.inboundMessageGateInstalled')

type GatedRouter = GossipSubInternals & { [GATE]?: InboundMessageGate }

/** One settled promise for every dropped message (the caller only attaches a catch). */
const DROPPED = Promise.resolve()

function inboundMessageGatePatchable(): boolean {
  return typeof gossipSubPrototype()?.handleReceivedMessage === 'function'
}

/** Process-wide and idempotent; false (nothing changed) when the router lacks the handler. */
export function installInboundMessageGate(): boolean {
  const proto = gossipSubPrototype() as
    | (NonNullable<ReturnType<typeof gossipSubPrototype>> & { [INSTALLED]?: true })
    | null
  if (proto?.[INSTALLED] === true) return true
  if (proto === null || !inboundMessageGatePatchable()) return false
  const handle = proto.handleReceivedMessage
  proto.handleReceivedMessage = function handleGated(this: GatedRouter, from, msg) {
    const gate = this[GATE]
    if (gate !== undefined && !gate(from, msg)) return DROPPED
    return handle.call(this, from, msg)
  }
  proto[INSTALLED] = true
  return true
}

/** Sets (or with null, removes) the gate of one router. */
export function setInboundMessageGate(router: unknown, gate: InboundMessageGate | null): void {
  const r = router as GatedRouter
  if (gate === null) delete r[GATE]
  else r[GATE] = gate
}

export const inboundMessageGatePatch: LibraryPatch = {
  name: 'inboundMessageGate',
  packageName: '@libp2p/gossipsub',
  writtenForVersion: '17.1.1',
  scope: 'process',
  upstream: 'no upstream issue found (searched 2026-12-05); related libp2p/go-libp2p-pubsub#172',
  applies: inboundMessageGatePatchable,
  install: installInboundMessageGate,
}
