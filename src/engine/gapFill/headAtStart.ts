/**
 * After a restart the node has no gossip block to point the EL at, so a gap left before the
 * restart would stay open until the sequencer's next block. With a trusted source (the backup
 * RPC, else `--l2.follow.source` when it is an EL), its unsafe head (`latest`) is fetched once
 * the EL's head is known and handed to the driver like a block: the EL syncs (or the gap filler
 * fills) towards it at once.
 */
import type { Startable } from '../../util/lifecycle.ts'
import { type Logger, silentLogger } from '../../util/logger.ts'
import { EngineError } from '../errors.ts'
import type { RpcBlockPayload } from '../rpcBlock.ts'
import { delay } from '../rpcClient.ts'
import { type BlockRef, toData } from '../schema.ts'
import { GapFillError, type TrustedRpc } from './trustedRpc.ts'

const isRpcAnswer = (err: unknown) => err instanceof EngineError && err.code === 'ENGINE_RPC_ERROR'

/** How often the EL's head is looked for, and a failed read retried. */
export const HEAD_AT_START_RETRY_INTERVAL_MS = 1_000
/** Reads of the source's head at most (then gossip alone sets the target). */
export const HEAD_AT_START_MAX_ATTEMPTS = 10

export interface HeadAtStartOptions {
  /** Names the source in logs: 'backup-rpc' or 'follow-source' */
  source: string
  /** @default HEAD_AT_START_RETRY_INTERVAL_MS (ms) */
  retryIntervalMs?: number
  /** @default HEAD_AT_START_MAX_ATTEMPTS */
  maxAttempts?: number
}

export interface HeadAtStartModules {
  host: {
    confirmedHead(): BlockRef | null
    offerFetchedBlock(block: RpcBlockPayload): void
  }
  rpc: TrustedRpc
  log?: Logger
}

export function createHeadAtStart(
  opts: HeadAtStartOptions,
  modules: HeadAtStartModules,
): Startable {
  const log = modules.log ?? silentLogger
  const { host, rpc } = modules
  const retryMs = opts.retryIntervalMs ?? HEAD_AT_START_RETRY_INTERVAL_MS
  const maxAttempts = opts.maxAttempts ?? HEAD_AT_START_MAX_ATTEMPTS
  let abort: AbortController | null = null
  let running: Promise<void> | null = null

  async function run(signal: AbortSignal): Promise<void> {
    let lastError: string | null = null
    for (let attempt = 0; attempt < maxAttempts && !signal.aborted; ) {
      const head = host.confirmedHead()
      if (head === null) {
        await delay(retryMs, signal) // the EL is not connected yet: no attempt used
        continue
      }
      attempt++
      try {
        await rpc.checkChainId(signal)
        const block = await rpc.block('latest', signal)
        if (block === null || signal.aborted) return
        const number = Number(block.payload.blockNumber)
        const target = { number, hash: toData(block.payload.blockHash) }
        if (number > head.number) {
          log.info(
            { source: opts.source, target, elHead: { number: head.number, hash: head.hash } },
            'sync target from the trusted source at start',
          )
          host.offerFetchedBlock(block)
        } else {
          log.debug(
            { source: opts.source, target, elHead: head.number },
            'EL already at the source head',
          )
        }
        return
      } catch (err) {
        const message = (err as Error).message
        if (message !== lastError) {
          log.warn(
            {
              source: opts.source,
              kind: err instanceof GapFillError ? err.reason : undefined,
              err: message,
            },
            'could not read the trusted source head at start',
          )
        }
        lastError = message
        if (err instanceof GapFillError && err.reason === 'wrong-chain') return
        // A JSON-RPC error is an answer: the source does not serve eth_* (an op-node follow source).
        if (err instanceof GapFillError && isRpcAnswer(err.cause)) return
        await delay(retryMs, signal)
      }
    }
  }

  return {
    start() {
      if (abort !== null) return
      abort = new AbortController()
      running = run(abort.signal).finally(() => {
        running = null
      })
    },
    async stop() {
      abort?.abort()
      abort = null
      await running
    },
  }
}
