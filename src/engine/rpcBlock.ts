/**
 * A block from a trusted L2 RPC (`eth_getBlockByNumber(n, true)`, as op-geth / op-reth serve it)
 * turned into the ExecutionPayload of its fork, for gap filling where EL sync cannot
 * (`--l2.backup-unsafe-sync-rpc`). Every transaction is re-encoded to its exact EIP-2718 bytes
 * (viem's OP Stack serializers: legacy, 2930, 1559, 7702 and 0x7e deposits) and must hash to the
 * `hash` the RPC gave; the block hash is recomputed by the caller unless the RPC is trusted
 * (checkRpcBlockHash). Nothing the RPC says is believed without one of these checks.
 */
import { formatTransaction, keccak256, type RpcTransaction, type Signature } from 'viem'
import { serializeTransaction } from 'viem/op-stack'
import type { ChainConfig } from '../chains/types.ts'
import { OpGossipError } from '../util/errors.ts'
import { computeBlockHash } from '../wire/blockHash.ts'
import { blockVersionAt } from '../wire/topics.ts'
import type { BlockVersion, ExecutionPayload } from '../wire/types.ts'
import {
  ADDRESS_SIZE_BYTES,
  asObject,
  EXTRA_DATA_MAX_SIZE_BYTES,
  HASH_SIZE_BYTES,
  LOGS_BLOOM_SIZE_BYTES,
  parseData,
  parseQuantity,
  SchemaError,
  withdrawalFromJson,
} from './schema.ts'

/** op-node's payload limit: a block with more transactions than gossip carries is refused. */
export const MAX_RPC_BLOCK_TRANSACTIONS = 1 << 20

export type RpcBlockErrorCode =
  /** The JSON is not a block with full transactions (a field is missing or malformed) */
  | 'RPC_BLOCK_BAD_SHAPE'
  /** A transaction does not re-encode to its own hash: a lying RPC, or a type we cannot encode */
  | 'RPC_BLOCK_TX_HASH_MISMATCH'
  /** The recomputed block hash differs from the one the RPC gave */
  | 'RPC_BLOCK_HASH_MISMATCH'

export class RpcBlockError extends OpGossipError<RpcBlockErrorCode> {
  override name = 'RpcBlockError'
}

/** The payload of a fetched block, with what its fork's Engine API call needs besides it. */
export interface RpcBlockPayload {
  version: BlockVersion
  payload: ExecutionPayload
  /** V3+ */
  parentBeaconBlockRoot?: Uint8Array
}

/** The exact EIP-2718 bytes of one RPC transaction object. */
export function rawTransaction(value: unknown, field: string): Uint8Array {
  const rpc = asObject(value, field)
  let serialized: `0x${string}`
  if (rpc.type === '0x7e') {
    serialized = serializeTransaction({
      type: 'deposit',
      sourceHash: rpc.sourceHash as `0x${string}`,
      from: rpc.from as `0x${string}`,
      ...(rpc.to ? { to: rpc.to as `0x${string}` } : {}),
      mint: parseQuantity(rpc.mint ?? '0x0', `${field}.mint`),
      value: parseQuantity(rpc.value, `${field}.value`),
      gas: parseQuantity(rpc.gas, `${field}.gas`),
      isSystemTx: rpc.isSystemTx === true,
      data: rpc.input as `0x${string}`,
    })
  } else {
    const tx = formatTransaction(rpc as unknown as RpcTransaction)
    // viem's legacy serializer reads the signature from its argument only, typed ones from either.
    const signature: Signature =
      tx.type === 'legacy'
        ? { r: tx.r, s: tx.s, v: tx.v }
        : { r: tx.r, s: tx.s, yParity: tx.yParity as number }
    serialized = serializeTransaction(
      { ...tx, data: tx.input } as unknown as Parameters<typeof serializeTransaction>[0],
      signature,
    )
  }
  if (keccak256(serialized) !== String(rpc.hash).toLowerCase()) {
    throw new RpcBlockError(
      'RPC_BLOCK_TX_HASH_MISMATCH',
      `${field} (type ${String(rpc.type)}) does not re-encode to its hash ${String(rpc.hash)}`,
    )
  }
  return new Uint8Array(Buffer.from(serialized.slice(2), 'hex'))
}

