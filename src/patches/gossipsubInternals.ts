/**
 * @libp2p/gossipsub's router class and the private state the gossipsub patches reach, in one
 * place. The package exports only its factory, so the class is loaded from the module the
 * factory itself imports (same URL, so the same module instance and prototype).
 */
import type { PeerId } from '@libp2p/interface'

/** What gossipsub's per-message pre-validation returns (types.js `MessageStatus` and friends). */
export interface PrevalidationResult {
  code: string
  reason?: string
  error?: string
  msgIdStr?: string
}

/** An RPC message as gossipsub decodes it (the fields the patches read). */
export interface RpcMessage {
  topic: string
  data?: Uint8Array
  from?: Uint8Array
  seqno?: Uint8Array
  signature?: Uint8Array
  key?: Uint8Array
}

/** The router's prototype methods the patches wrap. */
export interface GossipSubPrototype {
  handleReceivedMessage(this: GossipSubInternals, from: PeerId, msg: RpcMessage): Promise<void>
  validateReceivedMessage(
    this: GossipSubInternals,
    from: PeerId,
    msg: RpcMessage,
  ): Promise<PrevalidationResult>
}

/** The router's private fields the patches read (names as gossipsub 17.1.1 declares them). */
export interface GossipSubInternals {
  globalSignaturePolicy: string
  seenCache?: { entries?: Map<string, unknown> }
  score?: {
    deliveryRecords?: { getRecord(msgId: string): { status: number } | undefined }
  }
}

/**
 * One peer's outbound gossipsub stream (stream.js `OutboundStream`): each RPC is one `send()`
 * on the libp2p stream, whose write buffer (@libp2p/utils AbstractMessageStream, one chunk per
 * `send()`) holds what the muxer has not taken yet.
 */
export interface OutboundStreamInternals {
  rawStream: {
    /** Bytes waiting to be written (public in @libp2p/interface's MessageStream) */
    writeBufferLength: number
    /** The buffer itself (protected in AbstractMessageStream): its chunks are the RPCs waiting */
    writeBuffer?: { bufs?: readonly unknown[] }
  }
}

/**
 * The router's outbound streams by peer ID (`streamsOutbound`, declared on the class but not
 * in the package's exported interface), or null when the router no longer has the map.
 */
export function outboundStreamsOf(router: unknown): ReadonlyMap<string, unknown> | null {
  const streams = (router as { streamsOutbound?: unknown } | null)?.streamsOutbound
  return streams instanceof Map ? streams : null
}

const entry = import.meta.resolve('@libp2p/gossipsub')
const routerModule = (await import(new URL('./gossipsub.js', entry).href)) as {
  GossipSub?: unknown
}

/** The class's prototype, or null when the module no longer exports the class. */
export function gossipSubPrototype(): GossipSubPrototype | null {
  const cls = routerModule.GossipSub
  return typeof cls === 'function' ? (cls.prototype as GossipSubPrototype) : null
}

/** The class source, to check the private fields a patch relies on are still there. */
export function gossipSubSource(): string {
  return String(routerModule.GossipSub ?? '')
}
