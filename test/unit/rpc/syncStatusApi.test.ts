import { describe, expect, it } from 'vitest'
import {
  createBlockBuilder,
  devnetKey,
  L2_BLOCKS_PER_L1_ORIGIN,
} from '../../../src/blocks/blockBuilder.ts'
import {
  createL1InfoDepositTx,
  L1_INFO_FORMATS,
  type L1InfoFormat,
  type L1Origin,
} from '../../../src/blocks/transactions.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { bytesToHex } from '../../../src/metrics/blockTimeline.ts'
import { handleJsonRpcBody } from '../../../src/rpc/jsonRpc.ts'
import { depositCalldata, l1InfoOriginOf } from '../../../src/rpc/l1InfoOrigin.ts'
import {
  createSyncStatusApi,
  syncStatusJson,
  ZERO_HASH_HEX,
} from '../../../src/rpc/syncStatusApi.ts'
import type { HeadRef, SyncStatusSnapshot } from '../../../src/status/statusSources.ts'

const origin: L1Origin = {
  number: 7_654_321n,
  timestamp: 1_700_000_000n,
  baseFee: 12n,
  blobBaseFee: 1n,
  hash: new Uint8Array(32).fill(0xab),
  batcherHash: new Uint8Array(32).fill(0x01),
  baseFeeScalar: 1368,
  blobBaseFeeScalar: 810_949,
  operatorFeeScalar: 0,
  operatorFeeConstant: 0n,
  daFootprintGasScalar: 400,
}

const ref = (n: number, h: string): HeadRef => ({
  hash: h,
  number: n,
  parentHash: `0x${'11'.repeat(32)}`,
  timestamp: 1_700_000_000 + n,
})

describe('rpc / syncStatusApi', () => {
  it('reads the L1 origin and sequence number from every L1-info calldata layout', () => {
    for (const format of Object.keys(L1_INFO_FORMATS) as L1InfoFormat[]) {
      const tx = createL1InfoDepositTx(format, origin, 3n)
      expect(l1InfoOriginOf(tx), format).toEqual({
        l1origin: { hash: `0x${'ab'.repeat(32)}`, number: 7_654_321 },
        sequenceNumber: 3,
      })
    }
  })

  it('follows the epochs of built blocks (same origin, sequence numbers counting up)', () => {
    const builder = createBlockBuilder({
      chain: createDevnetChain(),
      privateKey: devnetKey('sync-status'),
      txCount: 1,
      startTimestamp: 1_700_000_000n,
    })
    const origins = Array.from({ length: L2_BLOCKS_PER_L1_ORIGIN + 1 }, () =>
      l1InfoOriginOf(builder.next().envelope.payload.transactions[0] as Uint8Array),
    )
    const first = origins[0]
    expect(first).not.toBeNull()
    const seqs = origins.map((o) => o?.sequenceNumber)
    expect(seqs).toContain(0)
    expect(origins.slice(1).some((o) => o?.sequenceNumber === 0)).toBe(true)
    // A new L1 origin starts at sequence number 0 and is the next L1 block.
    for (let i = 1; i < origins.length; i++) {
      const prev = origins[i - 1]!
      const cur = origins[i]!
      if (cur.sequenceNumber === 0) expect(cur.l1origin.number).toBe(prev.l1origin.number + 1)
      else {
        expect(cur.sequenceNumber).toBe(prev.sequenceNumber + 1)
        expect(cur.l1origin).toEqual(prev.l1origin)
      }
    }
  })

  it('gives null, never a throw, for anything that is not an L1-info deposit', () => {
    const good = createL1InfoDepositTx('isthmus', origin, 0n)
    expect(l1InfoOriginOf(new Uint8Array(0))).toBeNull()
    expect(l1InfoOriginOf(new Uint8Array([0x02, 0xc0]))).toBeNull() // an EIP-1559 tx
    for (let cut = 1; cut < good.length; cut += 7)
      expect(l1InfoOriginOf(good.subarray(0, cut))).toBeNull()
    const badSelector = good.slice()
    const data = depositCalldata(badSelector)!
    data[0] = 0xff
    expect(l1InfoOriginOf(badSelector)).toBeNull()
    // A length prefix claiming far more bytes than there are.
    expect(l1InfoOriginOf(new Uint8Array([0x7e, 0xfb, 0xff, 0xff, 0xff, 0xff]))).toBeNull()
  })

  it("returns op-node's SyncStatus shape: zero L1 refs, unsafe = target, safe / finalized from the EL", async () => {
    const builder = createBlockBuilder({
      chain: createDevnetChain(),
      privateKey: devnetKey('sync-status'),
      txCount: 1,
      startTimestamp: 1_700_000_000n,
    })
    const block = builder.next()
    const targetHash = bytesToHex(block.blockHash)
    const status: SyncStatusSnapshot = {
      state: 'ready',
      target: ref(Number(block.blockNumber), targetHash),
      confirmed: ref(Number(block.blockNumber) - 3, `0x${'33'.repeat(32)}`),
      safe: ref(5, `0x${'55'.repeat(32)}`),
      finalized: null,
      syncing: true,
      gapBlocks: 3,
    }
    const methods = createSyncStatusApi({
      sync: { status: () => status },
      firstTransaction: (h) =>
        h === targetHash ? block.envelope.payload.transactions[0] : undefined,
    })
    const res = (await handleJsonRpcBody(
      '{"jsonrpc":"2.0","id":1,"method":"optimism_syncStatus","params":[]}',
      methods,
      {
        signal: new AbortController().signal,
      },
    )) as { result: Record<string, Record<string, unknown>> }
    const r = res.result
    expect(Object.keys(r).sort()).toEqual(
      [
        'current_l1',
        'current_l1_finalized',
        'head_l1',
        'safe_l1',
        'finalized_l1',
        'unsafe_l2',
        'safe_l2',
        'finalized_l2',
        'pending_safe_l2',
        'cross_unsafe_l2',
        'local_safe_l2',
      ].sort(),
    )
    expect(r.head_l1).toEqual({
      hash: ZERO_HASH_HEX,
      number: 0,
      parentHash: ZERO_HASH_HEX,
      timestamp: 0,
    })
    const expectedOrigin = l1InfoOriginOf(block.envelope.payload.transactions[0] as Uint8Array)!
    expect(r.unsafe_l2).toEqual({ ...status.target, ...expectedOrigin })
    expect(r.cross_unsafe_l2).toEqual(r.unsafe_l2)
    expect(r.safe_l2).toEqual({
      ...status.safe,
      l1origin: { hash: ZERO_HASH_HEX, number: 0 },
      sequenceNumber: 0,
    })
    expect(r.local_safe_l2).toEqual(r.safe_l2)
    expect(r.pending_safe_l2).toEqual(r.safe_l2)
    expect(r.finalized_l2).toMatchObject({ hash: ZERO_HASH_HEX, number: 0 })
    expect(typeof r.unsafe_l2?.number).toBe('number')
    const bad = await handleJsonRpcBody(
      '{"jsonrpc":"2.0","id":1,"method":"optimism_syncStatus","params":[1]}',
      methods,
      {
        signal: new AbortController().signal,
      },
    )
    expect(bad).toMatchObject({ error: { code: -32602 } })
  })

  it('is all zeros without an Engine side', () => {
    const r = syncStatusJson({ sync: null })
    expect(r.unsafe_l2).toEqual({
      hash: ZERO_HASH_HEX,
      number: 0,
      parentHash: ZERO_HASH_HEX,
      timestamp: 0,
      l1origin: { hash: ZERO_HASH_HEX, number: 0 },
      sequenceNumber: 0,
    })
  })
})
