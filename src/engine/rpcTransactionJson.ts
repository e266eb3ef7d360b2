/**
 * A raw EIP-2718 transaction as op-geth's `eth_getBlockByNumber(n, true)` shows it: the object
 * el-sim serves, so that one el-sim can be another node's trusted gap-fill RPC. Decoding is
 * viem's (OP Stack parser: legacy, 2930, 1559, 7702 and 0x7e deposits); `from` of a signed
 * transaction is recovered from its signature.
 */
import { type Hex, keccak256, toHex } from 'viem'
import {
  type ParseTransactionReturnType,
  parseTransaction,
  serializeTransaction,
} from 'viem/op-stack'
import { secp256k1Backend } from '../wire/secp256k1.ts'

export interface TransactionPosition {
  blockHash: Hex
  blockNumber: bigint
  index: number
}

const q = (n: bigint | number | undefined) => (n === undefined ? '0x0' : toHex(n))

const TYPE_HEX = { legacy: '0x0', eip2930: '0x1', eip1559: '0x2', eip7702: '0x4' } as const

/** Sender of a signed transaction: the key that signed keccak256(unsigned serialization). */
function senderOf(tx: ParseTransactionReturnType, yParity: number): Hex | null {
  const { r, s, v: _v, yParity: _y, ...unsigned } = tx as Record<string, unknown>
  if (typeof r !== 'string' || typeof s !== 'string') return null
  const preimage = serializeTransaction(unsigned as Parameters<typeof serializeTransaction>[0])
  const signature = Buffer.from(
    `${r.slice(2).padStart(64, '0')}${s.slice(2).padStart(64, '0')}`,
    'hex',
  )
  const hash = Buffer.from(keccak256(preimage).slice(2), 'hex')
  const pub = secp256k1Backend.recover(signature, yParity, hash)
  if (pub === null) return null
  return `0x${Buffer.from(keccak256(pub.subarray(1), 'bytes').subarray(12)).toString('hex')}`
}

export function rpcTransactionJson(
  raw: Uint8Array,
  at: TransactionPosition,
): Record<string, unknown> {
  const serialized = toHex(raw)
  // Typed as every OP Stack kind: a raw transaction may be a deposit as well.
  const tx = parseTransaction(serialized) as ParseTransactionReturnType
  const json: Record<string, unknown> = {
    blockHash: at.blockHash,
    blockNumber: q(at.blockNumber),
    transactionIndex: q(at.index),
    hash: keccak256(serialized),
    to: tx.to ?? null,
    gas: q(tx.gas),
    value: q(tx.value),
    input: tx.data ?? '0x',
  }
  if (tx.type === 'deposit') {
    return {
      ...json,
      type: '0x7e',
      from: tx.from,
      sourceHash: tx.sourceHash,
      mint: q(tx.mint ?? 0n),
      isSystemTx: tx.isSystemTx ?? false,
      nonce: '0x0',
      gasPrice: '0x0',
    }
  }
  const yParity =
    tx.type === 'legacy'
      ? Number(
          tx.v === 27n || tx.v === 28n ? (tx.v as bigint) - 27n : ((tx.v as bigint) - 35n) % 2n,
        )
      : (tx.yParity as number)
  Object.assign(json, {
    type: TYPE_HEX[tx.type as keyof typeof TYPE_HEX],
    from: senderOf(tx, yParity),
    nonce: q(tx.nonce),
    r: tx.r,
    s: tx.s,
  })
  if (tx.chainId !== undefined) json.chainId = q(tx.chainId)
  if (tx.type === 'legacy') {
    return { ...json, gasPrice: q(tx.gasPrice), v: q(tx.v) }
  }
  json.v = q(yParity)
  json.yParity = q(yParity)
  json.accessList = ('accessList' in tx ? tx.accessList : undefined) ?? []
  if (tx.type === 'eip2930') return { ...json, gasPrice: q(tx.gasPrice) }
  Object.assign(json, {
    maxFeePerGas: q(tx.maxFeePerGas),
    maxPriorityFeePerGas: q(tx.maxPriorityFeePerGas),
  })
  if (tx.type === 'eip7702') {
    json.authorizationList = (tx.authorizationList ?? []).map((a) => ({
      chainId: q(a.chainId),
      address: a.address,
      nonce: q(a.nonce),
      yParity: q(a.yParity ?? 0),
      r: a.r,
      s: a.s,
    }))
  }
  return json
}
