import { describe, expect, it, vi } from 'vitest'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { GossipHostError } from '../../../src/gossip/errors.ts'
import type { HostValidationResult } from '../../../src/gossip/hostApi.ts'
import { MessageRecords } from '../../../src/gossip/messageRecords.ts'
import { createPublisher } from '../../../src/gossip/publisher.ts'
import { computeMessageId } from '../../../src/wire/msgId.ts'
import { snappyCompress } from '../../../src/wire/snappy.ts'
import { blocksTopic, blockVersionAt } from '../../../src/wire/topics.ts'
import type { SignedEnvelope } from '../../../src/wire/types.ts'

const chain = createDevnetChain({ chainId: 901, blockTime: 2 })
const body = new Uint8Array(300).fill(5)
const accept: HostValidationResult = {
  verdict: 'accept',
  reason: null,
  envelope: {} as SignedEnvelope,
}

function setup(result: HostValidationResult, publishError?: Error) {
  const records = new MessageRecords()
  const notePublished = vi.fn()
  const validate = vi.fn(() => result)
  const publish = vi.fn(async (topic: string, data: Uint8Array) => {
    if (publishError !== undefined) throw publishError
    // gossipsub computes the ID of our own message too: found among the recent IDs.
    records.messageId(topic, data)
    return { recipients: [{ toString: () => 'peer-a' }] as never }
  })
  const publisher = createPublisher({
    chain,
    validator: { validate },
    pipeline: { ownMessage: (t, d) => records.own(t, d), notePublished },
    router: () => ({ publish }),
  })
  return { publisher, validate, publish, notePublished, records }
}

describe('gossip / publisher', () => {
  it('validates on the decoded bytes, publishes on the timestamp topic, reports the ID once', async () => {
    const t = setup(accept)
    const data = snappyCompress(body)
    const topic = blocksTopic(chain.chainId, blockVersionAt(chain, 10))
    const published = await t.publisher.publish({ timestamp: 10, data })
    expect(t.validate).toHaveBeenCalledWith(topic, data, { decompressed: body })
    expect(t.publish).toHaveBeenCalledWith(topic, data)
    expect(t.notePublished).toHaveBeenCalledTimes(1)
    expect(published).toEqual({
      topic,
      messageId: Buffer.from(computeMessageId(topic, data)).toString('hex'),
      recipients: ['peer-a'],
    })
    expect(t.records.reused).toBe(1) // gossipsub's ID call cost no second computation
  })

  it('refuses a block its own validation refuses, and a duplicate', async () => {
    const refused = setup({ verdict: 'reject', reason: 'SNAPPY_CORRUPT', envelope: null })
    await expect(
      refused.publisher.publish({ timestamp: 10, data: snappyCompress(body) }),
    ).rejects.toMatchObject({ code: 'GOSSIP_PUBLISH_INVALID' })
    expect(refused.publish).not.toHaveBeenCalled()

    const duplicate = setup(accept, new Error('PublishError.Duplicate'))
    const err = await duplicate.publisher
      .publish({ timestamp: 10, data: snappyCompress(body) })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GossipHostError)
    expect(err).toMatchObject({ code: 'GOSSIP_PUBLISH_DUPLICATE', kind: 'runtime' })
  })

  it('publishUnvalidatedForTesting skips validation', async () => {
    const t = setup({ verdict: 'reject', reason: 'SNAPPY_CORRUPT', envelope: null })
    const topic = blocksTopic(chain.chainId, 1)
    const out = await t.publisher.publishUnvalidatedForTesting(topic, Uint8Array.of(1, 2, 3))
    expect(t.validate).not.toHaveBeenCalled()
    expect(out.messageId).toBe(
      Buffer.from(computeMessageId(topic, Uint8Array.of(1, 2, 3))).toString('hex'),
    )
  })
})
