import { EventEmitter } from 'node:events'
import { describe, expect, it, vi } from 'vitest'
import type {
  GossipHostEvents,
  HostValidationResult,
  HostValidator,
} from '../../../src/gossip/hostApi.ts'
import {
  createMessagePipeline,
  type MessagePipelineModules,
} from '../../../src/gossip/messagePipeline.ts'
import type { AcceptedBlock, VerdictEvent } from '../../../src/gossip/types.ts'
import { silentLogger } from '../../../src/util/logger.ts'
import type { Verdict } from '../../../src/wire/errors.ts'
import { computeMessageId } from '../../../src/wire/msgId.ts'
import { snappyCompress } from '../../../src/wire/snappy.ts'
import type { SignedEnvelope } from '../../../src/wire/types.ts'

const TOPIC = '/optimism/901/3/blocks'
const PEER = '16Uiu2HAmTestPeer'
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const body = (n: number) => new Uint8Array(200).fill(n)
const envelope = {
  payload: { blockNumber: 7n, blockHash: new Uint8Array(32).fill(0xab) },
} as unknown as SignedEnvelope
const accept: HostValidationResult = { verdict: 'accept', reason: null, envelope }

/** Runs the event loop past the double setImmediate of a deferred accept. */
const afterPolls = () =>
  new Promise<void>((r) => setImmediate(() => setImmediate(() => setImmediate(r))))

function setup(
  validate: HostValidator['validate'],
  validation = { queueMaxLength: 16, concurrency: 1, timeoutMs: 3000 },
  extra: Pick<MessagePipelineModules, 'isMeshPeer' | 'groupOf' | 'onFirstSeenAccepted'> = {},
) {
  const forgotten: string[] = []
  const events = new EventEmitter<GossipHostEvents>()
  const reports: { msgId: string; fromPeer: string; verdict: Verdict }[] = []
  const verdicts: VerdictEvent[] = []
  const blocks: AcceptedBlock[] = []
  const validator = { validate: vi.fn(validate) }
  let wall = 1_000
  const pipeline = createMessagePipeline(
    { validation },
    {
      validator,
      log: silentLogger,
      now: () => wall++,
      events,
      reportToRouter: (msgId, fromPeer, verdict) => reports.push({ msgId, fromPeer, verdict }),
      forgetUnvalidated: (msgId) => forgotten.push(msgId),
      ...extra,
    },
  )
  events.on('verdict', (v) => verdicts.push(v))
  pipeline.addConsumer({ onBlock: (b) => void blocks.push(b) })
  /** What gossipsub does with a received copy: ID, string, then (first copy only) dispatch. */
  function receive(data: Uint8Array, dispatch = true, from = PEER): string {
    const msg = { topic: TOPIC, data }
    const msgId = pipeline.messageIdToString(pipeline.messageId(msg))
    if (dispatch) pipeline.onMessage({ msgId, propagationSource: from, msg })
    return msgId
  }
  return { pipeline, validator, reports, verdicts, blocks, receive, forgotten }
}

