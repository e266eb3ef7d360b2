/**
 * The Redis road as one node part: the publisher (blocks accepted from gossip and the node's own
 * blocks → the stream) and the subscriber (the stream → the gossip validator → the node's block
 * consumers), each on its own connection (a blocking XREAD holds its connection).
 *
 * Subscribed entries go through a second instance of the gossip validator that shares the gossip
 * validator's signer and per-height seen caches: the same rules, and a block gossip delivered
 * first is a duplicate. The one difference is replay: no timestamp-too-old bound, since a block
 * a restarted node replays may be hours old; such blocks go to the EL and are never re-gossiped
 * (this node never re-gossips stream blocks at all).
 */
import type { ChainConfig } from '../chains/types.ts'
import type { HostValidationResult, HostValidator, PublishedMessage } from '../gossip/hostApi.ts'
import type { AcceptedBlock } from '../gossip/types.ts'
import {
  type BlockValidator,
  createBlockValidator,
  type SignerPolicy,
} from '../gossip/validator.ts'
import type { Startable } from '../util/lifecycle.ts'
import type { Logger } from '../util/logger.ts'
import { decodeSignedEnvelope } from '../wire/envelope.ts'
import { snappyDecodedLength, snappyUncompress } from '../wire/snappy.ts'
import { parseBlocksTopic } from '../wire/topics.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import { createRedisConnection, type RedisConnection } from './redisConnection.ts'
import type { RedisMetrics } from './redisMetrics.ts'
import { describeRedisTarget, type RedisOptions } from './redisOptions.ts'
import { createRedisPublisher, type RedisPublisher } from './redisPublisher.ts'
import { createRedisSubscriber, type RedisSubscriber } from './redisSubscriber.ts'

/** Replay has no lower timestamp bound (see module doc). */
export const REPLAY_TIMESTAMP_THRESHOLD_SECONDS = Number.MAX_SAFE_INTEGER

export interface RedisRoadOptions extends RedisOptions {
  chain: ChainConfig
  /** Gossip's threshold: older stream blocks count as replayed */
  timestampThresholdSeconds: number
}

export interface RedisRoadModules {
  /** The node's gossip validator (its seen caches are shared) */
  validator: BlockValidator
  signer: SignerPolicy
  /** Receives every block accepted from the stream (the node's consumers) */
  deliver(block: AcceptedBlock): void
  elHead(): bigint | null
  log: Logger
  metrics: RedisMetrics | null
  now?: () => number
}

export interface RedisRoad extends Startable {
  /** Wraps the host's validator to keep each accepted message's exact bytes (publishers only) */
  captureGossipBytes(validator: HostValidator): HostValidator
  /** A block the node accepted from gossip (publishers append it) */
  onGossipBlock(block: AcceptedBlock): void
  /** A block this node published itself (publishers append it) */
  onOwnBlock(data: Uint8Array, published: PublishedMessage, firstSeenMs: number): void
  readonly publisher: RedisPublisher | null
  readonly subscriber: RedisSubscriber | null
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Every topic's seen cache of `validator`, handed out in topic order to a second validator. */
function sharedSeenBlocks(validator: BlockValidator) {
  let next = 0
  return () => {
    const seen = validator.seenBlocksFor(validator.topics[next++] ?? '')
    if (seen === undefined) throw new RangeError('more seen caches asked for than topics')
    return seen
  }
}

export function createRedisRoad(opts: RedisRoadOptions, modules: RedisRoadModules): RedisRoad {
  const log = modules.log.child({ module: 'redis' })
  const { metrics } = modules
  const now = modules.now ?? Date.now
  const connections: RedisConnection[] = []
  const connect = (role: string) => {
    const connection = createRedisConnection(opts, {
      log,
      role,
      onReconnect: () => metrics?.reconnectsTotal.inc(),
    })
    connections.push(connection)
    return connection
  }

  const publisher = opts.publish
    ? createRedisPublisher(opts, { connection: connect('publisher'), log, metrics })
    : null
  /** The exact gossip bytes of each accepted message, until its envelope is collected */
  const bytesOf = new WeakMap<SignedEnvelope, Uint8Array>()

  let subscriber: RedisSubscriber | null = null
  if (opts.subscribe) {
    const replayValidator = createBlockValidator({
      chain: opts.chain,
      signer: modules.signer,
      timestampThresholdSeconds: REPLAY_TIMESTAMP_THRESHOLD_SECONDS,
      createSeenBlocks: sharedSeenBlocks(modules.validator),
      ...(modules.now === undefined ? {} : { now: modules.now }),
    })
    subscriber = createRedisSubscriber(
      { stream: opts.stream, timestampThresholdSeconds: opts.timestampThresholdSeconds },
      {
        connection: connect('subscriber'),
        validate: (topic, data, decompressed) =>
          replayValidator.validate(topic, data, { decompressed }),
        deliver: (block) => modules.deliver(block),
        elHead: modules.elHead,
        log,
        metrics,
        now,
      },
    )
  }

  function keep(result: HostValidationResult, data: Uint8Array): HostValidationResult {
    if (result.verdict === 'accept') bytesOf.set(result.envelope, data)
    return result
  }

  return {
    publisher,
    subscriber,
    captureGossipBytes(validator) {
      if (publisher === null) return validator
      return {
        validate(topic, data, validateOpts) {
          const result = validator.validate(topic, data, validateOpts)
          return result instanceof Promise ? result.then((r) => keep(r, data)) : keep(result, data)
        },
      }
    },
    onGossipBlock(block) {
      const data = bytesOf.get(block.envelope)
      if (publisher === null || data === undefined) return
      const payload = block.envelope.payload
      publisher.append({
        topic: block.topic,
        data,
        blockNumber: payload.blockNumber,
        blockHash: `0x${hex(payload.blockHash)}`,
        messageId: hex(block.messageId),
        firstSeenMs: block.firstSeenMs,
      })
    },
    onOwnBlock(data, published, firstSeenMs) {
      const version = parseBlocksTopic(published.topic)?.version
      if (publisher === null || version === undefined) return
      let envelope: SignedEnvelope
      try {
        // Own blocks only (one per block time): decoding them again costs the gossip path nothing.
        envelope = decodeSignedEnvelope(snappyUncompress(data, snappyDecodedLength(data)), version)
      } catch (err) {
        // Unreachable for a block gossip validation accepted; never fail the publish over it.
        log.warn({ err: String(err) }, 'own block not appended to the stream')
        return
      }
      publisher.append({
        topic: published.topic,
        data,
        blockNumber: envelope.payload.blockNumber,
        blockHash: `0x${hex(envelope.payload.blockHash)}`,
        messageId: published.messageId,
        firstSeenMs,
      })
    },
    async start() {
      for (const connection of connections) connection.open()
      subscriber?.start()
      log.info(
        {
          redis: describeRedisTarget(opts),
          stream: opts.stream,
          publish: opts.publish,
          subscribe: opts.subscribe,
        },
        'redis road started',
      )
    },
    async stop() {
      await subscriber?.stop()
      publisher?.stop()
      await Promise.all(connections.map((c) => c.close()))
    },
  }
}
