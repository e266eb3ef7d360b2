/**
 * The per-message path (op-gossip.md §4-5): gossipsub decodes an RPC → our message-ID function
 * (op-node's, §4.1) creates the message's record (messageRecords.ts) → gossipsub de-duplicates
 * and dispatches the message (asyncValidation: it waits in the mcache, unforwarded) → the record
 * joins the bounded validation queue, which runs the wire validator → the verdict goes back to
 * gossipsub, which forwards or penalises (P4) → accepted blocks go to the consumers. Every
 * dispatched message gets one verdict event. No libp2p import: the host hands gossipsub's
 * events in and the verdicts out.
 *
 * Hot path: one record per message, created in the ID function and carried as the queued job
 * to the accepted block; no per-message allocation beyond it and the library's own.
 *
 * Under a flood: a message dropped without validation (queue full, evicted, timed out) is
 * forgotten by the router (`forgetUnvalidated`), so a later copy from another peer is validated
 * (go-libp2p-pubsub marks a message seen only once validation takes it). Jobs from mesh peers
 * with a clean history (a block of theirs accepted, none rejected) are served first: a fresh
 * identity, or one whose messages have not been judged yet, is not preferred. While the queue is
 * full, a message from a peer that is not preferred is dropped before its ID is computed
 * (`shedsFrom`, asked by the host's inbound gate): it would be refused for a full queue anyway,
 * and this way costs no decompression, hash, record or IDONTWANT; it is not marked seen either.
 * A copy from a preferred peer of a message still waiting in the other lane (the first copy came
 * from a peer not preferred, e.g. an honest relay that is rarely first) promotes the waiting job
 * to the preferred lane: gossipsub drops that copy as a duplicate, and go-libp2p-pubsub, which
 * marks a message seen only when validation takes it, would have queued it again.
 */
import type { EventEmitter } from 'node:events'
import type { Logger } from '../util/logger.ts'
import type { GossipReasonCode, Verdict } from '../wire/errors.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import type {
  GossipHostCounters,
  GossipHostEvents,
  HostValidationResult,
  HostValidator,
} from './hostApi.ts'
import { type MessageRecord, MessageRecords } from './messageRecords.ts'
import type { GossipHostOptions } from './options.ts'
import { RecentMap } from './recentMap.ts'
import { routerVerdict } from './scoring.ts'
import {
  type AcceptedBlock,
  type BlockConsumer,
  HostReason,
  type HostReasonCode,
  type VerdictEvent,
} from './types.ts'
import { createValidationQueue, type JobOutcome } from './validationQueue.ts'

/** Peers remembered as having had a block accepted, or a message rejected (the preference). */
export const MAX_PEERS_REMEMBERED = 4096

export interface MessagePipelineOptions {
  validation: GossipHostOptions['validation']
}

export interface MessagePipelineModules {
  validator: HostValidator
  log: Logger
  /** Wall clock for firstSeenMs / validatedMs */
  now: () => number
  events: EventEmitter<GossipHostEvents>
  /** Tells gossipsub the verdict on a message (its msgId string and propagation source). */
  reportToRouter(msgId: string, fromPeer: string, verdict: Verdict): void
  /**
   * Tells gossipsub to forget it saw a message it was told to ignore without validation, so
   * a later copy is validated (patches/unvalidatedNotSeen.ts). @default nothing is forgotten
   */
  forgetUnvalidated?(msgId: string): void
  /** True when `peer` is in our mesh for `topic`. @default no peer is (no preference) */
  isMeshPeer?(topic: string, peer: string): boolean
  /** The peer's IP address for the per-IP queue share; '' for none. @default no per-IP share */
  groupOf?(peer: string): string
  /** The subnet of an IP address from groupOf, for the per-subnet share. @default none */
  subnetOf?(group: string): string
  /**
   * A message `peer` was first to send us was accepted: it gave us a block we did not have
   * (the inbound rate limit's proof, inboundRateLimit.ts). @default nothing is told
   */
  onFirstSeenAccepted?(peer: string): void
}

/** gossipsub's 'gossipsub:message' detail, as far as the pipeline reads it. */
export interface DispatchedMessage {
  msgId: string
  propagationSource: { toString(): string }
  msg: { topic: string; data: Uint8Array }
}

