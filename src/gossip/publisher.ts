/**
 * Publishing our own blocks: the topic their timestamp selects, the same validation any received
 * message gets (on the decoded bytes the message-ID record already holds), then gossipsub's
 * publish, whose own message-ID call finds the record among the recent IDs.
 */
import type { ChainConfig } from '../chains/types.ts'
import { blocksTopic, blockVersionAt } from '../wire/topics.ts'
import { GossipHostError } from './errors.ts'
import type { GossipsubRouter } from './gossipsubRouter.ts'
import type { GossipHost, HostValidator, PublishedMessage } from './hostApi.ts'
import type { MessagePipeline } from './messagePipeline.ts'
import type { MessageRecord } from './messageRecords.ts'

export interface PublisherModules {
  chain: ChainConfig
  validator: HostValidator
  pipeline: Pick<MessagePipeline, 'ownMessage' | 'notePublished'>
  /** The running router. @throws GossipHostError GOSSIP_NOT_STARTED */
  router(): Pick<GossipsubRouter, 'publish'>
}

export type Publisher = Pick<GossipHost, 'publish' | 'publishUnvalidatedForTesting'>

export function createPublisher(modules: PublisherModules): Publisher {
  const { chain, pipeline } = modules

  /** Publishes `data` whose message-ID record (pipeline.ownMessage) is `record`. */
  async function publishRaw(
    topic: string,
    data: Uint8Array,
    record: MessageRecord,
  ): Promise<PublishedMessage> {
    const router = modules.router()
    // gossipsub runs the message-ID function for our own message too: not a received copy.
    pipeline.notePublished()
    let recipients: { toString(): string }[]
    try {
      recipients = (await router.publish(topic, data)).recipients
    } catch (err) {
      if ((err as Error).message === 'PublishError.Duplicate') {
        throw new GossipHostError('GOSSIP_PUBLISH_DUPLICATE', `message already seen on ${topic}`)
      }
      throw err
    }
    return { topic, messageId: record.idHex, recipients: recipients.map(String) }
  }

  return {
    async publish(block) {
      modules.router()
      const topic = blocksTopic(chain.chainId, blockVersionAt(chain, block.timestamp))
      const { record, decompressed } = pipeline.ownMessage(topic, block.data)
      const result = await modules.validator.validate(
        topic,
        block.data,
        decompressed === null ? undefined : { decompressed },
      )
      if (result.verdict !== 'accept') {
        throw new GossipHostError(
          'GOSSIP_PUBLISH_INVALID',
          `own block refused by validation: ${result.verdict} ${result.reason}`,
        )
      }
      return publishRaw(topic, block.data, record)
    },
    publishUnvalidatedForTesting: (topic, data) =>
      publishRaw(topic, data, pipeline.ownMessage(topic, data).record),
  }
}
