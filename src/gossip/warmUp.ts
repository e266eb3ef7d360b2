/**
 * Start warm: before the node joins gossip, runs the per-message paths of our own code through
 * synthetic work, so V8 has compiled and optimized them before the first real block instead of
 * over the first minutes of blocks (at one block per second a function is called too rarely to
 * be optimized soon). One synthetic signed block, built like the devnet sequencer builds one, goes
 * `WARM_UP_ROUNDS` times through what a received block goes through: gossipsub's RPC protobuf
 * decoding, the message-ID function and our message record (Snappy, SHA-256), and the
 * whole validation (signature recovery, SSZ decode, block hash with keccak and the trie).
 *
 * Nothing of the node is touched: the validator, the message records and the signer here are
 * the warm-up's own (V8 shares the compiled code and type feedback of a function between its
 * instances, so the node's own instances start warm all the same); nothing goes to the network,
 * the node's seen cache, its metrics or the EL. The work stops after `WARM_UP_MAX_MS` whatever
 * is left, so a slow machine starts late by at most that.
 *
 * That is our code only. The start step (warmUpStep) then runs the libraries' per-message path
 * (gossipsub, yamux, noise, TCP, our patches) on a throwaway mesh over 127.0.0.1:
 * warmUpLibraries.ts.
 */

import { RPC } from '@libp2p/gossipsub/message'
import { createBlockBuilder, devnetKey } from '../blocks/blockBuilder.ts'
import type { ChainConfig } from '../chains/types.ts'
import type { Startable } from '../util/lifecycle.ts'
import type { Logger } from '../util/logger.ts'
import { addressFromPrivateKey } from '../wire/signing.ts'
import { MessageRecords } from './messageRecords.ts'
import { type BlockValidator, createBlockValidator } from './validator.ts'
import {
  type LibraryWarmUpModules,
  type LibraryWarmUpResult,
  warmUpLibraries,
} from './warmUpLibraries.ts'

/** `--p2p.warmup`: nodes warm up unless told not to. */
export const DEFAULT_WARM_UP = true
/** Rounds of synthetic work: each one message through decode, message ID, record and validation. */
export const WARM_UP_ROUNDS = 300
/** Upper bound on the warm-up's time, whatever rounds are left. */
export const WARM_UP_MAX_MS = 1500
/** Decompressed size of the synthetic block: a typical busy-chain block. */
export const WARM_UP_BLOCK_BYTES = 100_000
/** Signed transactions the synthetic block reuses (signing each of its ~400 would take long). */
const WARM_UP_TX_POOL = 16

export interface WarmUpOptions {
  chain: ChainConfig
  /** @default WARM_UP_ROUNDS */
  rounds?: number
  /** @default WARM_UP_MAX_MS */
  maxMs?: number
  /** @default WARM_UP_BLOCK_BYTES */
  blockBytes?: number
}

export interface WarmUpModules {
  /** Wall clock of the synthetic block's timestamp, ms. @default Date.now */
  now?: () => number
  /** Monotonic clock of the time bound, ms. @default performance.now */
  monotonicNow?: () => number
  /** The validator to run (tests look into it afterwards). @default a fresh one for the warm-up */
  validator?: BlockValidator
}

export interface WarmUpStepModules {
  /** Sees the library warm-up's throwaway hosts (tests check they are gone afterwards). */
  onHosts?: LibraryWarmUpModules['onHosts']
}

/** The warm-up step's one info line. */
export const WARMED_UP_MESSAGE = 'warmed up the block validation and the gossip stack'

export interface WarmUpResult {
  /** Rounds run */
  rounds: number
  /** Rounds whose validation accepted the block (all of them, unless something is broken) */
  accepted: number
  /** Time spent, ms, building the block included */
  elapsedMs: number
  /** True when WARM_UP_MAX_MS ended it before all the rounds */
  timedOut: boolean
}

/** The key of the synthetic blocks: public, never a real signer. */
export const WARM_UP_SIGNER_KEY: Uint8Array = devnetKey('op-gossip warm-up signer')
/** Its address: the only signer the warm-up's validator accepts. */
export const WARM_UP_SIGNER_ADDRESS: Uint8Array = addressFromPrivateKey(WARM_UP_SIGNER_KEY)

