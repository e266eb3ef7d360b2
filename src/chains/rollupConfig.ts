/**
 * op-node's rollup.json (`--rollup.config`): read the few fields op-gossip needs, so any OP Stack
 * chain or devnet works; write one for a devnet so an op-node can join it.
 * Field names follow ethereum-optimism/optimism `op-node/rollup/types.go` (Config, Genesis).
 */
import { readFileSync, statSync } from 'node:fs'
import { OpGossipError } from '../util/errors.ts'
import { getBuiltinChainById } from './builtin.ts'
import { type ChainConfig, FORK_NAMES, type ForkName, type ForkTimes } from './types.ts'

/** Real rollup.json files are 2-4 KB; anything this big is not one. */
export const MAX_ROLLUP_CONFIG_SIZE_BYTES = 1024 * 1024

export const RollupConfigErrorCode = {
  /** The file could not be read */
  READ_FAILED: 'ROLLUP_CONFIG_READ_FAILED',
  /** The file is larger than MAX_ROLLUP_CONFIG_SIZE_BYTES */
  TOO_LARGE: 'ROLLUP_CONFIG_TOO_LARGE',
  /** The file is not JSON */
  BAD_JSON: 'ROLLUP_CONFIG_BAD_JSON',
  /** A required field is absent */
  MISSING_FIELD: 'ROLLUP_CONFIG_MISSING_FIELD',
  /** A field has the wrong type or an impossible value */
  BAD_FIELD: 'ROLLUP_CONFIG_BAD_FIELD',
} as const
export type RollupConfigErrorCode =
  (typeof RollupConfigErrorCode)[keyof typeof RollupConfigErrorCode]

/**
 * A rollup.json that op-gossip cannot use (a configuration problem); `field` is the JSON path of
 * the culprit.
 */
export class RollupConfigError extends OpGossipError<RollupConfigErrorCode> {
  override readonly name = 'RollupConfigError'
  readonly field: string | undefined
  constructor(
    code: RollupConfigErrorCode,
    field: string | undefined,
    message: string,
    cause?: unknown,
  ) {
    super(code, field === undefined ? message : `rollup config: ${field}: ${message}`, {
      kind: 'configuration',
      cause,
    })
    this.field = field
  }
}

