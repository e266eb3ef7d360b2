import { type Hex, parseTransaction, recoverTransactionAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { createBlockBuilder, devnetKey, sealBlock } from '../../../src/blocks/blockBuilder.ts'
import {
  DEPOSIT_TX_TYPE,
  EIP1559_TX_TYPE,
  L1_INFO_FORMATS,
  l1InfoSourceHash,
} from '../../../src/blocks/transactions.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { createBlockValidator } from '../../../src/gossip/validator.ts'
import { computeBlockHash } from '../../../src/wire/blockHash.ts'
import { decodeSignedEnvelope } from '../../../src/wire/envelope.ts'
import { addressFromPrivateKey } from '../../../src/wire/signing.ts'
import { snappyDecodedLength, snappyUncompress } from '../../../src/wire/snappy.ts'
import { bytesToHex } from '../../utils/vectors.ts'

const KEY = devnetKey('block builder test sequencer')
const T = 1_800_000_000n
const hex = bytesToHex

function validatorAt(chain: ReturnType<typeof createDevnetChain>, timestamp: bigint) {
  return createBlockValidator({
    chain,
    signer: () => addressFromPrivateKey(KEY),
    now: () => Number(timestamp) * 1000,
  })
}

describe('devnet / blockBuilder', () => {
  const chain = createDevnetChain()

  it('builds blocks the validator accepts, signed by the builder key', () => {
    const builder = createBlockBuilder({ chain, privateKey: KEY, startTimestamp: T })
    expect(hex(builder.signer)).toBe(hex(addressFromPrivateKey(KEY)))
    const v = validatorAt(chain, T + 10n)
    for (let i = 0; i < 5; i++) {
      const b = builder.next()
      const r = v.validate(b.topic, b.data)
      expect(r.verdict).toBe('accept')
    }
  })

  it('links each block to its parent: hash, number + 1, timestamp + blockTime', () => {
    const builder = createBlockBuilder({
      chain,
      privateKey: KEY,
      parent: { hash: new Uint8Array(32).fill(1), number: 41n, timestamp: T - 2n },
    })
    const a = builder.next()
    const b = builder.next()
    const c = builder.next({ timestamp: T + 100n })
    expect(hex(a.envelope.payload.parentHash)).toBe(hex(new Uint8Array(32).fill(1)))
    expect([a.blockNumber, b.blockNumber, c.blockNumber]).toEqual([42n, 43n, 44n])
    expect([a.timestamp, b.timestamp, c.timestamp]).toEqual([T, T + 2n, T + 100n])
    expect(hex(b.envelope.payload.parentHash)).toBe(hex(a.blockHash))
    expect(hex(c.envelope.payload.parentHash)).toBe(hex(b.blockHash))
  })

  it('fills a block to about the requested decompressed size', () => {
    const builder = createBlockBuilder({ chain, privateKey: KEY, startTimestamp: T })
    for (const target of [20_000, 100_000]) {
      const b = builder.next({ targetBytes: target })
      expect(b.decompressed.length).toBeLessThanOrEqual(target)
      // Stops before the transaction that would overshoot: at most one max-size tx short.
      expect(b.decompressed.length).toBeGreaterThan(target - 420)
      const len = snappyDecodedLength(b.data)
      expect(len).toBe(b.decompressed.length)
      expect(hex(snappyUncompress(b.data, len))).toBe(hex(b.decompressed))
    }
  })

  it('encodes the envelope it returns and a block hash that recomputes', () => {
    const b = createBlockBuilder({ chain, privateKey: KEY, startTimestamp: T, txCount: 5 }).next()
    const decoded = decodeSignedEnvelope(b.decompressed, b.version)
    expect(decoded.payload.transactions.map(hex)).toEqual(b.envelope.payload.transactions.map(hex))
    expect(hex(decoded.parentBeaconBlockRoot as Uint8Array)).toBe(
      hex(b.envelope.parentBeaconBlockRoot as Uint8Array),
    )
    expect(hex(computeBlockHash(decoded.payload, 4, decoded.parentBeaconBlockRoot))).toBe(
      hex(b.blockHash),
    )
    expect(decoded.payload.gasUsed).toBeLessThanOrEqual(decoded.payload.gasLimit)
    expect(decoded.payload.gasUsed).toBeGreaterThan(5n * 21_000n)
    expect(decoded.payload.withdrawals).toEqual([])
    expect(decoded.payload.blobGasUsed).toBe(0n)
    expect(decoded.payload.excessBlobGas).toBe(0n)
    expect(decoded.payload.withdrawalsRoot).toHaveLength(32)
  })

  it('starts with an Isthmus L1-info deposit followed by valid signed EIP-1559 transactions', async () => {
    const b = createBlockBuilder({ chain, privateKey: KEY, startTimestamp: T, txCount: 6 }).next()
    const [deposit, ...user] = b.envelope.payload.transactions as [Uint8Array, ...Uint8Array[]]
    expect(deposit[0]).toBe(DEPOSIT_TX_TYPE)
    // RLP list: sourceHash (33) from (21) to (21) mint value (0x80 0x80) gas (4) isSystemTx data
    const body = deposit.subarray(1)
    const listHeaderLen = (body[0] as number) > 0xf7 ? 1 + ((body[0] as number) - 0xf7) : 1
    const fields = body.subarray(listHeaderLen)
    expect(fields[0]).toBe(0x80 + 32)
    expect(hex(fields.subarray(34, 54))).toBe('0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001')
    expect(hex(fields.subarray(55, 75))).toBe('0x4200000000000000000000000000000000000015')
    // Isthmus calldata: selector 0x098999be, 176 bytes, at the end of the list.
    const calldata = deposit.subarray(deposit.length - L1_INFO_FORMATS.isthmus.lengthBytes)
    expect(hex(calldata.subarray(0, 4))).toBe('0x098999be')
    expect(deposit[deposit.length - 178]).toBe(0xb8) // long string header: 1 length byte
    expect(deposit[deposit.length - 177]).toBe(176)
    // sourceHash commits to the L1 block hash (at calldata 4+4+4+8+8+8+32+32 = 100) and seq 0.
    const l1Hash = calldata.subarray(100, 132)
    expect(hex(fields.subarray(1, 33))).toBe(hex(l1InfoSourceHash(l1Hash, 0n)))

    expect(user).toHaveLength(6)
    const senders = new Set<string>()
    for (const tx of user) {
      expect(tx[0]).toBe(EIP1559_TX_TYPE)
      expect(tx.length).toBeGreaterThanOrEqual(100)
      expect(tx.length).toBeLessThanOrEqual(420)
      const parsed = parseTransaction(hex(tx) as Hex)
      expect(parsed.type).toBe('eip1559')
      expect(parsed.chainId).toBe(chain.chainId)
      senders.add(await recoverTransactionAddress({ serializedTransaction: hex(tx) as never }))
    }
    expect(senders.size).toBeGreaterThan(1)
  })

  it('uses Jovian extraData (17 bytes), calldata (178 bytes) and a DA footprint when Jovian is active', () => {
    const jovian = createDevnetChain({ forks: { jovian: 0 } })
    const b = createBlockBuilder({ chain: jovian, privateKey: KEY, startTimestamp: T }).next()
    const p = b.envelope.payload
    expect(p.extraData).toHaveLength(17)
    expect(p.extraData[0]).toBe(1)
    expect(p.blobGasUsed).toBeGreaterThan(0n)
    const deposit = p.transactions[0] as Uint8Array
    const calldata = deposit.subarray(deposit.length - L1_INFO_FORMATS.jovian.lengthBytes)
    expect(hex(calldata.subarray(0, 4))).toBe('0x3db6be2b')
    expect(validatorAt(jovian, T).validate(b.topic, b.data).verdict).toBe('accept')
  })

  it('uses Holocene extraData (9 bytes) before Jovian and none before Holocene', () => {
    const b = createBlockBuilder({ chain, privateKey: KEY, startTimestamp: T }).next()
    expect(b.envelope.payload.extraData).toHaveLength(9)
    expect(b.envelope.payload.extraData[0]).toBe(0)
    const canyon = createDevnetChain({
      forks: { ecotone: null, fjord: null, granite: null, holocene: null, isthmus: null },
    })
    const c = createBlockBuilder({ chain: canyon, privateKey: KEY, startTimestamp: T }).next()
    expect(c.version).toBe(2)
    expect(c.envelope.payload.extraData).toHaveLength(0)
    expect(c.envelope.parentBeaconBlockRoot).toBeUndefined()
    expect(validatorAt(canyon, T).validate(c.topic, c.data).verdict).toBe('accept')
  })

  it('picks the topic by timestamp across a fork activation', () => {
    const c = createDevnetChain({ forks: { isthmus: Number(T) + 4 } })
    const builder = createBlockBuilder({ chain: c, privateKey: KEY, startTimestamp: T })
    const versions = [builder.next(), builder.next(), builder.next()].map((b) => b.version)
    expect(versions).toEqual([3, 3, 4])
    expect(createBlockBuilder({ chain: c, privateKey: KEY, startTimestamp: T }).next().topic).toBe(
      '/optimism/901/2/blocks',
    )
  })

  it('is reproducible for a seed and differs across seeds', () => {
    const make = (seed: number) =>
      createBlockBuilder({ chain, privateKey: KEY, startTimestamp: T, seed }).next()
    expect(hex(make(7).blockHash)).toBe(hex(make(7).blockHash))
    expect(hex(make(7).blockHash)).not.toBe(hex(make(8).blockHash))
  })

  it('replays a pool of signed transactions when txPoolSize is set', () => {
    const builder = createBlockBuilder({
      chain,
      privateKey: KEY,
      startTimestamp: T,
      txCount: 4,
      txPoolSize: 6,
    })
    const a = builder.next().envelope.payload.transactions.slice(1).map(hex)
    const b = builder.next().envelope.payload.transactions.slice(1).map(hex)
    expect(new Set([...a, ...b.slice(0, 2)]).size).toBe(6) // the first 6 are distinct
    expect(b.slice(2)).toEqual(a.slice(0, 2)) // then the pool starts over
    const c = builder.next()
    expect(validatorAt(chain, c.timestamp).validate(c.topic, c.data).verdict).toBe('accept')
  })

  it('sealBlock keeps a given block hash on request', () => {
    const b = createBlockBuilder({ chain, privateKey: KEY, startTimestamp: T }).next()
    const payload = { ...b.envelope.payload, blockHash: new Uint8Array(32) }
    const sealed = sealBlock({
      chainId: chain.chainId,
      privateKey: KEY,
      version: 4,
      payload,
      parentBeaconBlockRoot: b.envelope.parentBeaconBlockRoot as Uint8Array,
      keepBlockHash: true,
    })
    expect(hex(sealed.blockHash)).toBe(hex(new Uint8Array(32)))
    expect(validatorAt(chain, T).validate(b.topic, sealed.data).reason).toBe('BLOCK_HASH_MISMATCH')
  })
})