/** Runs the warm-up (synchronous; see the module comment). */
export function warmUp(opts: WarmUpOptions, modules: WarmUpModules = {}): WarmUpResult {
  const monotonicNow = modules.monotonicNow ?? (() => performance.now())
  const now = modules.now ?? Date.now
  const started = monotonicNow()
  const deadline = started + (opts.maxMs ?? WARM_UP_MAX_MS)
  const rounds = opts.rounds ?? WARM_UP_ROUNDS

  const builder = createBlockBuilder({
    chain: opts.chain,
    privateKey: WARM_UP_SIGNER_KEY,
    startTimestamp: BigInt(Math.floor(now() / 1000)),
    targetBytes: opts.blockBytes ?? WARM_UP_BLOCK_BYTES,
    txPoolSize: WARM_UP_TX_POOL,
    now,
  })
  const block = builder.next()
  const validator =
    modules.validator ??
    createBlockValidator({ chain: opts.chain, signer: () => WARM_UP_SIGNER_ADDRESS, now })
  // The RPC frame gossipsub reads: our block as the one message of an RPC.
  const rpcBytes = RPC.encode({
    subscriptions: [],
    messages: [{ topic: block.topic, data: block.data }],
  })

  let done = 0
  let accepted = 0
  try {
    while (done < rounds && monotonicNow() < deadline) {
      const rpc = RPC.decode(rpcBytes)
      const message = rpc.messages[0]
      if (message?.data === undefined) break
      // A fresh record set per round: the records' recent-ID shortcut would skip the ID work.
      const records = new MessageRecords({}, { now })
      const id = records.messageId(message.topic, message.data)
      const record = records.forDispatch(records.idToString(id), message.topic, message.data)
      const decompressed = records.takeDecompressed(record)
      const result = validator.validate(message.topic, message.data, { decompressed })
      if (result.verdict === 'accept') accepted++
      // The same block again next round: its height must look new every time.
      validator.clearSeenBlocks()
      done++
    }
  } finally {
    validator.clearSeenBlocks()
  }
  return {
    rounds: done,
    accepted,
    elapsedMs: monotonicNow() - started,
    timedOut: done < rounds,
  }
}

/**
 * The warm-up as the node's start step right before the gossip host, so the first gossip message
 * finds the code already optimized: first our own per-message code in memory (warmUp), then the
 * libraries' on a throwaway mesh of hosts over 127.0.0.1 (warmUpLibraries.ts). One info line
 * reports both. Only an optimization: a failure of either is logged, never a reason not to start.
 */
export function warmUpStep(
  chain: ChainConfig,
  log: Logger,
  modules: WarmUpStepModules = {},
): Startable {
  return {
    async start() {
      let own: WarmUpResult
      try {
        own = warmUp({ chain })
      } catch (err) {
        log.warn({ err: String(err) }, 'warm-up failed, starting without it')
        return
      }
      let gossip: LibraryWarmUpResult | null = null
      try {
        gossip = await warmUpLibraries(
          {
            chain,
            signerKey: WARM_UP_SIGNER_KEY,
            signerAddress: WARM_UP_SIGNER_ADDRESS,
            blockBytes: WARM_UP_BLOCK_BYTES,
          },
          modules.onHosts === undefined ? { log } : { log, onHosts: modules.onHosts },
        )
      } catch (err) {
        log.warn({ err: String(err) }, 'warm-up of the gossip stack failed, starting without it')
      }
      log.info(
        {
          rounds: own.rounds,
          accepted: own.accepted,
          ms: Math.round(own.elapsedMs),
          timedOut: own.timedOut,
          gossipRounds: gossip?.rounds ?? null,
          gossipMessages: gossip?.messages ?? null,
          gossipMs: gossip === null ? null : Math.round(gossip.elapsedMs),
          gossipSetupMs: gossip === null ? null : Math.round(gossip.setupMs),
          gossipTimedOut: gossip?.timedOut ?? null,
        },
        WARMED_UP_MESSAGE,
      )
    },
    stop() {},
  }
}
