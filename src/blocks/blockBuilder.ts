/**
 * Synthetic signed blocks, built as a sequencer builds them: realistic unsafe-block gossip messages for
 * the devnet sequencer, the warm-up, tests and benchmarks. Each block holds the L1-info deposit and EIP-1559 transactions
 * (see ./transactions.ts for what is realistic), has a valid block hash, links to its parent
 * (hash, number + 1, timestamp + blockTime), and is signed for the chain like op-node's
 * sequencer signs it (op-gossip.md §3). The topic and payload version follow the timestamp
 * (`blockVersionAt`); fork-dependent fields follow the chain's fork times:
 * - extraData: empty before Holocene, 9 bytes (version 0, denominator, elasticity) from Holocene,
 *   17 bytes (version 1, + minBaseFee) from Jovian;
 * - blobGasUsed: 0 before Jovian, an approximate DA footprint from Jovian;
 * - withdrawals: empty list from Canyon; withdrawalsRoot (v4) a fixed random storage root.
 */
import { type ChainConfig, isForkActive } from '../chains/types.ts'
import { computeBlockHash } from '../wire/blockHash.ts'
import { encodeSignedEnvelope, SIGNATURE_SIZE_BYTES } from '../wire/envelope.ts'
import { keccak256 } from '../wire/keccak.ts'
import {
  addressFromPrivateKey,
  payloadHash,
  signingHash,
  signPayloadHash,
} from '../wire/signing.ts'
import { snappyCompress } from '../wire/snappy.ts'
import { blocksTopic, blockVersionAt } from '../wire/topics.ts'
import type { BlockVersion, ExecutionPayload, SignedEnvelope } from '../wire/types.ts'
import {
  createL1InfoDepositTx,
  createRandom,
  createTxGenerator,
  L1_INFO_DEPOSIT_GAS_USED,
  type L1InfoFormat,
  type L1Origin,
  randomBytesFrom,
} from './transactions.ts'

/** User transactions per block when neither txCount nor targetBytes is given. */
export const DEFAULT_TX_COUNT = 8
/** @default gas limit of built blocks (raised to gasUsed when a block needs more). */
export const DEFAULT_GAS_LIMIT = 60_000_000n
/** @default base fee of built blocks, wei */
export const DEFAULT_BASE_FEE_PER_GAS = 1_000_000n
/** L2 blocks per L1 origin (12 s L1 slots over 2 s L2 blocks). */
export const L2_BLOCKS_PER_L1_ORIGIN = 6
/** Holocene EIP-1559 parameters written to extraData (OP Mainnet's values). */
export const EIP1559_DENOMINATOR = 250
export const EIP1559_ELASTICITY = 6
/** Jovian minimum base fee written to extraData, wei. */
export const JOVIAN_MIN_BASE_FEE = 1_000_000n
/** Jovian DA footprint gas scalar (op-node default) and minimum per-transaction DA size. */
export const DA_FOOTPRINT_GAS_SCALAR = 400
export const MIN_TX_DA_SIZE_BYTES = 100

/** SequencerFeeVault predeploy: OP blocks' feeRecipient. */
const SEQUENCER_FEE_VAULT = new Uint8Array(
  Buffer.from('4200000000000000000000000000000000000011', 'hex'),
)
const HASH_BYTES = 32
const LOGS_BLOOM_BYTES = 256
/** SSZ per-transaction offset in the transactions list. */
const SSZ_OFFSET_BYTES = 4
const PARENT_BEACON_ROOT_BYTES = 32
const FIXED_PART_BYTES: Record<BlockVersion, number> = { 1: 508, 2: 512, 3: 528, 4: 560 }

