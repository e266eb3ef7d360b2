/**
 * Transactions for devnet blocks: the OP L1-info deposit (type 0x7e) every L2 block starts with,
 * and signed EIP-1559 (type 0x02) transactions with ABI-shaped random calldata.
 *
 * What is realistic here and what is not:
 * - Encodings are exact EIP-2718 (deposit: op-geth `DepositTx` RLP; EIP-1559: the signed
 *   12-field list with a real secp256k1 signature over keccak256(0x02 || rlp(unsigned))).
 * - Calldata is shaped like ABI calls (selector + 32-byte words: addresses, small integers,
 *   hashes), so it compresses with Snappy roughly like real traffic; its content is random.
 * - Senders are a small set of keys derived from a seed, with per-sender nonces counting up
 *   across blocks, so every transaction in a run is distinct. Senders hold no funds on any real
 *   chain: an execution client would reject these transactions; gossip validation never looks.
 * - Every transaction is signed (the native `secp256k1` addon), so big blocks take a noticeable
 *   time to build; where that is too slow (big blocks at short block times), `poolSize` replays
 *   a pool of already signed transactions.
 */
import secp256k1 from 'secp256k1'
import { keccak256 } from '../wire/keccak.ts'
import { encodeRlpBytes, encodeRlpList, encodeRlpUint, uintToBytes } from '../wire/rlp.ts'

export const DEPOSIT_TX_TYPE = 0x7e
export const EIP1559_TX_TYPE = 0x02

/** L1 attributes depositor account (op-node `L1InfoDepositerAddress`). */
export const L1_INFO_DEPOSITOR_ADDRESS = hexBytes('deaddeaddeaddeaddeaddeaddeaddeaddead0001')
/** L1Block predeploy (`0x4200…0015`). */
export const L1_BLOCK_ADDRESS = hexBytes('4200000000000000000000000000000000000015')
/** Gas limit of the L1-info deposit since Regolith (op-node `RegolithSystemTxGas`). */
export const L1_INFO_DEPOSIT_GAS = 1_000_000n
/** Gas the L1-info deposit actually burns (a typical figure; deposits are not metered here). */
export const L1_INFO_DEPOSIT_GAS_USED = 45_000n

/** Intrinsic gas of a plain call and per calldata byte (EIP-2028). */
export const TX_BASE_GAS = 21_000n
export const TX_ZERO_BYTE_GAS = 4n
export const TX_NONZERO_BYTE_GAS = 16n

/** L1-info calldata layouts (op-node `rollup/derive/l1_block_info.go`). */
export const L1_INFO_FORMATS = {
  /** setL1BlockValues(uint64,uint64,uint256,bytes32,uint64,bytes32,uint256,uint256): ABI words */
  bedrock: { selector: '015d8eb9', lengthBytes: 4 + 8 * 32 },
  /** setL1BlockValuesEcotone(): packed */
  ecotone: { selector: '440a5e20', lengthBytes: 164 },
  /** setL1BlockValuesIsthmus(): Ecotone + operatorFeeScalar (4) + operatorFeeConstant (8) */
  isthmus: { selector: '098999be', lengthBytes: 176 },
  /** setL1BlockValuesJovian(): Isthmus + daFootprintGasScalar (2) */
  jovian: { selector: '3db6be2b', lengthBytes: 178 },
} as const

export type L1InfoFormat = keyof typeof L1_INFO_FORMATS

