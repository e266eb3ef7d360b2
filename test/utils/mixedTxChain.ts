/**
 * A devnet chain whose blocks carry every transaction type OP chains carry in practice: the
 * L1-info deposit (0x7e) and EIP-1559 from the block builder, plus a legacy (EIP-155) and an
 * EIP-2930 transaction per block signed with viem, so a trusted RPC serving these blocks must
 * re-encode each type exactly.
 */
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createBlockBuilder, devnetKey } from '../../src/blocks/blockBuilder.ts'
import { createDevnetChain } from '../../src/chains/devnet.ts'
import type { ElSimGenesis } from '../../src/engine/elSimChain.ts'
import { toData } from '../../src/engine/schema.ts'
import { SEQUENCER_KEY, type TestChain } from '../unit/engine/helpers.ts'

const SENDER = privateKeyToAccount(toData(devnetKey('mixed-tx-sender')) as Hex)
const RECIPIENT = '0x00000000000000000000000000000000000c0ffe' as const

/** Signed legacy and EIP-2930 transactions, two per block, in nonce order. */
async function signedExtras(chainId: number, blocks: number): Promise<Uint8Array[][]> {
  const out: Uint8Array[][] = []
  let nonce = 0
  for (let i = 0; i < blocks; i++) {
    const legacy = await SENDER.signTransaction({
      type: 'legacy',
      chainId,
      nonce: nonce++,
      gasPrice: 2_000_000_000n,
      gas: 21_000n,
      to: RECIPIENT,
      value: BigInt(i + 1),
    })
    const accessList = await SENDER.signTransaction({
      type: 'eip2930',
      chainId,
      nonce: nonce++,
      gasPrice: 2_000_000_000n,
      gas: 30_000n,
      to: RECIPIENT,
      value: 0n,
      data: '0xa9059cbb',
      accessList: [{ address: RECIPIENT, storageKeys: [`0x${'00'.repeat(31)}01`] }],
    })
    out.push([legacy, accessList].map((h) => new Uint8Array(Buffer.from(h.slice(2), 'hex'))))
  }
  return out
}

/** Like buildTestChain (1 s blocks, forks through Isthmus at genesis), with mixed transactions. */
export async function buildMixedTxChain(count: number, seed = 7): Promise<TestChain> {
  const l2Time = 1_700_000_000
  const genesis: ElSimGenesis = {
    hash: toData(devnetKey(`mixed-genesis-${seed}`)),
    number: 0,
    timestamp: l2Time,
  }
  const chain = createDevnetChain({
    blockTime: 1,
    genesis: { l2Time, l2Number: 0, l2Hash: genesis.hash },
  })
  const extras = await signedExtras(chain.chainId, count)
  const builder = createBlockBuilder({
    chain,
    privateKey: SEQUENCER_KEY,
    txCount: 2,
    seed,
    startTimestamp: BigInt(l2Time + 1),
  })
  const blocks = extras.map((txs) => builder.next({ modify: (p) => p.transactions.push(...txs) }))
  return { chain, genesis, blocks }
}