export interface BlockBuilderOptions {
  chain: ChainConfig
  /** Sequencer (unsafe-block signer) key: 32 bytes or 0x-hex. Never logged. */
  privateKey: Uint8Array | `0x${string}`
  /** Parent of the first block. @default chain genesis when known, else a random hash at #0 */
  parent?: { hash: Uint8Array; number: bigint; timestamp: bigint }
  /** Timestamp of the first block, seconds. @default parent.timestamp + blockTime, or now */
  startTimestamp?: bigint
  /** User transactions per block (ignored when targetBytes is set). @default 8 */
  txCount?: number
  /** Fill each block with transactions until its decompressed message is about this many bytes. */
  targetBytes?: number
  /** Seed for every random field and transaction. @default 1 */
  seed?: number
  /** @default DEFAULT_GAS_LIMIT */
  gasLimit?: bigint
  /** @default DEFAULT_BASE_FEE_PER_GAS */
  baseFeePerGas?: bigint
  /** Clock for the default start timestamp, ms. @default Date.now */
  now?: () => number
  /**
   * Reuse a pool of this many signed transactions across blocks instead of signing new ones
   * (see TxGeneratorOptions.poolSize): for big blocks at short block times, where signing
   * every transaction would not keep up. Make it at least the transactions per block.
   * @default unlimited: every transaction freshly signed
   */
  txPoolSize?: number
}

export interface NextBlockOptions {
  /** Timestamp of this block, seconds. @default previous + blockTime */
  timestamp?: bigint
  /** User transactions in this block. @default the builder's */
  txCount?: number
  /** Target decompressed size of this block. @default the builder's */
  targetBytes?: number
  /** Changes applied to the payload before it is hashed and signed (tests). */
  modify?: (payload: ExecutionPayload) => void
}

export interface BuiltBlock {
  version: BlockVersion
  topic: string
  envelope: SignedEnvelope
  /** The decompressed message: signature ++ [parentBeaconBlockRoot] ++ SSZ payload */
  decompressed: Uint8Array
  /** Snappy-compressed message: what gossip carries */
  data: Uint8Array
  blockHash: Uint8Array
  blockNumber: bigint
  timestamp: bigint
}

export interface BlockBuilder {
  next(opts?: NextBlockOptions): BuiltBlock
  /** 20-byte address of the signing key (the unsafe-block signer to configure). */
  readonly signer: Uint8Array
}

export interface SealOptions {
  chainId: number
  /** 32 bytes */
  privateKey: Uint8Array
  version: BlockVersion
  payload: ExecutionPayload
  /** v3+: 32 bytes */
  parentBeaconBlockRoot?: Uint8Array
  /** Keep payload.blockHash as given instead of recomputing it (tests of bad hashes). @default false */
  keepBlockHash?: boolean
}

/**
 * Hashes (unless keepBlockHash), encodes, signs and compresses a payload: the last steps of
 * every built block, exported so tests can seal hand-modified payloads.
 */
export function sealBlock(opts: SealOptions): Omit<BuiltBlock, 'topic'> {
  const { version, payload, parentBeaconBlockRoot } = opts
  if (opts.keepBlockHash !== true) {
    payload.blockHash = computeBlockHash(payload, version, parentBeaconBlockRoot)
  }
  const env = { version, signature: new Uint8Array(SIGNATURE_SIZE_BYTES), payload }
  const decompressed = encodeSignedEnvelope(
    parentBeaconBlockRoot === undefined ? env : { ...env, parentBeaconBlockRoot },
  )
  const signedBytes = decompressed.subarray(SIGNATURE_SIZE_BYTES)
  const signature = signPayloadHash(
    opts.privateKey,
    signingHash(opts.chainId, payloadHash(signedBytes)),
  )
  decompressed.set(signature, 0)
  const envelope: SignedEnvelope = {
    version,
    signature: decompressed.subarray(0, SIGNATURE_SIZE_BYTES),
    payload,
    signedBytes,
  }
  if (parentBeaconBlockRoot !== undefined) envelope.parentBeaconBlockRoot = parentBeaconBlockRoot
  return {
    version,
    envelope,
    decompressed,
    data: snappyCompress(decompressed),
    blockHash: payload.blockHash,
    blockNumber: payload.blockNumber,
    timestamp: payload.timestamp,
  }
}

function parsePrivateKey(key: Uint8Array | `0x${string}`): Uint8Array {
  if (key instanceof Uint8Array) return key
  return new Uint8Array(Buffer.from(key.slice(2), 'hex'))
}