describe('gossip / messagePipeline', () => {
  it('carries one record from the ID function to the accepted block', async () => {
    const t = setup(() => accept)
    const data = snappyCompress(body(1))
    const msgId = t.receive(data)
    expect(msgId).toBe(hex(computeMessageId(TOPIC, data)))
    await afterPolls()
    // The validator got the bytes the ID function decoded.
    expect(t.validator.validate).toHaveBeenCalledWith(TOPIC, data, { decompressed: body(1) })
    expect(t.verdicts).toHaveLength(1)
    expect(t.verdicts[0]).toMatchObject({
      topic: TOPIC,
      messageId: msgId,
      fromPeer: PEER,
      verdict: 'accept',
      reason: null,
      blockNumber: 7n,
      blockHash: `0x${'ab'.repeat(32)}`,
      firstSeenMs: 1000,
    })
    expect(t.blocks).toHaveLength(1)
    const block = t.blocks[0] as AcceptedBlock
    expect(hex(block.messageId)).toBe(msgId)
    expect(block).toMatchObject({ topic: TOPIC, fromPeer: PEER, firstSeenMs: 1000 })
    expect(block.validatedMs).toBeGreaterThan(block.firstSeenMs)
    expect(t.reports).toEqual([{ msgId, fromPeer: PEER, verdict: 'accept' }])
    expect(t.pipeline.counters()).toEqual({
      received: 1,
      duplicates: 0,
      accepted: 1,
      rejected: 0,
      ignored: 0,
      queueFull: 0,
      promoted: 0,
      rateLimited: 0,
    })
  })

  it('tells who was first with an accepted message, not for duplicates or refusals', async () => {
    const proven: string[] = []
    let verdict: 'accept' | 'ignore' = 'accept'
    const t = setup(
      () => (verdict === 'accept' ? accept : { verdict, reason: 'TIMESTAMP_TOO_OLD', envelope }),
      undefined,
      { onFirstSeenAccepted: (peer) => proven.push(peer) },
    )
    const data = snappyCompress(body(9))
    t.receive(data, true, 'first')
    t.receive(data, false, 'second') // a duplicate: gossipsub does not dispatch it
    await afterPolls()
    expect(proven).toEqual(['first'])
    verdict = 'ignore'
    t.receive(snappyCompress(body(10)), true, 'refused')
    await afterPolls()
    expect(proven).toEqual(['first'])
  })

  it('forwards an accepted message only after the sockets were polled again', async () => {
    const t = setup(() => accept)
    t.receive(snappyCompress(body(2)))
    await new Promise<void>((r) => queueMicrotask(r))
    expect(t.blocks).toHaveLength(1) // consumers at once
    expect(t.reports).toEqual([])
    await afterPolls()
    expect(t.reports).toHaveLength(1)
  })

  it('tells gossipsub REJECT only for penalised reasons; other rejects become IGNORE', async () => {
    let reason: 'SNAPPY_CORRUPT' | 'TIMESTAMP_TOO_NEW' = 'SNAPPY_CORRUPT'
    const t = setup(() => ({ verdict: 'reject', reason, envelope: null }))
    t.receive(snappyCompress(body(3)))
    await afterPolls()
    reason = 'TIMESTAMP_TOO_NEW'
    t.receive(snappyCompress(body(4)))
    await afterPolls()
    expect(t.reports.map((r) => r.verdict)).toEqual(['reject', 'ignore'])
    expect(t.verdicts.map((v) => [v.verdict, v.reason])).toEqual([
      ['reject', 'SNAPPY_CORRUPT'],
      ['reject', 'TIMESTAMP_TOO_NEW'],
    ])
    expect(t.blocks).toEqual([])
    expect(t.pipeline.counters().rejected).toBe(2)
  })

  it('counts duplicate copies and our own publishes apart from received messages', async () => {
    const t = setup(() => accept)
    const data = snappyCompress(body(5))
    t.receive(data)
    t.receive(new Uint8Array(data), false) // a second peer's copy: gossipsub drops it
    const own = snappyCompress(body(6))
    t.pipeline.ownMessage(TOPIC, own)
    t.pipeline.notePublished()
    t.pipeline.messageId({ topic: TOPIC, data: own }) // gossipsub's call on publish
    await afterPolls()
    expect(t.pipeline.counters()).toMatchObject({ received: 2, duplicates: 1, accepted: 1 })
  })

  it('a full queue gives IGNORE at once, a throwing validator IGNORE', async () => {
    const t = setup(
      () => {
        throw new Error('boom')
      },
      { queueMaxLength: 1, concurrency: 1, timeoutMs: 3000 },
    )
    t.receive(snappyCompress(body(7))) // starts at once
    t.receive(snappyCompress(body(8))) // waits
    t.receive(snappyCompress(body(10))) // nowhere to wait
    expect(t.verdicts.map((v) => v.reason)).toEqual(['VALIDATION_QUEUE_FULL'])
    await afterPolls()
    await afterPolls()
    expect(t.verdicts.map((v) => v.reason)).toEqual([
      'VALIDATION_QUEUE_FULL',
      'VALIDATOR_ERROR',
      'VALIDATOR_ERROR',
    ])
    expect(t.reports.map((r) => r.verdict)).toEqual(['ignore', 'ignore', 'ignore'])
    expect(t.pipeline.counters()).toMatchObject({ ignored: 3, queueFull: 1 })
  })

  it('reports nothing once stopped', async () => {
    const t = setup(() => accept)
    t.receive(snappyCompress(body(9)))
    await new Promise<void>((r) => queueMicrotask(r))
    t.pipeline.stop()
    await afterPolls()
    expect(t.reports).toEqual([])
    expect(t.pipeline.backlog).toBe(0)
  })
})

