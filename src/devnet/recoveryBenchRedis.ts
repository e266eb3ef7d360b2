/**
 * The Redis parts of `bench recovery --mechanism redis`: a local redis-server (./devnetRedis.ts),
 * the sequencer side appending every block to the stream as a publisher node does, and the
 * restarted follower's subscriber, which finds its EL head in the stream and replays forward
 * through the gossip validator (the node's Redis road without the node around it). Every command
 * the subscriber sends is counted: the requests it made to catch up.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BuiltBlock } from '../blocks/blockBuilder.ts'
import type { ChainConfig } from '../chains/types.ts'
import type { AcceptedBlock } from '../gossip/types.ts'
import { createBlockValidator } from '../gossip/validator.ts'
import { createRedisConnection, type RedisConnection } from '../redis/redisConnection.ts'
import { defaultRedisStream } from '../redis/redisOptions.ts'
import { createRedisPublisher, type RedisPublisher } from '../redis/redisPublisher.ts'
import { REPLAY_TIMESTAMP_THRESHOLD_SECONDS } from '../redis/redisRoad.ts'
import { createRedisSubscriber, type RedisSubscriber } from '../redis/redisSubscriber.ts'
import { silentLogger } from '../util/logger.ts'
import { computeMessageId } from '../wire/msgId.ts'
import { REDIS_SERVER_INSTALL_HINT, redisServerAvailable, startDevnetRedis } from './devnetRedis.ts'

/** Stream length the bench's publisher keeps: the whole run fits. */
const RECOVERY_STREAM_MAXLEN = 100_000

/** Why the Redis mechanism cannot run here, or null when it can. */
export function redisMechanismUnavailable(): string | null {
  return redisServerAvailable() ? null : `redis-server missing (${REDIS_SERVER_INSTALL_HINT})`
}

export interface RecoveryRedis {
  /** The sequencer side: appends a block to the stream (as a publisher node would) */
  publish(block: BuiltBlock): void
  /** Resolves once every published block is in the stream */
  drained(): Promise<void>
  /**
   * Starts the restarted follower's subscriber: it reads `elHead` once to find where to replay
   * from, then delivers every stream block to `deliver`
   */
  subscribe(deliver: (block: AcceptedBlock) => void, elHead: () => bigint | null): void
  /** Commands the subscriber sent so far (XREVRANGE pages of the replay start, XREADs) */
  requests(): number
  stop(): Promise<void>
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

/** A connection that counts the commands sent through it. */
function counted(connection: RedisConnection, count: () => void): RedisConnection {
  return {
    command(args) {
      count()
      return connection.command(args)
    },
    get ready() {
      return connection.ready
    },
    whenReady: () => connection.whenReady(),
    open: () => connection.open(),
    close: () => connection.close(),
  }
}

/**
 * Starts redis-server in a temporary directory and the publisher.
 * @throws OpGossipError DEVNET_REDIS_START_FAILED when the server does not come up
 */
export async function startRecoveryRedis(
  chain: ChainConfig,
  signer: Uint8Array,
): Promise<RecoveryRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'op-gossip-recovery-redis-'))
  const server = await startDevnetRedis(dir).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true })
    throw err
  })
  const stream = defaultRedisStream(chain.chainId)
  const log = silentLogger
  const publisherConnection = createRedisConnection({ url: server.url }, { log, role: 'publisher' })
  publisherConnection.open()
  const publisher: RedisPublisher = createRedisPublisher(
    { stream, maxLen: RECOVERY_STREAM_MAXLEN },
    { connection: publisherConnection, log, metrics: null },
  )
  let subscriber: RedisSubscriber | null = null
  let requests = 0

  return {
    publish(block) {
      publisher.append({
        topic: block.topic,
        data: block.data,
        blockNumber: block.blockNumber,
        blockHash: `0x${hex(block.blockHash)}`,
        messageId: hex(computeMessageId(block.topic, block.data)),
        firstSeenMs: Date.now(),
      })
    },
    drained: () => publisher.drained(),
    subscribe(deliver, elHead) {
      // The Redis road's replay validator: gossip's rules with no lower timestamp bound.
      const validator = createBlockValidator({
        chain,
        signer: () => signer,
        timestampThresholdSeconds: REPLAY_TIMESTAMP_THRESHOLD_SECONDS,
      })
      const connection = counted(
        createRedisConnection({ url: server.url }, { log, role: 'subscriber' }),
        () => {
          requests++
        },
      )
      connection.open()
      subscriber = createRedisSubscriber(
        { stream, timestampThresholdSeconds: REPLAY_TIMESTAMP_THRESHOLD_SECONDS },
        {
          connection,
          validate: (topic, data, decompressed) =>
            validator.validate(topic, data, { decompressed }),
          deliver: (block) => deliver(block),
          elHead,
          log,
          metrics: null,
        },
      )
      subscriber.start()
    },
    requests: () => requests,
    async stop() {
      await subscriber?.stop()
      publisher.stop()
      await publisherConnection.close()
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
