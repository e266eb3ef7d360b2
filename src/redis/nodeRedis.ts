/**
 * The Redis road's place in the node (src/node.ts calls these two): stream blocks go to the same
 * consumers as gossip blocks, in the same order; blocks accepted from gossip and the node's own
 * published blocks go to the stream.
 */
import type { ChainConfig } from '../chains/types.ts'
import type { EngineDriver } from '../engine/engineDriver.ts'
import type { GossipHost } from '../gossip/hostApi.ts'
import type { BlockConsumer } from '../gossip/types.ts'
import type { BlockValidator, SignerPolicy } from '../gossip/validator.ts'
import type { Observability } from '../metrics/observability.ts'
import type { Logger } from '../util/logger.ts'
import { createRedisMetrics } from './redisMetrics.ts'
import type { RedisOptions } from './redisOptions.ts'
import { createRedisRoad, type RedisRoad } from './redisRoad.ts'

export interface NodeRedisParts {
  chain: ChainConfig
  timestampThresholdSeconds: number
  /** The node's gossip validator (its signer and seen caches are shared) */
  validator: BlockValidator
  signer: SignerPolicy
  engine: Pick<EngineDriver, 'onBlock' | 'status'> | null
  obs: Pick<Observability, 'onAcceptedBlock' | 'registry'>
  log: Logger
  /** The node's extra consumers (live set: node.addConsumer adds to it) */
  consumers: ReadonlySet<BlockConsumer>
}

/** The Redis road of a node, null when `redis` is off. */
export function createNodeRedis(
  redis: RedisOptions | null | undefined,
  parts: NodeRedisParts,
): RedisRoad | null {
  if (redis === undefined || redis === null) return null
  const { engine, obs, log } = parts
  return createRedisRoad(
    { ...redis, chain: parts.chain, timestampThresholdSeconds: parts.timestampThresholdSeconds },
    {
      validator: parts.validator,
      signer: parts.signer,
      deliver(block) {
        // The order of gossip blocks: the timeline first, then the EL, then the others.
        obs.onAcceptedBlock(block)
        engine?.onBlock(block.envelope, block)
        for (const consumer of parts.consumers) {
          const failed = (err: unknown) => log.warn({ err: String(err) }, 'block consumer failed')
          try {
            Promise.resolve(consumer.onBlock(block)).catch(failed)
          } catch (err) {
            failed(err)
          }
        }
      },
      elHead() {
        const confirmed = engine?.status().confirmed
        return confirmed === undefined || confirmed === null ? null : BigInt(confirmed.number)
      },
      log,
      metrics: obs.registry === null ? null : createRedisMetrics(obs.registry),
    },
  )
}

/** Blocks accepted from gossip and the node's own published blocks go to the stream. */
export function attachRedisPublisher(host: GossipHost, redis: RedisRoad): void {
  if (redis.publisher === null) return
  host.addConsumer({ onBlock: (block) => redis.onGossipBlock(block) })
  const publish = host.publish
  host.publish = async (block) => {
    const firstSeenMs = Date.now()
    const published = await publish(block)
    redis.onOwnBlock(block.data, published, firstSeenMs)
    return published
  }
}
