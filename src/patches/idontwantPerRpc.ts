/**
 * IDONTWANT once per received RPC and topic, as go-libp2p-pubsub sends it.
 *
 * @libp2p/gossipsub sends one IDONTWANT RPC to every mesh peer for each large message it sees
 * first, so an RPC packing 16 messages costs 16 small RPCs per mesh peer (each encoded,
 * encrypted and written alone) and as many reads at each of them. go-libp2p-pubsub
 * (`GossipSubRouter.Preprocess`) collects the IDs of one received RPC per topic and sends them
 * in one IDONTWANT to each mesh peer but the sender. This wraps the router's `sendIDontWants`:
 * IDs are collected per (topic, sender) and sent at the end of the current microtask run, which
 * is when every message of the RPC being handled has had its ID and seen check (gossipsub starts
 * them all in one loop and they advance in step). Recipients are chosen as the library chooses
 * them (mesh peers of the topic but the sender, on a protocol with IDONTWANT). One IDONTWANT
 * carries at most IDONTWANT_IDS_PER_RPC IDs: a go peer reads no more of one.
 *
 * What goes on the wire is what a go peer sends for the same RPC. An honest block comes alone
 * in its RPC, so its IDONTWANT is unchanged; a flooder's multi-message RPCs no longer multiply
 * into one write per message per mesh peer on this node and on every one of its mesh peers.
 *
 * Upstream: no upstream issue found (searched 2026-12-05). To be filed against libp2p/js-libp2p
 * (@libp2p/gossipsub): "send IDONTWANT once per received RPC and topic, as go-libp2p-pubsub's
 * Preprocess does". Related: ChainSafe/js-libp2p-gossipsub#498 (IDONTWANT in js, one per
 * message), libp2p/rust-libp2p#6356 (fewer redundant IDONTWANTs).
 */
import { gossipSubPrototype } from './gossipsubInternals.ts'
import type { LibraryPatch } from './libraryPatch.ts'

/** go-libp2p-pubsub GossipSubMaxIDontWantLength: a go peer reads no more IDs of one IDONTWANT. */
export const IDONTWANT_IDS_PER_RPC = 10

const entry = import.meta.resolve('@libp2p/gossipsub')
const constantsModule = (await import(new URL('./constants.js', entry).href)) as {
  protocolSupportsFeature?: (protocol: string | undefined, feature: string) => boolean
  GossipsubFeature?: { IDontWant?: string }
}

/** The router state this patch reads and the method it sends with (gossipsub 17.1.1). */
interface IdontwantRouter {
  mesh: Map<string, Set<string>>
  streamsOutbound: Map<string, { protocol?: string }>
  sendRpcInBatch(tosend: Set<string>, rpc: unknown): void
  [PENDING]?: Map<string, PendingIds>
}

interface PendingIds {
  topic: string
  source: string
  ids: Uint8Array[]
}

type SendIDontWants = (
  this: IdontwantRouter,
  msgId: Uint8Array,
  topic: string,
  source: string,
) => void

const PENDING = Symbol.for('op-gossip.idontwantPending')
const INSTALLED = Symbol.for('op-gossip.idontwantPerRpcInstalled')

type PatchableProto = { sendIDontWants?: SendIDontWants; [INSTALLED]?: true }

/** The library's own test of a peer's protocol for IDONTWANT; null when it is gone. */
const takesIdontwant: ((protocol: string | undefined) => boolean) | null = (() => {
  const supports = constantsModule.protocolSupportsFeature
  const feature = constantsModule.GossipsubFeature?.IDontWant
  if (typeof supports !== 'function' || typeof feature !== 'string') return null
  return (protocol) => supports(protocol, feature)
})()

function patchableProto(): PatchableProto | null {
  const proto = gossipSubPrototype() as PatchableProto | null
  if (proto === null || typeof proto.sendIDontWants !== 'function') return null
  return takesIdontwant === null ? null : proto
}

/** The IDONTWANT RPC for `ids` (gossipsub's createGossipRpc shape). */
function idontwantRpc(ids: Uint8Array[]) {
  return {
    subscriptions: [],
    messages: [],
    control: { graft: [], prune: [], ihave: [], iwant: [], idontwant: [{ messageIDs: ids }] },
  }
}

/** Mesh peers of `topic` but `source` whose protocol has IDONTWANT (the library's choice). */
function recipients(
  router: IdontwantRouter,
  topic: string,
  source: string,
  takes: (protocol: string | undefined) => boolean,
): Set<string> {
  const out = new Set<string>()
  for (const id of router.mesh.get(topic) ?? []) {
    if (id !== source && takes(router.streamsOutbound.get(id)?.protocol)) out.add(id)
  }
  return out
}

/** Sends every IDONTWANT collected on `router` since the last flush. */
export function flushIdontwants(router: IdontwantRouter): void {
  const pending = router[PENDING]
  if (pending === undefined || takesIdontwant === null) return
  delete router[PENDING]
  for (const { topic, source, ids } of pending.values()) {
    const tosend = recipients(router, topic, source, takesIdontwant)
    if (tosend.size === 0) continue
    for (let i = 0; i < ids.length; i += IDONTWANT_IDS_PER_RPC) {
      router.sendRpcInBatch(new Set(tosend), idontwantRpc(ids.slice(i, i + IDONTWANT_IDS_PER_RPC)))
    }
  }
}

/** Process-wide and idempotent; false (nothing changed) when the router lacks what it needs. */
export function installIdontwantPerRpc(): boolean {
  const proto = patchableProto()
  if (proto === null) return false
  if (proto[INSTALLED] === true) return true
  proto.sendIDontWants = function collectIDontWant(this: IdontwantRouter, msgId, topic, source) {
    let pending = this[PENDING]
    if (pending === undefined) {
      pending = new Map()
      this[PENDING] = pending
      queueMicrotask(() => flushIdontwants(this))
    }
    const key = `${topic}\n${source}`
    const batch = pending.get(key)
    if (batch === undefined) pending.set(key, { topic, source, ids: [msgId] })
    else batch.ids.push(msgId)
  }
  proto[INSTALLED] = true
  return true
}

export const idontwantPerRpcPatch: LibraryPatch = {
  name: 'idontwantPerRpc',
  packageName: '@libp2p/gossipsub',
  writtenForVersion: '17.1.1',
  scope: 'process',
  upstream:
    'no upstream issue found (searched 2026-12-05); related ChainSafe/js-libp2p-gossipsub#498 (IDONTWANT per message)',
  applies: () => patchableProto() !== null,
  install: installIdontwantPerRpc,
}
