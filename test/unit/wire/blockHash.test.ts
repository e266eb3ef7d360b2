import { keccak256 as viemKeccak256 } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  BlockHashInputError,
  computeBlockHash,
  EMPTY_OMMERS_HASH,
  EMPTY_REQUESTS_HASH,
  encodeBlockHeader,
  encodeWithdrawal,
  withdrawalsTrieRoot,
} from '../../../src/wire/blockHash.ts'
import { decodeSignedEnvelope, decodeSignedPayload } from '../../../src/wire/envelope.ts'
import { keccak256 } from '../../../src/wire/keccak.ts'
import { encodeRlp, encodeRlpBytes, encodeRlpList, encodeRlpUint } from '../../../src/wire/rlp.ts'
import { snappyDecodedLength, snappyUncompress } from '../../../src/wire/snappy.ts'
import { EMPTY_TRIE_ROOT, orderedTrieRoot } from '../../../src/wire/trie.ts'
import type { BlockVersion, ExecutionPayload } from '../../../src/wire/types.ts'
import {
  bytesToHex,
  hexToBytes,
  loadVectors,
  vector,
  vectorsAvailable,
} from '../../utils/vectors.ts'

type HeaderJson = Record<string, string>

/** go-ethereum types.Header field order; optional fields are appended only when present. */
const HEADER_FIELDS = [
  'parentHash',
  'sha3Uncles',
  'miner',
  'stateRoot',
  'transactionsRoot',
  'receiptsRoot',
  'logsBloom',
  'difficulty',
  'number',
  'gasLimit',
  'gasUsed',
  'timestamp',
  'extraData',
  'mixHash',
  'nonce',
  'baseFeePerGas',
  'withdrawalsRoot',
  'blobGasUsed',
  'excessBlobGas',
  'parentBeaconBlockRoot',
  'requestsHash',
] as const
const QUANTITY_FIELDS = new Set([
  'difficulty',
  'number',
  'gasLimit',
  'gasUsed',
  'timestamp',
  'baseFeePerGas',
  'blobGasUsed',
  'excessBlobGas',
])

/** RLP of a header given as eth_getBlock JSON: the header as the chain committed to it. */
function headerRlpFromJson(h: HeaderJson): Uint8Array {
  const items: Uint8Array[] = []
  for (const field of HEADER_FIELDS) {
    const value = h[field]
    if (value === undefined) continue
    items.push(
      QUANTITY_FIELDS.has(field) ? encodeRlpUint(BigInt(value)) : encodeRlpBytes(hexToBytes(value)),
    )
  }
  return encodeRlpList(items)
}

/** A header JSON viewed as the ExecutionPayload gossip would carry for it. */
function payloadFromHeaderJson(h: HeaderJson, transactions: Uint8Array[], version: BlockVersion) {
  const payload: ExecutionPayload = {
    parentHash: hexToBytes(h.parentHash as string),
    feeRecipient: hexToBytes(h.miner as string),
    stateRoot: hexToBytes(h.stateRoot as string),
    receiptsRoot: hexToBytes(h.receiptsRoot as string),
    logsBloom: hexToBytes(h.logsBloom as string),
    prevRandao: hexToBytes(h.mixHash as string),
    blockNumber: BigInt(h.number as string),
    gasLimit: BigInt(h.gasLimit as string),
    gasUsed: BigInt(h.gasUsed as string),
    timestamp: BigInt(h.timestamp as string),
    extraData: hexToBytes(h.extraData as string),
    baseFeePerGas: BigInt(h.baseFeePerGas as string),
    blockHash: hexToBytes(h.hash ?? `0x${'00'.repeat(32)}`),
    transactions,
  }
  if (version >= 2) payload.withdrawals = []
  if (version >= 3) {
    payload.blobGasUsed = BigInt(h.blobGasUsed as string)
    payload.excessBlobGas = BigInt(h.excessBlobGas as string)
  }
  const parentBeaconBlockRoot =
    version >= 3 ? hexToBytes(h.parentBeaconBlockRoot as string) : undefined
  return { payload, parentBeaconBlockRoot }
}

const hex = bytesToHex

