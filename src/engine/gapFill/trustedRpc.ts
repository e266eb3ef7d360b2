/**
 * The trusted L2 RPC of gap filling (`--l2.backup-unsafe-sync-rpc`) as the filler uses it: its
 * chain id, and blocks by number (or its unsafe head, `latest`) turned into checked payloads.
 * Every way the RPC can be wrong is a GapFillError with a kind the filler counts and logs once.
 */
import type { ChainConfig } from '../../chains/types.ts'
import { OpGossipError } from '../../util/errors.ts'
import { EngineError } from '../errors.ts'
import {
  checkRpcBlockHash,
  payloadFromRpcBlock,
  RpcBlockError,
  type RpcBlockPayload,
} from '../rpcBlock.ts'
import type { RpcClient } from '../rpcClient.ts'
import { toData, toQuantity } from '../schema.ts'

/** Why a gap fill from the RPC stopped (the `kind` label of op_gossip_engine_gap_fill_errors_total). */
export const GAP_FILL_ERROR_KINDS = [
  /** A block (or one of its transactions) does not hash to the hash the RPC gave */
  'bad-hash',
  /** A block's parent is not the block before it (or the EL head, or the gossip chain above) */
  'broken-link',
  /** eth_chainId is not our chain's */
  'wrong-chain',
  /** The EL answered INVALID for a fetched block */
  'invalid',
  /** The answer is not a block with full transactions */
  'bad-block',
  /** No answer after the retries (transport, timeout, HTTP or JSON-RPC error) */
  'unavailable',
] as const
export type GapFillErrorKind = (typeof GAP_FILL_ERROR_KINDS)[number]

export class GapFillError extends OpGossipError<'GAP_FILL_SOURCE_FAILED'> {
  override name = 'GapFillError'
  /** What was wrong with the source (`kind` is the error model's configuration / runtime) */
  readonly reason: GapFillErrorKind

  constructor(reason: GapFillErrorKind, message: string, cause?: unknown) {
    super('GAP_FILL_SOURCE_FAILED', message, cause === undefined ? {} : { cause })
    this.reason = reason
  }
}

export interface TrustedRpcOptions {
  chain: ChainConfig
  /** Skip the block-hash recomputation, as op-node's `trustrpc` did. @default false */
  trustRpc?: boolean
}

export interface TrustedRpc {
  readonly url: string
  /** @throws GapFillError wrong-chain / unavailable */
  checkChainId(signal?: AbortSignal): Promise<void>
  /** The block at `at`, hash-checked unless trusted; null when the RPC does not have it (yet). */
  block(at: number | 'latest', signal?: AbortSignal): Promise<RpcBlockPayload | null>
}

export function createTrustedRpc(opts: TrustedRpcOptions, rpc: RpcClient): TrustedRpc {
  const { chain } = opts
  async function call(method: string, params: unknown[], signal?: AbortSignal) {
    try {
      return await rpc.call(method, params, signal === undefined ? {} : { signal })
    } catch (err) {
      const detail = err instanceof EngineError ? err.message : String(err)
      throw new GapFillError('unavailable', `${method} from ${rpc.url}: ${detail}`, err)
    }
  }
  return {
    url: rpc.url,
    async checkChainId(signal) {
      const answer = await call('eth_chainId', [], signal)
      const theirs = typeof answer === 'string' ? Number.parseInt(answer, 16) : Number.NaN
      if (theirs !== chain.chainId) {
        throw new GapFillError(
          'wrong-chain',
          `${rpc.url} serves chain ${String(answer)}, expected ${chain.chainId} (${toQuantity(chain.chainId)})`,
        )
      }
    },
    async block(at, signal) {
      const tag = at === 'latest' ? 'latest' : toQuantity(at)
      const json = await call('eth_getBlockByNumber', [tag, true], signal)
      if (json === null) return null
      let block: RpcBlockPayload
      try {
        block = payloadFromRpcBlock(json, chain)
        if (opts.trustRpc !== true) checkRpcBlockHash(block)
      } catch (err) {
        const kind =
          err instanceof RpcBlockError && err.code !== 'RPC_BLOCK_BAD_SHAPE'
            ? 'bad-hash'
            : 'bad-block'
        throw new GapFillError(kind, `block ${tag} from ${rpc.url}: ${(err as Error).message}`, err)
      }
      if (at !== 'latest' && block.payload.blockNumber !== BigInt(at)) {
        throw new GapFillError(
          'bad-block',
          `asked ${rpc.url} for block ${at}, got ${block.payload.blockNumber} (${toData(block.payload.blockHash)})`,
        )
      }
      return block
    },
  }
}