const HASH_PATTERN = /^0x[0-9a-fA-F]{64}$/
const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`

type Json = Record<string, unknown>

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function objectField(obj: Json, key: string, path: string): Json {
  const v = obj[key]
  if (v === undefined || v === null) {
    throw new RollupConfigError(RollupConfigErrorCode.MISSING_FIELD, path, 'is required')
  }
  if (!isObject(v))
    throw new RollupConfigError(RollupConfigErrorCode.BAD_FIELD, path, 'must be an object')
  return v
}

/** A JSON number that is a safe non-negative integer (Go uint64 fields; larger values are not real). */
function uintField(
  obj: Json,
  key: string,
  path: string,
  opts: { positive?: boolean } = {},
): number {
  const v = obj[key]
  if (v === undefined || v === null) {
    throw new RollupConfigError(RollupConfigErrorCode.MISSING_FIELD, path, 'is required')
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new RollupConfigError(
      RollupConfigErrorCode.BAD_FIELD,
      path,
      `must be a non-negative integer, got ${JSON.stringify(v)}`,
    )
  }
  if (opts.positive === true && v === 0) {
    throw new RollupConfigError(RollupConfigErrorCode.BAD_FIELD, path, 'must not be 0')
  }
  return v
}

function optionalUintField(obj: Json, key: string, path: string): number | null {
  return obj[key] === undefined || obj[key] === null ? null : uintField(obj, key, path)
}

function hexField(
  obj: Json,
  key: string,
  path: string,
  pattern: RegExp,
  what: string,
): `0x${string}` {
  const v = obj[key]
  if (v === undefined || v === null) {
    throw new RollupConfigError(RollupConfigErrorCode.MISSING_FIELD, path, 'is required')
  }
  if (typeof v !== 'string' || !pattern.test(v)) {
    throw new RollupConfigError(
      RollupConfigErrorCode.BAD_FIELD,
      path,
      `must be ${what}, got ${JSON.stringify(v)}`,
    )
  }
  return v.toLowerCase() as `0x${string}`
}

/** The rollup.json key of a fork: `canyon` → `canyon_time`. */
export function forkTimeField(fork: ForkName): string {
  return `${fork}_time`
}

export interface ParseRollupConfigOptions {
  /** Name for the chain. @default the built-in chain's name for its chain id, else 'custom' */
  name?: string
}

/**
 * The ChainConfig of an op-node rollup.json (already parsed JSON). Required: `l2_chain_id`,
 * `block_time`, `genesis.l2.hash`, `genesis.l2.number`, `genesis.l2_time`. Optional but checked
 * when present: the `*_time` fork fields (null or absent = not scheduled; like op-node, a fork may
 * not be set while an earlier one is missing or later), `genesis.l1`, `l1_chain_id`,
 * `l1_system_config_address` (the zero address counts as absent). Every other field is ignored.
 * A chain id that matches a built-in chain inherits its last known signer and bootnodes.
 * @throws RollupConfigError naming the field
 */
export function parseRollupConfig(json: unknown, opts: ParseRollupConfigOptions = {}): ChainConfig {
  if (!isObject(json)) {
    throw new RollupConfigError(
      RollupConfigErrorCode.BAD_JSON,
      undefined,
      'rollup config must be a JSON object',
    )
  }
  const chainId = uintField(json, 'l2_chain_id', 'l2_chain_id', { positive: true })
  const blockTime = uintField(json, 'block_time', 'block_time', { positive: true })

  const forks = {} as ForkTimes
  let previous: { fork: ForkName; time: number | null } | undefined
  for (const fork of FORK_NAMES) {
    const key = forkTimeField(fork)
    const time = optionalUintField(json, key, key)
    if (time !== null && previous !== undefined) {
      if (previous.time === null) {
        throw new RollupConfigError(
          RollupConfigErrorCode.BAD_FIELD,
          key,
          `is set but the earlier fork ${forkTimeField(previous.fork)} is not`,
        )
      }
      if (previous.time > time) {
        throw new RollupConfigError(
          RollupConfigErrorCode.BAD_FIELD,
          key,
          `is before the earlier fork ${forkTimeField(previous.fork)} (${previous.time})`,
        )
      }
    }
    forks[fork] = time
    previous = { fork, time }
  }

  const genesisJson = objectField(json, 'genesis', 'genesis')
  const l2 = objectField(genesisJson, 'l2', 'genesis.l2')
  const genesis: NonNullable<ChainConfig['genesis']> = {
    l2Time: uintField(genesisJson, 'l2_time', 'genesis.l2_time', { positive: true }),
    l2Number: uintField(l2, 'number', 'genesis.l2.number'),
    l2Hash: hexField(l2, 'hash', 'genesis.l2.hash', HASH_PATTERN, 'a 32-byte 0x-hex hash'),
  }
  if (genesisJson.l1 !== undefined && genesisJson.l1 !== null) {
    const l1 = objectField(genesisJson, 'l1', 'genesis.l1')
    genesis.l1 = {
      number: uintField(l1, 'number', 'genesis.l1.number'),
      hash: hexField(l1, 'hash', 'genesis.l1.hash', HASH_PATTERN, 'a 32-byte 0x-hex hash'),
    }
  }

  const builtin = getBuiltinChainById(chainId)
  const chain: ChainConfig = {
    name: opts.name ?? builtin?.name ?? 'custom',
    chainId,
    blockTime,
    forks,
    genesis,
  }
  const l1ChainId = optionalUintField(json, 'l1_chain_id', 'l1_chain_id')
  if (l1ChainId !== null) chain.l1ChainId = l1ChainId
  if (json.l1_system_config_address !== undefined && json.l1_system_config_address !== null) {
    const address = hexField(
      json,
      'l1_system_config_address',
      'l1_system_config_address',
      ADDRESS_PATTERN,
      'a 20-byte 0x-hex address',
    )
    if (address !== ZERO_ADDRESS) chain.systemConfig = address
  }
  if (builtin !== undefined) {
    if (builtin.unsafeBlockSigner !== undefined) chain.unsafeBlockSigner = builtin.unsafeBlockSigner
    if (builtin.bootnodes !== undefined) chain.bootnodes = [...builtin.bootnodes]
    const unconfirmed = (builtin.unconfirmed ?? []).filter(
      (f) => f === 'unsafeBlockSigner' || f === 'bootnodes',
    )
    if (unconfirmed.length > 0) chain.unconfirmed = unconfirmed
  }
  return chain
}

/**
 * Reads and parses a rollup.json file.
 * @throws RollupConfigError (READ_FAILED, TOO_LARGE, BAD_JSON, or a field error)
 */
export function loadRollupConfigFile(
  path: string,
  opts: ParseRollupConfigOptions = {},
): ChainConfig {
  let text: string
  try {
    const size = statSync(path).size
    if (size > MAX_ROLLUP_CONFIG_SIZE_BYTES) {
      throw new RollupConfigError(
        RollupConfigErrorCode.TOO_LARGE,
        undefined,
        `rollup config ${path} is ${size} bytes, more than ${MAX_ROLLUP_CONFIG_SIZE_BYTES}`,
      )
    }
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if (err instanceof RollupConfigError) throw err
    throw new RollupConfigError(
      RollupConfigErrorCode.READ_FAILED,
      undefined,
      `cannot read rollup config ${path}: ${(err as Error).message}`,
      err,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new RollupConfigError(
      RollupConfigErrorCode.BAD_JSON,
      undefined,
      `rollup config ${path} is not valid JSON: ${(err as Error).message}`,
      err,
    )
  }
  return parseRollupConfig(json, opts)
}

/** What a rollup.json needs beyond a ChainConfig; every field has a devnet default. */
export interface RollupConfigExtras {
  /** L1 block the rollup starts after. @default chain.genesis.l1, else L1 block 0 with a placeholder hash */
  l1Genesis?: { number: number; hash: `0x${string}` }
  /** @default 0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc (anvil account #2) */
  batcherAddress?: `0x${string}`
  /** @default 30_000_000 */
  gasLimit?: number
  /** @default 0xff + the L2 chain id in decimal digits, right-aligned (op-deployer's convention) */
  batchInboxAddress?: `0x${string}`
  /** @default a placeholder: set the deployed OptimismPortal when an op-node derives from a real L1 */
  depositContractAddress?: `0x${string}`
  /** @default 600 */
  maxSequencerDrift?: number
  /** @default 3600 */
  seqWindowSize?: number
  /** @default 300 */
  channelTimeout?: number
}

const DEVNET_BATCHER = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'
const DEVNET_DEPOSIT_CONTRACT = '0x6900000000000000000000000000000000000001'
const DEVNET_L1_GENESIS_HASH = `0x${'11'.repeat(32)}` as const

function bytes32Hex(n: number): `0x${string}` {
  return `0x${n.toString(16).padStart(64, '0')}`
}

function defaultBatchInbox(chainId: number): `0x${string}` {
  return `0xff${String(chainId).padStart(38, '0')}`
}

/**
 * An op-node-compatible rollup.json for `chain` (pretty JSON with a trailing newline). op-node
 * refuses unknown fields, so only fields it knows are written: fork times that are null are left
 * out (as op-node's omitempty does), Jovian's `minBaseFee` only when Jovian is scheduled.
 * @throws RollupConfigError when chain.genesis is missing (op-node needs the L2 genesis hash)
 */
export function serializeRollupConfig(chain: ChainConfig, extras: RollupConfigExtras = {}): string {
  if (chain.genesis === undefined) {
    throw new RollupConfigError(
      RollupConfigErrorCode.MISSING_FIELD,
      'genesis',
      'the chain has no L2 genesis: op-node needs its hash and time',
    )
  }
  const l1Genesis = extras.l1Genesis ??
    chain.genesis.l1 ?? { number: 0, hash: DEVNET_L1_GENESIS_HASH }
  const systemConfig: Json = {
    batcherAddr: extras.batcherAddress ?? DEVNET_BATCHER,
    // L1 fee parameters in the Ecotone encoding (overhead unused; scalar = version byte 1, blob
    // base fee scalar 0xc5fc5, base fee scalar 0x558: op-deployer's devnet defaults).
    overhead: bytes32Hex(0),
    scalar: '0x010000000000000000000000000000000000000000000000000c5fc500000558',
    gasLimit: extras.gasLimit ?? 30_000_000,
    eip1559Params: '0x0000000000000000',
    operatorFeeParams: bytes32Hex(0),
  }
  if (chain.forks.jovian !== null) systemConfig.minBaseFee = 0
  const out: Json = {
    genesis: {
      l1: { hash: l1Genesis.hash, number: l1Genesis.number },
      l2: { hash: chain.genesis.l2Hash, number: chain.genesis.l2Number },
      l2_time: chain.genesis.l2Time,
      system_config: systemConfig,
    },
    block_time: chain.blockTime,
    max_sequencer_drift: extras.maxSequencerDrift ?? 600,
    seq_window_size: extras.seqWindowSize ?? 3600,
    channel_timeout: extras.channelTimeout ?? 300,
    l1_chain_id: chain.l1ChainId ?? 900,
    l2_chain_id: chain.chainId,
  }
  for (const fork of FORK_NAMES) {
    const time = chain.forks[fork]
    if (time !== null) out[forkTimeField(fork)] = time
  }
  out.batch_inbox_address = extras.batchInboxAddress ?? defaultBatchInbox(chain.chainId)
  out.deposit_contract_address = extras.depositContractAddress ?? DEVNET_DEPOSIT_CONTRACT
  out.l1_system_config_address = chain.systemConfig ?? ZERO_ADDRESS
  out.protocol_versions_address = ZERO_ADDRESS
  // EIP-1559 parameters of the execution layer (op-geth's OptimismConfig); op-node needs them from
  // Holocene on and would otherwise look the chain up in the superchain registry.
  out.chain_op_config = {
    eip1559Elasticity: 6,
    eip1559Denominator: 50,
    eip1559DenominatorCanyon: 250,
  }
  return `${JSON.stringify(out, null, 2)}\n`
}