/**
 * The ExecutionPayload of `block` for the fork `chain` has at its timestamp. Fields a later fork
 * adds are taken exactly from that fork on: a block that lacks one its fork needs is a bad shape.
 * @throws RpcBlockError
 */
export function payloadFromRpcBlock(block: unknown, chain: ChainConfig): RpcBlockPayload {
  try {
    const o = asObject(block, 'block')
    const hash = (k: string) => parseData(o[k], `block.${k}`, { exact: HASH_SIZE_BYTES })
    const timestamp = parseQuantity(o.timestamp, 'block.timestamp')
    const version = blockVersionAt(chain, timestamp)
    if (!Array.isArray(o.transactions))
      throw new SchemaError('block.transactions', 'expected an array')
    if (o.transactions.length > MAX_RPC_BLOCK_TRANSACTIONS) {
      throw new SchemaError('block.transactions', `more than ${MAX_RPC_BLOCK_TRANSACTIONS}`)
    }
    const payload: ExecutionPayload = {
      parentHash: hash('parentHash'),
      feeRecipient: parseData(o.miner, 'block.miner', { exact: ADDRESS_SIZE_BYTES }),
      stateRoot: hash('stateRoot'),
      receiptsRoot: hash('receiptsRoot'),
      logsBloom: parseData(o.logsBloom, 'block.logsBloom', { exact: LOGS_BLOOM_SIZE_BYTES }),
      prevRandao: hash('mixHash'),
      blockNumber: parseQuantity(o.number, 'block.number'),
      gasLimit: parseQuantity(o.gasLimit, 'block.gasLimit'),
      gasUsed: parseQuantity(o.gasUsed, 'block.gasUsed'),
      timestamp,
      extraData: parseData(o.extraData, 'block.extraData', { max: EXTRA_DATA_MAX_SIZE_BYTES }),
      baseFeePerGas: parseQuantity(o.baseFeePerGas, 'block.baseFeePerGas'),
      blockHash: hash('hash'),
      transactions: o.transactions.map((tx, i) => rawTransaction(tx, `block.transactions[${i}]`)),
    }
    if (version >= 2) {
      if (!Array.isArray(o.withdrawals))
        throw new SchemaError('block.withdrawals', 'expected an array')
      payload.withdrawals = o.withdrawals.map((w, i) =>
        withdrawalFromJson(w, `block.withdrawals[${i}]`),
      )
    }
    const out: RpcBlockPayload = { version, payload }
    if (version >= 3) {
      payload.blobGasUsed = parseQuantity(o.blobGasUsed, 'block.blobGasUsed')
      payload.excessBlobGas = parseQuantity(o.excessBlobGas, 'block.excessBlobGas')
      out.parentBeaconBlockRoot = hash('parentBeaconBlockRoot')
    }
    if (version === 4) payload.withdrawalsRoot = hash('withdrawalsRoot')
    return out
  } catch (err) {
    if (err instanceof RpcBlockError) throw err
    throw new RpcBlockError('RPC_BLOCK_BAD_SHAPE', (err as Error).message, { cause: err })
  }
}

/** @throws RpcBlockError RPC_BLOCK_HASH_MISMATCH when the header does not hash to blockHash */
export function checkRpcBlockHash(block: RpcBlockPayload): void {
  const computed = computeBlockHash(block.payload, block.version, block.parentBeaconBlockRoot)
  if (!Buffer.from(computed).equals(Buffer.from(block.payload.blockHash))) {
    const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
    throw new RpcBlockError(
      'RPC_BLOCK_HASH_MISMATCH',
      `block ${block.payload.blockNumber}: header hashes to ${hex(computed)}, the RPC said ${hex(block.payload.blockHash)}`,
    )
  }
}
