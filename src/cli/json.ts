/**
 * JSON output helpers for CLI commands: bytes as 0x-hex, integers as JSON numbers while exact
 * (<= 2^53 - 1) and as decimal strings beyond, so no consumer silently loses precision.
 */
import { getAddress } from 'viem'
import type { ExecutionPayload } from '../wire/types.ts'

/** Lower-case 0x-hex of `bytes`. */
export function toHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

/** A JSON number when exactly representable, else the decimal string. */
export function jsonInteger(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(value)
    : value.toString()
}

/** EIP-55 checksummed address (viem: fine off the hot path). */
export function toChecksumAddress(address: Uint8Array): `0x${string}` {
  return getAddress(toHex(address))
}

/** What `inspect` prints for a decoded payload. */
export interface PayloadJson {
  blockNumber: number | string
  blockHash: string
  parentHash: string
  timestamp: number | string
  gasUsed: number | string
  gasLimit: number | string
  /** Number of transactions */
  transactions: number
  feeRecipient: string
  stateRoot: string
  receiptsRoot: string
  prevRandao: string
  extraData: string
  baseFeePerGas: number | string
  /** Number of withdrawals (v2+) */
  withdrawals?: number
  blobGasUsed?: number | string
  excessBlobGas?: number | string
  withdrawalsRoot?: string
}

export function payloadToJson(p: ExecutionPayload): PayloadJson {
  const out: PayloadJson = {
    blockNumber: jsonInteger(p.blockNumber),
    blockHash: toHex(p.blockHash),
    parentHash: toHex(p.parentHash),
    timestamp: jsonInteger(p.timestamp),
    gasUsed: jsonInteger(p.gasUsed),
    gasLimit: jsonInteger(p.gasLimit),
    transactions: p.transactions.length,
    feeRecipient: toChecksumAddress(p.feeRecipient),
    stateRoot: toHex(p.stateRoot),
    receiptsRoot: toHex(p.receiptsRoot),
    prevRandao: toHex(p.prevRandao),
    extraData: toHex(p.extraData),
    baseFeePerGas: jsonInteger(p.baseFeePerGas),
  }
  if (p.withdrawals !== undefined) out.withdrawals = p.withdrawals.length
  if (p.blobGasUsed !== undefined) out.blobGasUsed = jsonInteger(p.blobGasUsed)
  if (p.excessBlobGas !== undefined) out.excessBlobGas = jsonInteger(p.excessBlobGas)
  if (p.withdrawalsRoot !== undefined) out.withdrawalsRoot = toHex(p.withdrawalsRoot)
  return out
}