function l1InfoFormat(chain: ChainConfig, timestamp: bigint): L1InfoFormat {
  if (isForkActive(chain, 'jovian', timestamp)) return 'jovian'
  if (isForkActive(chain, 'isthmus', timestamp)) return 'isthmus'
  if (isForkActive(chain, 'ecotone', timestamp)) return 'ecotone'
  return 'bedrock'
}

function uintBE(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size)
  let v = value
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}

/** Holocene: 0x00 ++ u32 denominator ++ u32 elasticity; Jovian: 0x01 ++ those ++ u64 minBaseFee. */
function extraDataFor(chain: ChainConfig, timestamp: bigint): Uint8Array {
  const jovian = isForkActive(chain, 'jovian', timestamp)
  if (!jovian && !isForkActive(chain, 'holocene', timestamp)) return new Uint8Array(0)
  const out = new Uint8Array(jovian ? 17 : 9)
  out[0] = jovian ? 1 : 0
  out.set(uintBE(BigInt(EIP1559_DENOMINATOR), 4), 1)
  out.set(uintBE(BigInt(EIP1559_ELASTICITY), 4), 5)
  if (jovian) out.set(uintBE(JOVIAN_MIN_BASE_FEE, 8), 9)
  return out
}

/** Approximate Jovian DA footprint: max(100, size) per user transaction times the gas scalar. */
function daFootprint(userTxs: readonly Uint8Array[]): bigint {
  let total = 0
  for (const tx of userTxs) total += Math.max(MIN_TX_DA_SIZE_BYTES, tx.length)
  return BigInt(total) * BigInt(DA_FOOTPRINT_GAS_SCALAR)
}