describe('wire / blockHash', () => {
  it('uses the well-known constants', () => {
    expect(hex(EMPTY_OMMERS_HASH)).toBe(viemKeccak256(new Uint8Array([0xc0]), 'hex'))
    expect(hex(EMPTY_REQUESTS_HASH)).toBe(
      '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })

  it('encodes a withdrawal as RLP [index, validatorIndex, address, amount]', () => {
    const w = {
      index: 0n,
      validatorIndex: 1n,
      address: new Uint8Array(20).fill(0x11),
      amount: 300n,
    }
    expect(hex(encodeWithdrawal(w))).toBe(
      hex(encodeRlp([new Uint8Array(0), Uint8Array.of(1), w.address, Uint8Array.of(1, 44)])),
    )
    expect(hex(withdrawalsTrieRoot([]))).toBe(hex(EMPTY_TRIE_ROOT))
    expect(hex(withdrawalsTrieRoot([w]))).toBe(hex(orderedTrieRoot([encodeWithdrawal(w)])))
  })

  it('throws a typed error when a field the version needs is missing', () => {
    const { payload, parentBeaconBlockRoot } = payloadFromHeaderJson(SYNTHETIC_HEADER, [], 3)
    expect(() => computeBlockHash(payload, 3)).toThrow(BlockHashInputError)
    expect(() => computeBlockHash(payload, 4, parentBeaconBlockRoot)).toThrow(/withdrawalsRoot/)
    const { withdrawals: _, ...noWithdrawals } = payload
    expect(() => computeBlockHash(noWithdrawals, 2)).toThrow(/withdrawals/)
    const { blobGasUsed: __, ...noBlobGas } = payload
    expect(() => computeBlockHash(noBlobGas, 3, parentBeaconBlockRoot)).toThrow(/blobGasUsed/)
  })

  it('builds each version with exactly its trailing fields (v1 16, v2 17, v3 20, v4 21 items)', () => {
    const { payload, parentBeaconBlockRoot } = payloadFromHeaderJson(SYNTHETIC_HEADER, [], 3)
    payload.withdrawalsRoot = new Uint8Array(32).fill(7)
    const lengths = ([1, 2, 3, 4] as const).map(
      (v) => encodeBlockHeader(payload, v, parentBeaconBlockRoot).length,
    )
    // v2 adds a 33-byte root; v3 adds two zero ints (1 byte each) and a 33-byte root; v4 33 bytes
    expect(lengths[1]! - lengths[0]!).toBe(33)
    expect(lengths[2]! - lengths[1]!).toBe(35)
    expect(lengths[3]! - lengths[2]!).toBe(33)
    const v4 = encodeBlockHeader(payload, 4, parentBeaconBlockRoot)
    expect(hex(v4.subarray(v4.length - 33))).toBe(hex(encodeRlpBytes(EMPTY_REQUESTS_HASH)))
  })
})

const SYNTHETIC_HEADER: HeaderJson = {
  parentHash: `0x${'01'.repeat(32)}`,
  miner: `0x${'42'.repeat(20)}`,
  stateRoot: `0x${'02'.repeat(32)}`,
  receiptsRoot: `0x${'03'.repeat(32)}`,
  logsBloom: `0x${'00'.repeat(256)}`,
  mixHash: `0x${'04'.repeat(32)}`,
  number: '0x10',
  gasLimit: '0x1c9c380',
  gasUsed: '0x0',
  timestamp: '0x64d6dbac',
  extraData: '0x',
  baseFeePerGas: '0x7',
  blobGasUsed: '0x0',
  excessBlobGas: '0x0',
  parentBeaconBlockRoot: `0x${'05'.repeat(32)}`,
}

describe.skipIf(!vectorsAvailable)('wire / blockHash (real block vectors)', () => {
  it('kona OP Sepolia: header RLP byte-equal, hash equal, payload v3 recomputes the hash', () => {
    const blocks = loadVectors('kona-op-sepolia-blocks.json').filter((v) => v.input.header)
    expect(blocks.length).toBe(3)
    for (const v of blocks) {
      const h = v.input.header as HeaderJson
      const rlp = headerRlpFromJson(h)
      expect(hex(rlp), v.name).toBe(v.derived?.header_rlp)
      expect(hex(keccak256(rlp)), v.name).toBe(v.expected.block_hash)
      const txs = (v.input.transactions as string[]).map(hexToBytes)
      const { payload, parentBeaconBlockRoot } = payloadFromHeaderJson(h, txs, 3)
      expect(hex(encodeBlockHeader(payload, 3, parentBeaconBlockRoot)), v.name).toBe(
        v.derived?.header_rlp,
      )
      expect(hex(computeBlockHash(payload, 3, parentBeaconBlockRoot)), v.name).toBe(
        v.expected.block_hash,
      )
    }
  })

  it('kona OP Sepolia genesis: bedrock header (v1 shape) hashes to the genesis hash', () => {
    const v = vector('kona-op-sepolia-blocks.json', 'op_sepolia_genesis')
    const h = JSON.parse(v.input.rpc_block_json_string as string) as HeaderJson
    expect(hex(headerRlpFromJson(h))).toBe(v.derived?.header_rlp)
    const { payload } = payloadFromHeaderJson(h, [], 1)
    expect(hex(computeBlockHash(payload, 1))).toBe(v.expected.block_hash)
  })

  it('hildr: bedrock (v1) and ecotone (v3) headers hash to the asserted hashes', () => {
    for (const v of loadVectors('hildr-op-blocks.json')) {
      const h = v.input.block_json_as_found as HeaderJson
      expect(hex(keccak256(headerRlpFromJson(h))), v.name).toBe(v.expected.block_hash)
    }
  })

  it('hildr: payloads rebuilt from blocks with full transaction lists recompute the hash', () => {
    const cases: [string, BlockVersion][] = [
      ['hildr_bedrock_raw_block', 1],
      ['hildr_op_block_json', 3],
      ['hildr_temp_block_json', 3],
    ]
    for (const [name, version] of cases) {
      const v = vector('hildr-op-blocks.json', name)
      const h = v.input.block_json_as_found as HeaderJson
      const txs = ((v.derived?.raw_transactions_reencoded ?? []) as string[]).map(hexToBytes)
      const { payload, parentBeaconBlockRoot } = payloadFromHeaderJson(h, txs, version)
      expect(hex(computeBlockHash(payload, version, parentBeaconBlockRoot)), name).toBe(
        v.expected.block_hash,
      )
    }
  })

  it('nethermind real OP payloads: decoded v3 signed bytes recompute blockHash', () => {
    const vectors = loadVectors('nethermind-real-op-payloads.json')
    expect(vectors.length).toBe(3)
    for (const v of vectors) {
      const { payload, parentBeaconBlockRoot } = decodeSignedPayload(
        hexToBytes(v.input.data_hex),
        3,
      )
      expect(hex(payload.blockHash), v.name).toBe(v.expected.BlockHash)
      expect(hex(computeBlockHash(payload, 3, parentBeaconBlockRoot)), v.name).toBe(
        v.expected.BlockHash,
      )
      // One flipped transaction byte must change the hash.
      const tx0 = payload.transactions[0]!.slice()
      tx0[tx0.length - 1]! ^= 1
      const tampered = { ...payload, transactions: [tx0, ...payload.transactions.slice(1)] }
      expect(hex(computeBlockHash(tampered, 3, parentBeaconBlockRoot))).not.toBe(
        v.expected.BlockHash,
      )
    }
  })

  it('unichain sepolia isthmus: v4 hash uses payload.withdrawalsRoot and requestsHash', () => {
    const v = vector(
      'unichain-sepolia-isthmus-block.json',
      'unichain_sepolia_block_35535698_isthmus',
    )
    const p = v.derived?.assembled_payload_v4 as Record<string, unknown>
    const payload: ExecutionPayload = {
      parentHash: hexToBytes(p.parentHash as string),
      feeRecipient: hexToBytes(p.feeRecipient as string),
      stateRoot: hexToBytes(p.stateRoot as string),
      receiptsRoot: hexToBytes(p.receiptsRoot as string),
      logsBloom: hexToBytes(p.logsBloom as string),
      prevRandao: hexToBytes(p.prevRandao as string),
      blockNumber: BigInt(p.blockNumber as number),
      gasLimit: BigInt(p.gasLimit as number),
      gasUsed: BigInt(p.gasUsed as number),
      timestamp: BigInt(p.timestamp as number),
      extraData: hexToBytes(p.extraData as string),
      baseFeePerGas: BigInt(p.baseFeePerGas as string),
      blockHash: hexToBytes(p.blockHash as string),
      transactions: (p.transactions as string[]).map(hexToBytes),
      withdrawals: [],
      blobGasUsed: BigInt(p.blobGasUsed as number),
      excessBlobGas: BigInt(p.excessBlobGas as number),
      withdrawalsRoot: hexToBytes(p.withdrawalsRoot as string),
    }
    const root = hexToBytes(v.derived?.parent_beacon_block_root as string)
    expect(hex(encodeBlockHeader(payload, 4, root))).toBe(v.derived?.header_rlp)
    expect(hex(computeBlockHash(payload, 4, root))).toBe(v.expected.block_hash)
    // Treating it as a v3 header (no requestsHash, withdrawals-list root) gives another hash.
    expect(hex(computeBlockHash(payload, 3, root))).not.toBe(v.expected.block_hash)
  })

  it('op-alloy envelopes: v1-v3 blockHash recomputes; v4 (zero blockHash) does not', () => {
    const versions: [string, BlockVersion][] = [
      ['test_roundtrip_encode_envelope_v1', 1],
      ['test_roundtrip_encode_envelope_v2', 2],
      ['test_roundtrip_encode_envelope_v3', 3],
      ['test_roundtrip_encode_envelope_v4', 4],
    ]
    for (const [name, version] of versions) {
      const v = vector('op-alloy-gossip-envelopes.json', name)
      const data = hexToBytes(v.input.snappy_message_hex)
      const env = decodeSignedEnvelope(snappyUncompress(data, snappyDecodedLength(data)), version)
      const recomputed = hex(computeBlockHash(env.payload, version, env.parentBeaconBlockRoot))
      expect(recomputed, name).toBe(v.derived?.recomputed_block_hash)
      if (version === 4) {
        expect(hex(env.payload.blockHash)).toBe(`0x${'00'.repeat(32)}`)
        expect(recomputed).not.toBe(hex(env.payload.blockHash))
      } else {
        expect(recomputed, name).toBe(hex(env.payload.blockHash))
      }
    }
  })
})
