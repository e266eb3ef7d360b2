/**
 * Our gossipsub settings and the library's, in one table read both ways: forward when the host
 * builds gossipsub's options (gossipsubOptions), backward when it reads the running router's
 * settings back (readRouterSettings, for `opp2p` views and tests). A parameter added to
 * GossipRouterParams fails to compile until it has its gossipsub name here.
 */
import { type GossipsubOpts, type Message, StrictNoSign } from '@libp2p/gossipsub'
import { MAX_GOSSIP_SIZE_BYTES } from '../wire/snappy.ts'
import type { GossipsubRouter } from './gossipsubRouter.ts'
import type { EffectiveRouterSettings } from './hostApi.ts'
import type { GossipRouterParams } from './options.ts'
import type { ScoringConfig } from './scoring.ts'

/** gossipsub option names whose value type is `T`. */
type GossipsubNameOf<T> = {
  [G in keyof GossipsubOpts]-?: NonNullable<GossipsubOpts[G]> extends T ? G : never
}[keyof GossipsubOpts]

/** Our router parameter → gossipsub's option of the same meaning (and the same value type). */
export const GOSSIPSUB_OPTION_NAMES = {
  D: 'D',
  Dlo: 'Dlo',
  Dhi: 'Dhi',
  Dlazy: 'Dlazy',
  Dscore: 'Dscore',
  Dout: 'Dout',
  heartbeatIntervalMs: 'heartbeatInterval',
  mcacheLength: 'mcacheLength',
  mcacheGossip: 'mcacheGossip',
  fanoutTtlMs: 'fanoutTTL',
  seenTtlMs: 'seenTTL',
  floodPublish: 'floodPublish',
  doPX: 'doPX',
  gossipFactor: 'gossipFactor',
  prunePeers: 'prunePeers',
  pruneBackoffMs: 'pruneBackoff',
  // The library's spelling.
  unsubscribeBackoffMs: 'unsubcribeBackoff',
  graftFloodThresholdMs: 'graftFloodThreshold',
  opportunisticGraftTicks: 'opportunisticGraftTicks',
  opportunisticGraftPeers: 'opportunisticGraftPeers',
  iwantFollowupMs: 'gossipsubIWantFollowupMs',
  idontwantMinDataSizeBytes: 'idontwantMinDataSize',
  idontwantMaxMessages: 'idontwantMaxMessages',
} as const satisfies {
  [K in keyof GossipRouterParams]: GossipsubNameOf<GossipRouterParams[K]>
}

const ROUTER_PARAMS = Object.keys(GOSSIPSUB_OPTION_NAMES) as (keyof GossipRouterParams)[]

/**
 * Bytes gossipsub may buffer towards one slow peer before it resets that stream (the library's
 * default is unbounded). Three maximum-size messages.
 */
export const MAX_OUTBOUND_BUFFER_BYTES = 3 * MAX_GOSSIP_SIZE_BYTES

/** gossipsub's names and values for our router parameters (the table, forward). */
export function toGossipsubParams(params: GossipRouterParams): Partial<GossipsubOpts> {
  const out: Record<string, number | boolean> = {}
  for (const key of ROUTER_PARAMS) out[GOSSIPSUB_OPTION_NAMES[key]] = params[key]
  return out as Partial<GossipsubOpts>
}

/** Our router parameters from gossipsub's options (the table, backward). */
export function fromGossipsubParams(opts: Readonly<Record<string, unknown>>): GossipRouterParams {
  const out: Record<string, unknown> = {}
  for (const key of ROUTER_PARAMS) out[key] = opts[GOSSIPSUB_OPTION_NAMES[key]]
  return out as unknown as GossipRouterParams
}

/**
 * gossipsub RPC decoding bounds: the library's defaults, except IDONTWANT IDs raised to the
 * per-heartbeat limit we configure (go-libp2p-pubsub's MaxIDontWantMessages).
 */
function decodeRpcLimits(router: GossipRouterParams) {
  return {
    maxSubscriptions: 5000,
    maxMessages: 5000,
    maxIhaveMessageIDs: 5000,
    maxIwantMessageIDs: 5000,
    maxIdontwantMessageIDs: router.idontwantMaxMessages,
    maxControlMessages: 5000,
    maxPeerInfos: 16,
  }
}

export interface GossipsubParts {
  /** The chain's block topics: the only ones gossipsub accepts */
  topics: readonly string[]
  scoring: ScoringConfig
  /** The message pipeline's ID function and its string form */
  msgIdFn: (msg: Message) => Uint8Array
  msgIdToStrFn: (id: Uint8Array) => string
  metrics?: Pick<GossipsubOpts, 'metricsRegister' | 'metricsTopicStrToLabel'> | undefined
}

/** gossipsub's options as op-node runs it (op-gossip.md §5): our parameters plus fixed ones. */
export function gossipsubOptions(
  router: GossipRouterParams,
  parts: GossipsubParts,
): Partial<GossipsubOpts> {
  return {
    ...toGossipsubParams(router),
    // Our own block is encoded into one RPC for every mesh peer instead of once per peer; the
    // RPC then carries no piggybacked control messages, which go out on their own.
    batchPublish: true,
    decodeRpcLimits: decodeRpcLimits(router),
    // go-libp2p-pubsub offers /floodsub/1.0.0 too, and so does op-node.
    fallbackToFloodsub: true,
    directPeers: [],
    globalSignaturePolicy: StrictNoSign,
    msgIdFn: parts.msgIdFn,
    msgIdToStrFn: parts.msgIdToStrFn,
    asyncValidation: true,
    allowedTopics: [...parts.topics],
    maxInboundDataLength: MAX_GOSSIP_SIZE_BYTES,
    maxOutboundBufferSize: MAX_OUTBOUND_BUFFER_BYTES,
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    scoreParams: parts.scoring.params,
    scoreThresholds: parts.scoring.thresholds,
    ...parts.metrics,
  }
}

/** The settings the running router actually has. */
export function readRouterSettings(router: GossipsubRouter): EffectiveRouterSettings {
  const o = router.opts
  return {
    ...fromGossipsubParams(o),
    signaturePolicy: router.globalSignaturePolicy,
    asyncValidation: o.asyncValidation as boolean,
    allowedTopics: [...(o.allowedTopics as Iterable<string>)],
    maxInboundDataLengthBytes: o.maxInboundDataLength as number,
    fallbackToFloodsub: o.fallbackToFloodsub as boolean,
    protocols: [...router.protocols],
    scoreThresholds: { ...(o.scoreThresholds as Record<string, number>) },
    scoreParams: { ...(o.scoreParams as Record<string, unknown>) },
  }
}
