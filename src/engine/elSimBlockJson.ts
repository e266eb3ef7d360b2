/**
 * A stored el-sim block as eth_getBlockByHash / eth_getBlockByNumber answer it: op-geth's
 * header fields, and transaction hashes, or with `full` op-geth's transaction objects
 * (rpcTransactionJson.ts), so an el-sim can serve as another node's gap-fill RPC.
 */
import { EMPTY_OMMERS_HASH, EMPTY_REQUESTS_HASH, withdrawalsTrieRoot } from '../wire/blockHash.ts'
import { keccak256 } from '../wire/keccak.ts'
import { orderedTrieRoot } from '../wire/trie.ts'
import type { StoredBlock } from './elSimBlockStore.ts'
import { rpcTransactionJson } from './rpcTransactionJson.ts'
import { toData, toQuantity } from './schema.ts'

export function elSimBlockJson(b: StoredBlock | null, full: boolean): unknown {
  if (b === null) return null
  const json: Record<string, unknown> = {
    number: toQuantity(b.number),
    hash: b.hash,
    parentHash: b.parentHash,
    timestamp: toQuantity(b.timestamp),
    sha3Uncles: toData(EMPTY_OMMERS_HASH),
    difficulty: '0x0',
    nonce: '0x0000000000000000',
    uncles: [],
  }
  const data = b.data
  if (data === null) {
    // the genesis block: el-sim knows only its header fields
    json.transactions = []
    return json
  }
  const p = data.payload
  Object.assign(json, {
    miner: toData(p.feeRecipient),
    stateRoot: toData(p.stateRoot),
    receiptsRoot: toData(p.receiptsRoot),
    transactionsRoot: toData(orderedTrieRoot(p.transactions)),
    logsBloom: toData(p.logsBloom),
    mixHash: toData(p.prevRandao),
    gasLimit: toQuantity(p.gasLimit),
    gasUsed: toQuantity(p.gasUsed),
    extraData: toData(p.extraData),
    baseFeePerGas: toQuantity(p.baseFeePerGas),
    transactions: p.transactions.map((tx, index) =>
      full
        ? rpcTransactionJson(tx, { blockHash: b.hash, blockNumber: BigInt(b.number), index })
        : toData(keccak256(tx)),
    ),
  })
  if (p.withdrawals !== undefined) {
    json.withdrawals = []
    json.withdrawalsRoot = toData(p.withdrawalsRoot ?? withdrawalsTrieRoot(p.withdrawals))
  }
  if (p.blobGasUsed !== undefined) json.blobGasUsed = toQuantity(p.blobGasUsed)
  if (p.excessBlobGas !== undefined) json.excessBlobGas = toQuantity(p.excessBlobGas)
  if (data.parentBeaconBlockRoot !== undefined)
    json.parentBeaconBlockRoot = toData(data.parentBeaconBlockRoot)
  if (data.version === 4) json.requestsHash = toData(EMPTY_REQUESTS_HASH)
  return json
}
