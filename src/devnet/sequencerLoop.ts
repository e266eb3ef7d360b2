/**
 * The devnet sequencer's clock: one block per slot (genesis time + k × blockTime seconds),
 * published when the wall clock reaches the slot, like op-node's sequencer seals a block at its
 * timestamp. A block is built (transactions signed, hashed, signed, compressed: tens of
 * milliseconds for 100 KB) well before its slot, in the quiet middle of the previous slot, so building never
 * competes with the previous block's outgoing gossip nor delays the publish itself.
 *
 * A sub-second interval (200 ms blocks): rollup.json's block_time stays whole seconds, so the slots
 * are genesis + k × interval and a block's timestamp is the wall-clock second of its slot; several
 * blocks share a timestamp, their numbers still increase by one. Gossip validation allows that
 * (it checks the timestamp against the clock only); an EL would not, so no EL runs with it.
 */

import { type BlockBuilder, type BuiltBlock, createBlockBuilder } from '../blocks/blockBuilder.ts'
import type { ChainConfig } from '../chains/types.ts'
import type { SignedEnvelope } from '../wire/types.ts'
import { type BlockSize, hiResNow, type PublishedReport } from './ipcProtocol.ts'

/** Fraction of the slot, after the previous publish, at which the next block is built. */
export const BUILD_AT_SLOT_FRACTION = 0.4
/** Shortest interval between blocks, seconds (a block is built and sent within it). */
export const MIN_SEQUENCER_INTERVAL_SECONDS = 0.1

export interface SequencerLoopOptions {
  chain: ChainConfig
  /** 32-byte unsafe-block signer key. Never logged. */
  signerKey: Uint8Array
  /** Block builder seed. @default 1 */
  seed?: number
  /**
   * Seconds between published blocks when not chain.blockTime: a fraction (at least
   * MIN_SEQUENCER_INTERVAL_SECONDS). @default chain.blockTime
   */
  intervalSeconds?: number
}

export type { PublishedReport }

export interface SequencerLoopModules {
  /** Publishes the Snappy-compressed message (the host validates it first). */
  publish(block: {
    timestamp: bigint
    data: Uint8Array
  }): Promise<{ messageId: string; recipients: string[]; validationMs?: number | null }>
  onPublished(p: { report: PublishedReport; envelope: SignedEnvelope; messageId: string }): void
  onPublishFailed(number: number, err: unknown): void
  /** @default hiResNow */
  now?: () => number
  /** @default createBlockBuilder */
  createBuilder?: (opts: {
    chain: ChainConfig
    privateKey: Uint8Array
    seed: number
  }) => BlockBuilder
}

export interface SequencerLoop {
  /** Starts producing from the next slot on, or changes the size of the blocks built next. */
  produce(size: BlockSize): void
  /** Stops producing (a block already built is dropped). */
  stop(): void
  readonly producing: boolean
}

/** The first slot timestamp (seconds) strictly after `nowMs`, on the chain's slot grid. */
export function nextSlotAfter(chain: ChainConfig, nowMs: number): number {
  return nextSlotMsAfter(chain, chain.blockTime * 1000, nowMs) / 1000
}

/**
 * The first slot (ms) strictly after `nowMs` on a grid of `intervalMs` from genesis: the same
 * instants as nextSlotAfter when the interval is the chain's block time.
 */
export function nextSlotMsAfter(chain: ChainConfig, intervalMs: number, nowMs: number): number {
  const genesisMs = (chain.genesis?.l2Time ?? 0) * 1000
  const k = Math.floor((nowMs - genesisMs) / intervalMs) + 1
  return genesisMs + Math.max(1, k) * intervalMs
}

/** A slot's block timestamp: its wall-clock second (the slot itself on a whole-second grid). */
export function slotTimestamp(slotMs: number): number {
  return Math.floor(slotMs / 1000)
}

function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

export function createSequencerLoop(
  opts: SequencerLoopOptions,
  modules: SequencerLoopModules,
): SequencerLoop {
  const now = modules.now ?? hiResNow
  const { chain } = opts
  const intervalSeconds = opts.intervalSeconds ?? chain.blockTime
  if (!(intervalSeconds >= MIN_SEQUENCER_INTERVAL_SECONDS)) {
    throw new RangeError(
      `intervalSeconds must be >= ${MIN_SEQUENCER_INTERVAL_SECONDS}, got ${intervalSeconds}`,
    )
  }
  const intervalMs = Math.round(intervalSeconds * 1000)
  const builder = (modules.createBuilder ?? createBlockBuilder)({
    chain,
    privateKey: opts.signerKey,
    seed: opts.seed ?? 1,
  })
  let size: BlockSize | null = null
  let timer: NodeJS.Timeout | null = null
  let lastSlotMs = 0

  function schedule(atMs: number, fn: () => void): void {
    timer = setTimeout(fn, Math.max(0, atMs - now()))
  }

  /** Builds the block of slot `slotMs`, then waits for the slot to publish it. */
  function build(slotMs: number): void {
    timer = null
    if (size === null) return
    const timestamp = slotTimestamp(slotMs)
    const t0 = now()
    const block = builder.next({
      timestamp: BigInt(timestamp),
      ...('blockBytes' in size ? { targetBytes: size.blockBytes } : { txCount: size.txCount }),
    })
    const buildMs = now() - t0
    lastSlotMs = slotMs
    schedule(slotMs, () => void publish(block, slotMs, buildMs))
  }

  async function publish(block: BuiltBlock, slotMs: number, buildMs: number): Promise<void> {
    timer = null
    if (size === null) return
    const timestamp = Number(block.timestamp)
    // Next block: built in the quiet part of this slot, for the next slot still ahead.
    const next = Math.max(slotMs + intervalMs, nextSlotMsAfter(chain, intervalMs, now()))
    const buildAt = slotMs + intervalMs * BUILD_AT_SLOT_FRACTION
    const publishedMs = now()
    try {
      const result = await modules.publish({ timestamp: block.timestamp, data: block.data })
      const publishCallMs = now() - publishedMs
      modules.onPublished({
        report: {
          blockHash: toHex(block.blockHash),
          number: Number(block.blockNumber),
          timestamp,
          publishedMs,
          publishCallMs: Math.round(publishCallMs * 1000) / 1000,
          validationMs:
            result.validationMs == null ? null : Math.round(result.validationMs * 1000) / 1000,
          buildMs: Math.round(buildMs * 10) / 10,
          bytes: block.decompressed.length,
          compressedBytes: block.data.length,
          txs: block.envelope.payload.transactions.length,
          recipients: result.recipients.length,
        },
        envelope: block.envelope,
        messageId: result.messageId,
      })
    } catch (err) {
      modules.onPublishFailed(Number(block.blockNumber), err)
    }
    if (size !== null && timer === null) schedule(buildAt, () => build(next))
  }

  return {
    produce(s) {
      const wasIdle = size === null
      size = s
      if (wasIdle && timer === null) {
        const slot = Math.max(lastSlotMs + intervalMs, nextSlotMsAfter(chain, intervalMs, now()))
        build(slot)
      }
    },
    stop() {
      size = null
      if (timer !== null) clearTimeout(timer)
      timer = null
    },
    get producing() {
      return size !== null
    },
  }
}