describe('gossip / messagePipeline under a flood', () => {
  it('has gossipsub forget a message dropped for a full queue, so a later copy is validated', async () => {
    const t = setup(() => accept, { queueMaxLength: 1, concurrency: 1, timeoutMs: 3000 })
    t.receive(snappyCompress(body(20))) // runs
    t.receive(snappyCompress(body(21))) // waits
    const dropped = t.receive(snappyCompress(body(22))) // no place
    expect(t.reports).toEqual([{ msgId: dropped, fromPeer: PEER, verdict: 'ignore' }])
    expect(t.forgotten).toEqual([dropped])
    await afterPolls()
    await afterPolls()
    // Validated messages, whatever their verdict, stay seen.
    expect(t.forgotten).toEqual([dropped])
  })

  it('has gossipsub forget a message that timed out, but not one that was refused', async () => {
    let verdict: 'hang' | 'reject' | 'ignore' = 'hang'
    const t = setup(
      () => {
        if (verdict === 'hang') return new Promise<HostValidationResult>(() => {})
        return {
          verdict,
          reason: verdict === 'reject' ? 'SNAPPY_CORRUPT' : 'TIMESTAMP_TOO_NEW',
          envelope: null,
        }
      },
      { queueMaxLength: 4, concurrency: 1, timeoutMs: 20 },
    )
    const timedOut = t.receive(snappyCompress(body(23)))
    await new Promise((r) => setTimeout(r, 60))
    expect(t.verdicts.map((v) => v.reason)).toEqual(['VALIDATION_TIMEOUT'])
    expect(t.forgotten).toEqual([timedOut])
    verdict = 'reject'
    t.receive(snappyCompress(body(24)))
    await afterPolls()
    verdict = 'ignore'
    t.receive(snappyCompress(body(25)))
    await afterPolls()
    expect(t.verdicts.map((v) => v.verdict)).toEqual(['ignore', 'reject', 'ignore'])
    expect(t.forgotten).toEqual([timedOut])
  })

  it('serves clean mesh peers first: an accepted block, no REJECT, in the mesh', async () => {
    const order: string[] = []
    const mesh = new Set([PEER, 'mesh-flooder', 'mesh-new'])
    const t = setup(
      (_topic, _data, opts) => {
        const n = opts?.decompressed?.[0]
        order.push(String(n))
        return n === 99 ? { verdict: 'reject', reason: 'SNAPPY_CORRUPT', envelope: null } : accept
      },
      { queueMaxLength: 16, concurrency: 1, timeoutMs: 3000 },
      { isMeshPeer: (_topic, peer) => mesh.has(peer) },
    )
    // History: PEER and mesh-flooder each had a block accepted, then mesh-flooder a REJECT.
    t.receive(snappyCompress(body(1)), true, PEER)
    await afterPolls()
    t.receive(snappyCompress(body(2)), true, 'mesh-flooder')
    await afterPolls()
    t.receive(snappyCompress(body(99)), true, 'mesh-flooder')
    await afterPolls()
    t.receive(snappyCompress(body(3)), true, 'outsider') // accepted, but not in the mesh
    await afterPolls()
    order.length = 0

    t.receive(snappyCompress(body(30)), true, 'outsider') // runs at once
    t.receive(snappyCompress(body(31)), true, 'outsider')
    t.receive(snappyCompress(body(32)), true, 'mesh-flooder') // in the mesh, not clean
    t.receive(snappyCompress(body(33)), true, 'mesh-new') // in the mesh, nothing accepted yet
    t.receive(snappyCompress(body(34)), true, PEER) // clean mesh peer: first
    for (let i = 0; i < 5; i++) await afterPolls()
    expect(order).toEqual(['30', '34', '31', '32', '33'])
  })

  it('promotes a waiting message when a clean mesh peer sends a copy gossipsub will drop', async () => {
    const order: string[] = []
    const t = setup(
      (_topic, _data, opts) => {
        order.push(String(opts?.decompressed?.[0]))
        return accept
      },
      { queueMaxLength: 16, concurrency: 1, timeoutMs: 3000 },
      { isMeshPeer: (_topic, peer) => peer === PEER || peer === 'relay' },
    )
    t.receive(snappyCompress(body(1)), true, PEER) // PEER: a clean mesh peer from now on
    await afterPolls()
    order.length = 0

    t.receive(snappyCompress(body(60)), true, 'junk') // runs at once
    t.receive(snappyCompress(body(61)), true, 'junk')
    const block = snappyCompress(body(62))
    t.receive(block, true, 'relay') // an honest relay, never first so far: not preferred
    expect(t.pipeline.counters().promoted).toBe(0)
    // The clean peer's copy: its ID call promotes the waiting one; gossipsub drops the copy.
    t.pipeline.noteSender(block, PEER)
    t.receive(block, false, PEER)
    // A copy from a peer that is not preferred changes nothing.
    const other = snappyCompress(body(63))
    t.receive(other, true, 'junk')
    t.pipeline.noteSender(other, 'relay')
    t.receive(other, false, 'relay')
    for (let i = 0; i < 5; i++) await afterPolls()
    expect(order).toEqual(['60', '62', '61', '63'])
    expect(t.pipeline.counters().promoted).toBe(1)
    // The verdict stays with the copy that was queued.
    const verdict = t.verdicts.find((v) => v.messageId === hex(computeMessageId(TOPIC, block)))
    expect(verdict?.fromPeer).toBe('relay')
  })

  it('reports an evicted job as a full queue and has gossipsub forget it', async () => {
    const t = setup(
      () => new Promise<HostValidationResult>(() => {}),
      { queueMaxLength: 4, concurrency: 1, timeoutMs: 3000 },
      { isMeshPeer: (_topic, peer) => peer === PEER },
    )
    // PEER's first block is accepted: a clean mesh peer from then on.
    let hang = false
    t.validator.validate.mockImplementation(() =>
      hang ? new Promise<HostValidationResult>(() => {}) : accept,
    )
    t.receive(snappyCompress(body(39)), true, PEER)
    await afterPolls()
    hang = true
    t.receive(snappyCompress(body(40)), true, 'p0') // runs
    const ids = [41, 42, 43, 44].map((n) => t.receive(snappyCompress(body(n)), true, `p${n}`))
    expect(t.verdicts.map((v) => v.verdict)).toEqual(['accept'])
    t.receive(snappyCompress(body(45)), true, PEER) // a clean mesh peer's block takes a place
    expect(t.verdicts.slice(1).map((v) => [v.reason, v.fromPeer])).toEqual([
      ['VALIDATION_QUEUE_FULL', 'p44'],
    ])
    expect(t.forgotten).toEqual([ids[3]])
    expect(t.pipeline.backlog).toBe(4)
  })

  it('sheds messages of peers not preferred before their ID while the queue is full', async () => {
    const t = setup(
      () => new Promise<HostValidationResult>(() => {}),
      { queueMaxLength: 2, concurrency: 1, timeoutMs: 3000 },
      { isMeshPeer: (_topic, peer) => peer === PEER },
    )
    let hang = false
    t.validator.validate.mockImplementation(() =>
      hang ? new Promise<HostValidationResult>(() => {}) : accept,
    )
    t.receive(snappyCompress(body(50)), true, PEER) // accepted: PEER is a clean mesh peer
    await afterPolls()
    hang = true
    t.receive(snappyCompress(body(51)), true, 'a') // runs
    // Below the limit nobody is shed.
    expect(t.pipeline.shedsFrom(TOPIC, 'a')).toBe(false)
    t.receive(snappyCompress(body(52)), true, 'a')
    t.receive(snappyCompress(body(53)), true, 'b')
    // At the limit (2 waiting): peers not preferred are shed and counted, the clean mesh peer
    // is not (its message may take a place).
    expect(t.pipeline.backlog).toBe(2)
    expect(t.pipeline.shedsFrom(TOPIC, 'a')).toBe(true)
    expect(t.pipeline.shedsFrom(TOPIC, 'new')).toBe(true)
    expect(t.pipeline.shedsFrom(TOPIC, PEER)).toBe(false)
    expect(t.pipeline.counters()).toMatchObject({ queueFull: 2, received: 4 })
    expect(t.verdicts.map((v) => v.verdict)).toEqual(['accept'])
  })
})