export function createBlockBuilder(opts: BlockBuilderOptions): BlockBuilder {
  const { chain } = opts
  const privateKey = parsePrivateKey(opts.privateKey)
  const random = createRandom((opts.seed ?? 1) ^ 0x5eed)
  const txs = createTxGenerator({
    chainId: chain.chainId,
    seed: opts.seed ?? 1,
    ...(opts.txPoolSize !== undefined ? { poolSize: opts.txPoolSize } : {}),
  })
  const gasLimit = opts.gasLimit ?? DEFAULT_GAS_LIMIT
  const baseFeePerGas = opts.baseFeePerGas ?? DEFAULT_BASE_FEE_PER_GAS
  const now = opts.now ?? Date.now
  // A fixed L2ToL1MessagePasser storage root: it only changes when withdrawals are initiated.
  const withdrawalsRoot = randomBytesFrom(random, HASH_BYTES)
  const batcherHash = new Uint8Array(HASH_BYTES)
  batcherHash.set(randomBytesFrom(random, 20), 12)

  const genesis = chain.genesis
  let parent = opts.parent ?? {
    hash:
      genesis !== undefined
        ? new Uint8Array(Buffer.from(genesis.l2Hash.slice(2), 'hex'))
        : randomBytesFrom(random, HASH_BYTES),
    number: BigInt(genesis?.l2Number ?? 0),
    timestamp: -1n, // unknown: the first block defaults to now
  }
  let firstTimestamp = opts.startTimestamp
  let l1: L1Origin | null = null
  let l1BeaconRoot: Uint8Array = new Uint8Array(HASH_BYTES)
  let l1MixHash: Uint8Array = new Uint8Array(HASH_BYTES)
  let sequenceNumber = 0n

  function advanceL1(timestamp: bigint): L1Origin {
    const number = l1 === null ? 20_000_000n : l1.number + 1n
    l1BeaconRoot = randomBytesFrom(random, HASH_BYTES)
    l1MixHash = randomBytesFrom(random, HASH_BYTES)
    sequenceNumber = 0n
    return {
      number,
      timestamp: timestamp - (timestamp % 12n),
      baseFee: 1_000_000_000n + BigInt(Math.floor(random() * 1e9)),
      blobBaseFee: 1n + BigInt(Math.floor(random() * 1000)),
      hash: randomBytesFrom(random, HASH_BYTES),
      batcherHash,
      baseFeeScalar: 5227,
      blobBaseFeeScalar: 1014213,
      operatorFeeScalar: 0,
      operatorFeeConstant: 0n,
      daFootprintGasScalar: DA_FOOTPRINT_GAS_SCALAR,
    }
  }

  function next(nextOpts: NextBlockOptions = {}): BuiltBlock {
    const timestamp =
      nextOpts.timestamp ??
      (parent.timestamp >= 0n
        ? parent.timestamp + BigInt(chain.blockTime)
        : (firstTimestamp ?? BigInt(Math.floor(now() / 1000))))
    firstTimestamp = undefined
    const number = parent.number + 1n
    const version = blockVersionAt(chain, timestamp)

    if (l1 === null || sequenceNumber + 1n >= BigInt(L2_BLOCKS_PER_L1_ORIGIN)) {
      l1 = advanceL1(timestamp)
    } else {
      sequenceNumber += 1n
    }
    const deposit = createL1InfoDepositTx(l1InfoFormat(chain, timestamp), l1, sequenceNumber)
    const extraData = extraDataFor(chain, timestamp)

    // Fill: a fixed count, or transactions until the decompressed message reaches the target.
    const transactions: Uint8Array[] = [deposit]
    let gasUsed = L1_INFO_DEPOSIT_GAS_USED
    const target = nextOpts.targetBytes ?? opts.targetBytes
    if (target !== undefined) {
      let size =
        SIGNATURE_SIZE_BYTES +
        (version >= 3 ? PARENT_BEACON_ROOT_BYTES : 0) +
        FIXED_PART_BYTES[version] +
        extraData.length +
        SSZ_OFFSET_BYTES +
        deposit.length
      for (;;) {
        const tx = txs.next()
        if (size + SSZ_OFFSET_BYTES + tx.raw.length > target) break
        size += SSZ_OFFSET_BYTES + tx.raw.length
        transactions.push(tx.raw)
        gasUsed += tx.gasUsed
      }
    } else {
      const count = nextOpts.txCount ?? opts.txCount ?? DEFAULT_TX_COUNT
      for (let i = 0; i < count; i++) {
        const tx = txs.next()
        transactions.push(tx.raw)
        gasUsed += tx.gasUsed
      }
    }

    const payload: ExecutionPayload = {
      parentHash: parent.hash,
      feeRecipient: SEQUENCER_FEE_VAULT,
      stateRoot: randomBytesFrom(random, HASH_BYTES),
      receiptsRoot: randomBytesFrom(random, HASH_BYTES),
      logsBloom: new Uint8Array(LOGS_BLOOM_BYTES),
      prevRandao: l1MixHash,
      blockNumber: number,
      // Oversized test blocks (9 MB of calldata) need more gas than any real limit.
      gasLimit: gasUsed > gasLimit ? gasUsed : gasLimit,
      gasUsed,
      timestamp,
      extraData,
      baseFeePerGas,
      blockHash: new Uint8Array(HASH_BYTES),
      transactions,
    }
    if (version >= 2) payload.withdrawals = []
    if (version >= 3) {
      payload.blobGasUsed = isForkActive(chain, 'jovian', timestamp)
        ? daFootprint(transactions.slice(1))
        : 0n
      payload.excessBlobGas = 0n
    }
    if (version === 4) payload.withdrawalsRoot = withdrawalsRoot
    nextOpts.modify?.(payload)

    const sealed = sealBlock({
      chainId: chain.chainId,
      privateKey,
      version,
      payload,
      ...(version >= 3 ? { parentBeaconBlockRoot: l1BeaconRoot } : {}),
    })
    parent = { hash: sealed.blockHash, number: payload.blockNumber, timestamp: payload.timestamp }
    return { ...sealed, topic: blocksTopic(chain.chainId, version) }
  }

  return { next, signer: addressFromPrivateKey(privateKey) }
}

/** keccak256-derived 32-byte key for a test/devnet label (never use for real funds). */
export function devnetKey(label: string): Uint8Array {
  return keccak256(new TextEncoder().encode(label))
}
