/**
 * Blocks from a trusted RPC → ExecutionPayload, against real OP blocks (../shared/vectors
 * hildr-op-blocks.json: eth_getBlockByNumber JSON with full transaction objects): every
 * transaction re-encodes to its hash and the recomputed block hash is the block's.
 */
import { describe, expect, it } from 'vitest'
import { getBuiltinChain } from '../../../src/chains/builtin.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import {
  checkRpcBlockHash,
  payloadFromRpcBlock,
  RpcBlockError,
} from '../../../src/engine/rpcBlock.ts'
import { loadVectors, vectorsAvailable } from '../../utils/vectors.ts'

const opSepolia = getBuiltinChain('op-sepolia')!
/** OP Goerli as far as its Bedrock-era block needs: no fork after Regolith. */
const opGoerliBedrock = createDevnetChain({
  chainId: 420,
  forks: {
    canyon: null,
    delta: null,
    ecotone: null,
    fjord: null,
    granite: null,
    holocene: null,
    isthmus: null,
  },
})

function blockJson(name: string): Record<string, unknown> {
  const v = loadVectors('hildr-op-blocks.json').find((x) => x.name === name)!
  const b = v.input.block_json_as_found
  return typeof b === 'string' ? JSON.parse(b) : structuredClone(b)
}

const expectCode = (fn: () => unknown, code: string) => {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(RpcBlockError)
    expect((err as RpcBlockError).code).toBe(code)
    return
  }
  throw new Error(`expected ${code}`)
}

describe.skipIf(!vectorsAvailable)('engine / rpcBlock (real OP blocks)', () => {
  const cases = [
    ['hildr_bedrock_raw_block', opGoerliBedrock, 1],
    ['hildr_op_block_json', opSepolia, 3],
    ['hildr_temp_block_json', opSepolia, 3],
  ] as const

  for (const [name, chain, version] of cases) {
    it(`${name}: payload V${version} whose transactions and header hash to the block's`, () => {
      const json = blockJson(name)
      const block = payloadFromRpcBlock(json, chain)
      expect(block.version).toBe(version)
      expect(block.payload.transactions).toHaveLength((json.transactions as unknown[]).length)
      // Deposits first, as every OP block starts with the L1-info deposit.
      expect(block.payload.transactions[0]?.[0]).toBe(0x7e)
      expect(() => checkRpcBlockHash(block)).not.toThrow()
      const expected = loadVectors('hildr-op-blocks.json').find((x) => x.name === name)!
      expect(`0x${Buffer.from(block.payload.blockHash).toString('hex')}`).toBe(
        expected.expected.block_hash,
      )
    })
  }

  it('a block whose JSON lists fewer transactions than its header commits to fails the hash check', () => {
    // hildr_ectone_raw_block: the collected JSON kept 1 of its transactions (vector notes).
    const block = payloadFromRpcBlock(blockJson('hildr_ectone_raw_block'), opSepolia)
    expect(block.version).toBe(3)
    expectCode(() => checkRpcBlockHash(block), 'RPC_BLOCK_HASH_MISMATCH')
  })

  it('a transaction that does not re-encode to its hash is refused (a lying RPC)', () => {
    const json = blockJson('hildr_op_block_json')
    const txs = json.transactions as Record<string, unknown>[]
    txs[2] = { ...txs[2], value: '0x1' }
    expectCode(() => payloadFromRpcBlock(json, opSepolia), 'RPC_BLOCK_TX_HASH_MISMATCH')
    const deposit = blockJson('hildr_op_block_json')
    ;(deposit.transactions as Record<string, unknown>[])[0]!.mint = '0x5'
    expectCode(() => payloadFromRpcBlock(deposit, opSepolia), 'RPC_BLOCK_TX_HASH_MISMATCH')
  })

  it('a header field changed under the same hash fails the block hash check', () => {
    const json = blockJson('hildr_op_block_json')
    json.stateRoot = `0x${'11'.repeat(32)}`
    const block = payloadFromRpcBlock(json, opSepolia)
    expectCode(() => checkRpcBlockHash(block), 'RPC_BLOCK_HASH_MISMATCH')
  })

  it('a field the fork needs missing or malformed is a bad shape', () => {
    for (const broken of [
      (b: Record<string, unknown>) => delete b.parentBeaconBlockRoot,
      (b: Record<string, unknown>) => delete b.withdrawals,
      (b: Record<string, unknown>) => {
        b.number = '12'
      },
      (b: Record<string, unknown>) => {
        b.transactions = ['0x3ae14753cfc7dc0a7f03612c69c2d7586e2b1609b78823e44cf4c6c0286e6cfa']
      },
    ]) {
      const json = blockJson('hildr_op_block_json')
      broken(json)
      expectCode(() => payloadFromRpcBlock(json, opSepolia), 'RPC_BLOCK_BAD_SHAPE')
    }
    expectCode(() => payloadFromRpcBlock(null, opSepolia), 'RPC_BLOCK_BAD_SHAPE')
  })
})