export interface MessagePipeline {
  /** gossipsub's msgIdFn: op-node's ID; the first sight of a message creates its record */
  messageId(msg: { topic: string; data: Uint8Array }): Uint8Array
  /** gossipsub's msgIdToStrFn */
  messageIdToString(id: Uint8Array): string
  /** The 'gossipsub:message' handler: queues the message for validation */
  onMessage(detail: DispatchedMessage): void
  /** Our own message's record and decoded bytes, for publishing (see MessageRecords.own) */
  ownMessage(topic: string, data: Uint8Array): ReturnType<MessageRecords['own']>
  /** Counts a publish, whose message-ID call is not a received copy */
  notePublished(): void
  /** Adds a consumer of accepted blocks; returns its removal function */
  addConsumer(consumer: BlockConsumer): () => void
  /**
   * True when a message from `peer` on `topic` should be dropped unread: the queue is full and
   * the peer is not preferred (counted with the queue-full refusals)
   */
  shedsFrom(topic: string, peer: string): boolean
  /**
   * The host's inbound gate let `data` from `peer` through: its message-ID call that follows can
   * promote a waiting copy of the same message (see the module comment)
   */
  noteSender(data: Uint8Array, peer: string): void
  /** Messages waiting for validation */
  readonly backlog: number
  counters(): GossipHostCounters
  /** Drops waiting messages; verdicts of running ones are no longer reported */
  stop(): void
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function createMessagePipeline(
  opts: MessagePipelineOptions,
  modules: MessagePipelineModules,
): MessagePipeline {
  const { log, events, validator } = modules
  const records = new MessageRecords({}, { now: modules.now })
  const consumers = new Set<BlockConsumer>()
  const counters = {
    idComputed: 0,
    published: 0,
    dispatched: 0,
    accepted: 0,
    rejected: 0,
    ignored: 0,
    queueFull: 0,
    promoted: 0,
  }
  let stopped = false
  /** Per peer: true once a block of theirs was accepted, false once a message was rejected */
  const history = new RecentMap<string, boolean>(MAX_PEERS_REMEMBERED)
  const forgetUnvalidated = modules.forgetUnvalidated ?? (() => {})
  const isMeshPeer = modules.isMeshPeer ?? (() => false)
  const groupOf = modules.groupOf ?? (() => '')

  /**
   * Tells gossipsub to forward an accepted message once the sockets have been polled again: the
   * IDONTWANTs mesh peers sent while it was being validated are read first, so gossipsub skips
   * those peers. Two setImmediates because one scheduled from the poll phase would run before
   * the next poll. Consumers get the block at once all the same (see deliver).
   */
  function acceptAfterNextPoll(record: MessageRecord): void {
    setImmediate(() =>
      setImmediate(() => {
        if (!stopped) modules.reportToRouter(record.idHex, record.fromPeer, 'accept')
      }),
    )
  }

  function report(
    record: MessageRecord,
    verdict: Verdict,
    reason: GossipReasonCode | HostReasonCode | null,
    envelope: SignedEnvelope | null,
    timing: { startedMs: number | null; finishedMs: number },
  ): void {
    if (verdict === 'accept') {
      acceptAfterNextPoll(record)
      counters.accepted++
      if (history.get(record.fromPeer) === undefined) history.set(record.fromPeer, true)
      modules.onFirstSeenAccepted?.(record.fromPeer)
    } else {
      modules.reportToRouter(record.idHex, record.fromPeer, routerVerdict(verdict, reason))
      if (verdict === 'reject') {
        counters.rejected++
        history.set(record.fromPeer, false)
      } else counters.ignored++
    }
    const payload = envelope?.payload
    const event: VerdictEvent = {
      topic: record.topic,
      messageId: record.idHex,
      fromPeer: record.fromPeer,
      verdict,
      reason,
      blockNumber: payload?.blockNumber ?? null,
      blockHash: payload === undefined ? null : `0x${toHex(payload.blockHash)}`,
      firstSeenMs: record.firstSeenMs,
      queueMs: (timing.startedMs ?? timing.finishedMs) - record.enqueuedMono,
      validationMs: timing.startedMs === null ? 0 : timing.finishedMs - timing.startedMs,
      totalMs: timing.finishedMs - record.firstSeenMono,
    }
    if (verdict !== 'accept') {
      log.debug(
        { topic: record.topic, peer: record.fromPeer, verdict, reason },
        'gossip message refused',
      )
    }
    events.emit('verdict', event)
  }

  function deliver(block: AcceptedBlock): void {
    events.emit('block', block)
    for (const consumer of consumers) {
      try {
        const pending = consumer.onBlock(block)
        if (pending instanceof Promise) {
          pending.catch((err: unknown) => log.error({ err }, 'block consumer failed'))
        }
      } catch (err) {
        log.error({ err }, 'block consumer failed')
      }
    }
  }

  function onOutcome(record: MessageRecord, outcome: JobOutcome<HostValidationResult>): void {
    if (outcome.kind === 'timeout') {
      // Expired while waiting: the validator never took its decoded bytes.
      if (outcome.startedMs === null) records.release(record)
      report(record, HostReason.VALIDATION_TIMEOUT, 'VALIDATION_TIMEOUT', null, outcome)
      forgetUnvalidated(record.idHex)
      return
    }
    if (outcome.kind === 'error') {
      log.error({ err: outcome.error, topic: record.topic }, 'validator threw')
      report(record, HostReason.VALIDATOR_ERROR, 'VALIDATOR_ERROR', null, outcome)
      return
    }
    const result = outcome.result
    report(record, result.verdict, result.reason, result.envelope, outcome)
    if (result.verdict === 'accept') {
      deliver({
        envelope: result.envelope,
        topic: record.topic,
        messageId: record.id,
        fromPeer: record.fromPeer,
        firstSeenMs: record.firstSeenMs,
        validatedMs: modules.now(),
      })
    }
  }

  /** IGNORE for a job the queue had no place for; a later copy may still be validated. */
  function refuseQueueFull(record: MessageRecord): void {
    counters.queueFull++
    records.release(record)
    report(record, HostReason.VALIDATION_QUEUE_FULL, 'VALIDATION_QUEUE_FULL', null, {
      startedMs: null,
      finishedMs: performance.now(),
    })
    forgetUnvalidated(record.idHex)
  }

  const isPreferred = (topic: string, peer: string) =>
    history.get(peer) === true && isMeshPeer(topic, peer)
  /** Who sent each message data object the gate let through, for its message-ID call */
  const senders = new WeakMap<Uint8Array, string>()

  function promoteWaitingCopy(idHex: string, topic: string, sender: string): void {
    const waiting = records.waiting(idHex)
    if (waiting === undefined || waiting.preferred || waiting.fromPeer === sender) return
    if (!isPreferred(topic, sender)) return
    // Not dispatched yet: onMessage keeps the flag; already queued: it changes lanes.
    if (!queue.promote(waiting)) waiting.preferred = true
    counters.promoted++
  }
  const queueMaxLength = opts.validation.queueMaxLength

  const queue = createValidationQueue<MessageRecord, HostValidationResult>(
    { maxLength: opts.validation.queueMaxLength, concurrency: opts.validation.concurrency },
    {
      run(record) {
        // The message-ID function already decompressed this exact data object: reuse it.
        const decompressed = records.takeDecompressed(record)
        return validator.validate(
          record.topic,
          record.data,
          decompressed === null ? undefined : { decompressed },
        )
      },
      onOutcome,
      onEvicted: refuseQueueFull,
      // Deadlines and durations on the monotonic clock.
      now: () => performance.now(),
      ...(modules.subnetOf === undefined ? {} : { subnetOf: modules.subnetOf }),
    },
  )

  return {
    messageId(msg) {
      counters.idComputed++
      const id = records.messageId(msg.topic, msg.data)
      const sender = senders.get(msg.data)
      if (sender !== undefined) promoteWaitingCopy(records.idToString(id), msg.topic, sender)
      return id
    },
    messageIdToString: (id) => records.idToString(id),
    onMessage({ msgId, propagationSource, msg }) {
      const mono = performance.now()
      counters.dispatched++
      const record = records.forDispatch(msgId, msg.topic, msg.data)
      const peer = propagationSource.toString()
      record.fromPeer = peer
      record.fromGroup = groupOf(peer)
      record.preferred = record.preferred || isPreferred(msg.topic, peer)
      record.enqueuedMono = mono
      record.deadlineMs = record.firstSeenMono + opts.validation.timeoutMs
      if (!queue.push(record)) refuseQueueFull(record)
    },
    noteSender(data, peer) {
      senders.set(data, peer)
    },
    shedsFrom(topic, peer) {
      if (queue.length < queueMaxLength || isPreferred(topic, peer)) return false
      counters.queueFull++
      return true
    },
    ownMessage: (topic, data) => records.own(topic, data),
    notePublished() {
      counters.published++
    },
    addConsumer(consumer) {
      consumers.add(consumer)
      return () => consumers.delete(consumer)
    },
    get backlog() {
      return queue.length
    },
    counters() {
      const received = counters.idComputed - counters.published
      return {
        received,
        duplicates: Math.max(0, received - counters.dispatched),
        accepted: counters.accepted,
        rejected: counters.rejected,
        ignored: counters.ignored,
        promoted: counters.promoted,
        queueFull: counters.queueFull,
        rateLimited: 0,
      }
    },
    stop() {
      stopped = true
      queue.stop()
    },
  }
}
