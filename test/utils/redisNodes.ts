/**
 * Nodes for the Redis road e2e tests: a gossip sequencer (test/utils/mesh.ts) feeding publisher
 * nodes over real libp2p, subscriber nodes with an el-sim EL, a raw Redis client to look at and
 * forge stream entries. Everything on 127.0.0.1.
 */
import { createClient, RESP_TYPES } from 'redis'
import { type BuiltBlock, createBlockBuilder, devnetKey } from '../../src/blocks/blockBuilder.ts'
import type { ChainConfig } from '../../src/chains/types.ts'
import type { ElSim } from '../../src/engine/elSim.ts'
import { createNode, type NodeOptions, type OpGossipNode } from '../../src/node.ts'
import type { RedisOptions } from '../../src/redis/redisOptions.ts'
import { decodeStreamEntry, type StreamEntry } from '../../src/redis/streamEntry.ts'
import { rangeEntriesOf } from '../../src/redis/streamReplies.ts'
import { computeMessageId } from '../../src/wire/msgId.ts'
import { type MeshNode, SEQUENCER_ADDRESS, SEQUENCER_KEY, waitFor } from './mesh.ts'

export const REDIS_JWT_SECRET = devnetKey('op-gossip redis e2e jwt')

/** Fresh blocks (timestamps follow the wall clock: gossip refuses blocks older than 60 s). */
export function freshBlocks(chain: ChainConfig, seed: number) {
  const builder = createBlockBuilder({
    chain,
    privateKey: SEQUENCER_KEY,
    seed,
    txCount: 2,
  })
  let last = 0n
  return {
    next(): BuiltBlock {
      const now = BigInt(Math.floor(Date.now() / 1000) - 5)
      const block = builder.next({ timestamp: last + 1n > now ? last + 1n : now })
      last = block.timestamp
      return block
    },
  }
}

export function redisNodeOptions(
  chain: ChainConfig,
  redis: Partial<RedisOptions> & Pick<RedisOptions, 'url'>,
  el: ElSim | null,
): NodeOptions {
  return {
    chain,
    peerKey: devnetKey(`redis node ${Math.random()}`),
    gossip: {
      listenIp: '127.0.0.1',
      listenTcpPort: 0,
      ipColocation: false,
      inboundConnectionsPerIpPerSecond: 1000,
    },
    signer: { configuredSigner: `0x${Buffer.from(SEQUENCER_ADDRESS).toString('hex')}` },
    discovery: null,
    // The warm-up has its own tests; here it would only add seconds.
    warmUp: false,
    logBlocks: false,
    metrics: { host: '127.0.0.1', port: 0 },
    engine:
      el === null
        ? null
        : {
            engineUrl: el.url,
            jwtSecret: REDIS_JWT_SECRET,
            sync: { syncPollIntervalMs: 25, headPollIntervalMs: 100, fcuRefreshIntervalMs: 100 },
          },
    redis: {
      publish: false,
      subscribe: false,
      stream: `op-gossip:${chain.chainId}:blocks`,
      maxLen: 10_000,
      ...redis,
    },
  }
}

export async function startRedisNode(opts: NodeOptions): Promise<OpGossipNode> {
  const node = createNode(opts)
  await node.start()
  return node
}

/** Connects `sender` to `node` and waits until they share the v4 mesh. */
export async function meshWith(sender: MeshNode, node: OpGossipNode): Promise<void> {
  await sender.host.dial(node.host.listenAddresses()[0] as string)
  const topic = sender.host.topics[3] as string
  await waitFor('the node in the sender mesh', () =>
    (sender.host.meshPeers()[topic] ?? []).includes(node.peerId),
  )
}

/** A plain client with Buffer replies, to read and forge entries. */
export async function rawRedis(url: string) {
  const client = createClient({ url }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })
  client.on('error', () => {})
  await client.connect()
  return {
    command: (args: Array<string | Buffer>) => client.sendCommand(args),
    async entries(stream: string): Promise<Array<{ id: string; entry: StreamEntry }>> {
      const raw = rangeEntriesOf(await client.sendCommand(['XRANGE', stream, '-', '+']))
      return raw.map((r) => {
        const decoded = decodeStreamEntry(r.fields)
        if (!decoded.ok) throw new Error(`entry ${r.id}: ${decoded.reason}`)
        return { id: r.id, entry: decoded.entry }
      })
    },
    close: () => client.close(),
  }
}

/** Hashes (0x, lower case) the EL got through engine_newPayload, in order. */
export { newPayloadHashes } from './engineHarness.ts'

export const hashHex = (b: BuiltBlock) => `0x${Buffer.from(b.blockHash).toString('hex')}`

/** The stream entry a publisher would write for `block`, first seen now. */
export function streamEntryOf(block: BuiltBlock): StreamEntry {
  return {
    topic: block.topic,
    data: block.data,
    blockNumber: block.blockNumber,
    blockHash: hashHex(block),
    messageId: Buffer.from(computeMessageId(block.topic, block.data)).toString('hex'),
    firstSeenMs: Date.now(),
  }
}

/** The value of one counter / gauge series in the node's registry. */
export async function metricValue(
  node: OpGossipNode,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = node.observability.registry?.getSingleMetric(name)
  if (metric === undefined) return 0
  const { values } = await metric.get()
  const match = values.find((v) =>
    Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
  )
  return match?.value ?? 0
}
