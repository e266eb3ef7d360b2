/**
 * el-sim's op-geth-shaped transaction objects, fed back through the gap-fill converter: every
 * type OP chains carry comes back to its exact bytes, and `from` is the signer.
 */
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { createL1InfoDepositTx } from '../../../src/blocks/transactions.ts'
import { startElSim } from '../../../src/engine/elSim.ts'
import {
  checkRpcBlockHash,
  payloadFromRpcBlock,
  rawTransaction,
} from '../../../src/engine/rpcBlock.ts'
import { createRpcClient } from '../../../src/engine/rpcClient.ts'
import { rpcTransactionJson } from '../../../src/engine/rpcTransactionJson.ts'
import { buildTestChain } from './helpers.ts'

/** Anvil / Hardhat dev account #5: a public test key. */
const account = privateKeyToAccount(
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
)
const TO = `0x${'11'.repeat(20)}` as const
const at = { blockHash: `0x${'ab'.repeat(32)}` as const, blockNumber: 7n, index: 3 }
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex.slice(2), 'hex'))

describe('engine / rpcTransactionJson', () => {
  it('legacy (pre-155 and 155), 2930, 1559 and 7702 round-trip through the converter with their signer', async () => {
    const common = { nonce: 4, gas: 60_000n, to: TO, value: 5n, data: '0xabcdef' as const }
    const signed = [
      await account.signTransaction({ ...common, type: 'legacy', gasPrice: 7n }),
      await account.signTransaction({ ...common, type: 'legacy', gasPrice: 7n, chainId: 901 }),
      await account.signTransaction({
        ...common,
        type: 'eip2930',
        gasPrice: 7n,
        chainId: 901,
        accessList: [{ address: TO, storageKeys: [`0x${'00'.repeat(31)}01`] }],
      }),
      await account.signTransaction({
        ...common,
        type: 'eip1559',
        chainId: 901,
        maxFeePerGas: 9n,
        maxPriorityFeePerGas: 1n,
      }),
      await account.signTransaction({
        ...common,
        type: 'eip7702',
        chainId: 901,
        maxFeePerGas: 9n,
        maxPriorityFeePerGas: 1n,
        authorizationList: [
          await account.signAuthorization({ chainId: 901, contractAddress: TO, nonce: 5 }),
        ],
      }),
    ]
    for (const hex of signed) {
      const json = rpcTransactionJson(bytes(hex), at)
      expect(json.from, String(json.type)).toBe(account.address.toLowerCase())
      expect(json).toMatchObject({ blockNumber: '0x7', transactionIndex: '0x3' })
      expect(Buffer.from(rawTransaction(json, 'tx')).toString('hex')).toBe(hex.slice(2))
    }
  })

  it('a deposit keeps its source hash, mint and system flag', () => {
    const deposit = createL1InfoDepositTx(
      'ecotone',
      {
        number: 100n,
        timestamp: 1000n,
        baseFee: 7n,
        blobBaseFee: 1n,
        hash: new Uint8Array(32).fill(1),
        batcherHash: new Uint8Array(32).fill(2),
        baseFeeScalar: 1,
        blobBaseFeeScalar: 2,
        operatorFeeScalar: 0,
        operatorFeeConstant: 0n,
        daFootprintGasScalar: 0,
      },
      2n,
    )
    const json = rpcTransactionJson(deposit, at)
    expect(json).toMatchObject({ type: '0x7e', mint: '0x0', isSystemTx: false })
    expect(rawTransaction(json, 'tx')).toEqual(deposit)
  })

  it('an el-sim block served with full transactions converts back to the payload and its hash', async () => {
    const t = buildTestChain(2)
    const sim = await startElSim({
      chain: t.chain,
      jwtSecret: new Uint8Array(32).fill(3),
      genesis: t.genesis,
    })
    try {
      for (const b of t.blocks) {
        sim.chainState.insertCanonical({
          payload: b.envelope.payload,
          version: b.version,
          parentBeaconBlockRoot: b.envelope.parentBeaconBlockRoot!,
        })
      }
      const rpc = createRpcClient({ url: sim.url, jwtSecret: new Uint8Array(32).fill(3) })
      const json = await rpc.call('eth_getBlockByNumber', ['0x2', true])
      const block = payloadFromRpcBlock(json, t.chain)
      checkRpcBlockHash(block)
      const sent = t.blocks[1]!.envelope.payload
      expect(block.payload.transactions).toEqual(sent.transactions)
      expect(block.payload.blockHash).toEqual(sent.blockHash)
    } finally {
      await sim.stop()
    }
  })
})