/** The L1 block an L2 block is derived from, plus the system-config values it carries. */
export interface L1Origin {
  number: bigint
  timestamp: bigint
  baseFee: bigint
  blobBaseFee: bigint
  /** 32 bytes */
  hash: Uint8Array
  /** 32 bytes: the batcher address, left-padded */
  batcherHash: Uint8Array
  baseFeeScalar: number
  blobBaseFeeScalar: number
  operatorFeeScalar: number
  operatorFeeConstant: bigint
  daFootprintGasScalar: number
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

function writeUintBE(out: Uint8Array, at: number, size: number, value: bigint): number {
  let v = value
  for (let i = at + size - 1; i >= at; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return at + size
}

/** L1-info deposit calldata for `format`, L1 origin `l1` and sequence number `seq`. */
export function encodeL1InfoCalldata(format: L1InfoFormat, l1: L1Origin, seq: bigint): Uint8Array {
  const { selector, lengthBytes } = L1_INFO_FORMATS[format]
  const out = new Uint8Array(lengthBytes)
  out.set(hexBytes(selector), 0)
  let at = 4
  if (format === 'bedrock') {
    // Eight ABI words: number, timestamp, basefee, hash, seq, batcherHash, overhead, scalar.
    at = writeUintBE(out, at, 32, l1.number)
    at = writeUintBE(out, at, 32, l1.timestamp)
    at = writeUintBE(out, at, 32, l1.baseFee)
    out.set(l1.hash, at)
    at += 32
    at = writeUintBE(out, at, 32, seq)
    out.set(l1.batcherHash, at)
    at += 32
    at = writeUintBE(out, at, 32, 188n)
    writeUintBE(out, at, 32, BigInt(l1.baseFeeScalar))
    return out
  }
  at = writeUintBE(out, at, 4, BigInt(l1.baseFeeScalar))
  at = writeUintBE(out, at, 4, BigInt(l1.blobBaseFeeScalar))
  at = writeUintBE(out, at, 8, seq)
  at = writeUintBE(out, at, 8, l1.timestamp)
  at = writeUintBE(out, at, 8, l1.number)
  at = writeUintBE(out, at, 32, l1.baseFee)
  at = writeUintBE(out, at, 32, l1.blobBaseFee)
  out.set(l1.hash, at)
  at += 32
  out.set(l1.batcherHash, at)
  at += 32
  if (format === 'ecotone') return out
  at = writeUintBE(out, at, 4, BigInt(l1.operatorFeeScalar))
  at = writeUintBE(out, at, 8, l1.operatorFeeConstant)
  if (format === 'isthmus') return out
  writeUintBE(out, at, 2, BigInt(l1.daFootprintGasScalar))
  return out
}

/** Source hash of an L1-info deposit: keccak256(uint256(1) ++ keccak256(l1Hash ++ uint256(seq))). */
export function l1InfoSourceHash(l1BlockHash: Uint8Array, seq: bigint): Uint8Array {
  const inner = new Uint8Array(64)
  inner.set(l1BlockHash, 0)
  writeUintBE(inner, 32, 32, seq)
  const outer = new Uint8Array(64)
  outer[31] = 1 // L1InfoDepositSourceDomain
  outer.set(keccak256(inner), 32)
  return keccak256(outer)
}

export interface DepositTx {
  /** 32 bytes */
  sourceHash: Uint8Array
  /** 20 bytes */
  from: Uint8Array
  /** 20 bytes, or null for a contract creation */
  to: Uint8Array | null
  mint: bigint
  value: bigint
  gas: bigint
  isSystemTx: boolean
  data: Uint8Array
}

/** 0x7e || RLP([sourceHash, from, to, mint, value, gas, isSystemTx, data]) (op-geth DepositTx). */
export function encodeDepositTx(tx: DepositTx): Uint8Array {
  const rlp = encodeRlpList([
    encodeRlpBytes(tx.sourceHash),
    encodeRlpBytes(tx.from),
    encodeRlpBytes(tx.to ?? new Uint8Array(0)),
    encodeRlpUint(tx.mint),
    encodeRlpUint(tx.value),
    encodeRlpUint(tx.gas),
    encodeRlpUint(tx.isSystemTx ? 1 : 0),
    encodeRlpBytes(tx.data),
  ])
  const out = new Uint8Array(1 + rlp.length)
  out[0] = DEPOSIT_TX_TYPE
  out.set(rlp, 1)
  return out
}

/** The L1-info deposit that opens every L2 block. */
export function createL1InfoDepositTx(format: L1InfoFormat, l1: L1Origin, seq: bigint): Uint8Array {
  return encodeDepositTx({
    sourceHash: l1InfoSourceHash(l1.hash, seq),
    from: L1_INFO_DEPOSITOR_ADDRESS,
    to: L1_BLOCK_ADDRESS,
    mint: 0n,
    value: 0n,
    gas: L1_INFO_DEPOSIT_GAS,
    // Regolith and later have no system transactions (devnet chains start at Regolith).
    isSystemTx: false,
    data: encodeL1InfoCalldata(format, l1, seq),
  })
}

export interface Eip1559Tx {
  chainId: number
  nonce: bigint
  maxPriorityFeePerGas: bigint
  maxFeePerGas: bigint
  gas: bigint
  /** 20 bytes, or null for a contract creation */
  to: Uint8Array | null
  value: bigint
  data: Uint8Array
}

/** Signs and encodes an EIP-1559 transaction (empty access list): 0x02 || RLP(12 fields). */
export function signEip1559Tx(tx: Eip1559Tx, privateKey: Uint8Array): Uint8Array {
  const fields = [
    encodeRlpUint(tx.chainId),
    encodeRlpUint(tx.nonce),
    encodeRlpUint(tx.maxPriorityFeePerGas),
    encodeRlpUint(tx.maxFeePerGas),
    encodeRlpUint(tx.gas),
    encodeRlpBytes(tx.to ?? new Uint8Array(0)),
    encodeRlpUint(tx.value),
    encodeRlpBytes(tx.data),
    encodeRlpList([]), // access list
  ]
  const unsigned = encodeRlpList(fields)
  const preimage = new Uint8Array(1 + unsigned.length)
  preimage[0] = EIP1559_TX_TYPE
  preimage.set(unsigned, 1)
  const { signature, recid } = secp256k1.ecdsaSign(keccak256(preimage), privateKey)
  // r and s are RLP integers: minimal big-endian, leading zeros stripped.
  const r = uintToBytes(BigInt(`0x${Buffer.from(signature.subarray(0, 32)).toString('hex')}`))
  const s = uintToBytes(BigInt(`0x${Buffer.from(signature.subarray(32, 64)).toString('hex')}`))
  fields.push(encodeRlpUint(recid), encodeRlpBytes(r), encodeRlpBytes(s))
  const signed = encodeRlpList(fields)
  const out = new Uint8Array(1 + signed.length)
  out[0] = EIP1559_TX_TYPE
  out.set(signed, 1)
  return out
}

/** Intrinsic gas of a call with `data` (what a simple transfer-like call burns). */
export function intrinsicGas(data: Uint8Array): bigint {
  let gas = TX_BASE_GAS
  for (let i = 0; i < data.length; i++)
    gas += data[i] === 0 ? TX_ZERO_BYTE_GAS : TX_NONZERO_BYTE_GAS
  return gas
}

/** Small, fast, seedable PRNG (mulberry32): reproducible blocks for a given seed. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `n` random bytes from `random`. */
export function randomBytesFrom(random: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += 4) {
    const v = (random() * 4294967296) >>> 0
    out[i] = v & 0xff
    if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff
    if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff
    if (i + 3 < n) out[i + 3] = v >>> 24
  }
  return out
}

/** Calldata words per transaction: 0..MAX_CALLDATA_WORDS after the selector (4 + 32·k bytes). */
export const MAX_CALLDATA_WORDS = 9

/** ABI-shaped calldata: a selector and 32-byte words (address, small uint or hash). */
export function randomCalldata(random: () => number, words: number): Uint8Array {
  const out = new Uint8Array(4 + 32 * words)
  out.set(randomBytesFrom(random, 4), 0)
  for (let w = 0; w < words; w++) {
    const at = 4 + 32 * w
    const kind = random()
    if (kind < 0.45)
      out.set(randomBytesFrom(random, 20), at + 12) // address
    else if (kind < 0.85) {
      const len = 1 + Math.floor(random() * 12) // amount / index
      out.set(randomBytesFrom(random, len), at + 32 - len)
    } else out.set(randomBytesFrom(random, 32), at) // hash / packed bytes
  }
  return out
}

export interface TxGeneratorOptions {
  chainId: number
  /** Seed for keys, sizes and calldata. @default 1 */
  seed?: number
  /** Distinct sender keys. @default 32 */
  senders?: number
  /** maxFeePerGas of generated transactions, wei. @default 2 gwei */
  maxFeePerGas?: bigint
  /** maxPriorityFeePerGas, wei. @default 0.001 gwei */
  maxPriorityFeePerGas?: bigint
  /**
   * Sign at most this many transactions, then hand the same ones out again in the same order
   * (a replayed mempool): after the first pass, generating costs nothing. Transactions within
   * any run of `poolSize` consecutive calls stay distinct; across runs they repeat, which gossip
   * validation never notices but an execution client would (same nonces).
   * @default unlimited: every transaction is freshly signed
   */
  poolSize?: number
}

export interface GeneratedTx {
  /** EIP-2718 bytes */
  raw: Uint8Array
  /** Intrinsic gas the transaction burns */
  gasUsed: bigint
}

export interface TxGenerator {
  /** A new signed EIP-1559 transaction (~115-410 bytes). */
  next(): GeneratedTx
}

/** Generates distinct signed EIP-1559 transactions from a fixed set of sender keys. */
export function createTxGenerator(opts: TxGeneratorOptions): TxGenerator {
  const random = createRandom(opts.seed ?? 1)
  const keys: Uint8Array[] = []
  for (let i = 0; keys.length < (opts.senders ?? 32); i++) {
    const key = keccak256(
      new TextEncoder().encode(`op-gossip devnet sender ${opts.seed ?? 1}/${i}`),
    )
    if (secp256k1.privateKeyVerify(key)) keys.push(key)
  }
  const nonces = keys.map(() => 0n)
  const maxFeePerGas = opts.maxFeePerGas ?? 2_000_000_000n
  const maxPriorityFeePerGas = opts.maxPriorityFeePerGas ?? 1_000_000n
  const poolSize = opts.poolSize ?? Number.POSITIVE_INFINITY
  if (!(poolSize >= 1)) throw new RangeError(`poolSize must be >= 1, got ${poolSize}`)
  const pool: GeneratedTx[] = []
  let poolCursor = 0
  function fresh(): GeneratedTx {
    const sender = Math.floor(random() * keys.length)
    const nonce = nonces[sender] as bigint
    nonces[sender] = nonce + 1n
    const data = randomCalldata(random, Math.floor(random() * (MAX_CALLDATA_WORDS + 1)))
    const gasUsed = intrinsicGas(data)
    const raw = signEip1559Tx(
      {
        chainId: opts.chainId,
        nonce,
        maxPriorityFeePerGas,
        maxFeePerGas,
        // A little headroom over intrinsic gas, as wallets estimate.
        gas: gasUsed + gasUsed / 5n,
        to: randomBytesFrom(random, 20),
        value: random() < 0.3 ? BigInt(Math.floor(random() * 1e15)) : 0n,
        data,
      },
      keys[sender] as Uint8Array,
    )
    return { raw, gasUsed }
  }
  return {
    next() {
      if (pool.length < poolSize) {
        const tx = fresh()
        if (Number.isFinite(poolSize)) pool.push(tx)
        return tx
      }
      const tx = pool[poolCursor] as GeneratedTx
      poolCursor = (poolCursor + 1) % pool.length
      return tx
    },
  }
}
