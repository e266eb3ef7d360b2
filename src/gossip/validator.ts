/**
 * The unsafe-block gossip validator: op-node's `BuildBlocksValidator` checks, in op-node's order,
 * with op-node's outcomes (op-gossip.md §6.2; docs/conformance.md names the op-node lines). One
 * validator serves the chain's four block topics (the topic picks the payload version) and keeps
 * one per-height seen cache per topic, as op-node builds one validator per topic.
 *
 * Order (§6.2 step numbers; where op-node's code and the spec table differ, the code wins):
 *  0. topic is not one of the chain's four block topics → REJECT UNKNOWN_TOPIC
 *  1-4. Snappy header, 10 MiB / 66-byte bounds (before any allocation), decode → REJECT
 *  6-8. signature (op-node's `verifyBlockSignature`): no signer configured → IGNORE
 *     SIGNER_UNKNOWN before any recovery; recovery fails → REJECT BAD_SIGNATURE; the recovered
 *     address is neither the current signer nor the previous one inside its rotation grace
 *     window → REJECT WRONG_SIGNER. A block verified by the current signer closes the window.
 *  9. SSZ decode by topic version → REJECT SSZ_INVALID
 *  10-11. timestamp window [now - threshold, now + 5] in whole seconds → REJECT
 *  12. recomputed block hash → REJECT BLOCK_HASH_MISMATCH
 *  13-22. version rules (withdrawals, blob gas with the Jovian exception, beacon root,
 *     withdrawalsRoot) → REJECT
 *  23-25. per-height seen cache of the topic → REJECT TOO_MANY_BLOCKS_AT_HEIGHT / IGNORE
 *     DUPLICATE_BLOCK
 *  Any unexpected exception → REJECT INTERNAL_ERROR (op-node's panic guard); validate never throws.
 *
 * `decodeFully` (for `op-gossip inspect`) keeps decoding after the verdict is decided, so the
 * result carries the payload, recovered signer and computed block hash whenever the bytes allow;
 * the verdict and reason are still those of the first failing step, and the seen cache is only
 * touched when every earlier step passed. Both modes run the same step functions below.
 */
import { type ChainConfig, isForkActive } from '../chains/types.ts'
import { computeBlockHash } from '../wire/blockHash.ts'
import { decodeSignedPayload, SIGNATURE_SIZE_BYTES } from '../wire/envelope.ts'
import {
  GossipReason,
  type GossipReasonCode,
  GossipValidationError,
  type Verdict,
} from '../wire/errors.ts'
import { payloadHash, recoverSigner, signingHash } from '../wire/signing.ts'
import {
  MAX_GOSSIP_SIZE_BYTES,
  MIN_GOSSIP_SIZE_BYTES,
  snappyDecodedLength,
  snappyUncompress,
} from '../wire/snappy.ts'
import { blocksTopic } from '../wire/topics.ts'
import { BLOCK_VERSIONS, type BlockVersion, type SignedEnvelope } from '../wire/types.ts'
import { createSeenBlocks, type SeenBlocks } from './seenBlocks.ts'

/** op-node `p2p.gossip.timestamp.threshold` default: payloads older than this are rejected. */
export const DEFAULT_TIMESTAMP_THRESHOLD_SECONDS = 60

/** op-node's fixed bound on how far in the future a payload timestamp may be. */
export const MAX_TIMESTAMP_FUTURE_SECONDS = 5

const ADDRESS_LENGTH_BYTES = 20
const MS_PER_SECOND = 1000

/**
 * The signer view the validator reads for every message, so a rotation takes effect at once
 * (signer/signerSource.ts's SignerSource fits).
 */
export interface SignerPolicy {
  /** The current signer (20 bytes). null, undefined or the zero address = not configured. */
  current(): Uint8Array | null | undefined
  /** The previous signer while its rotation grace window is open, else null. */
  previousInGrace?(): Uint8Array | null
  /** A block signed by the current signer passed the signature check: ends any grace window. */
  currentSignerVerified?(): void
}

export interface BlockValidatorOptions {
  /** Chain whose four block topics are validated; its fork times decide the Jovian rule. */
  chain: ChainConfig
  /** Who may sign: a SignerPolicy, or a function giving the current signer alone (no rotation). */
  signer: SignerPolicy | (() => Uint8Array | null | undefined)
  /**
   * Wall clock in milliseconds (floored to whole seconds like op-node's `time.Now().Unix()`).
   * @default Date.now
   */
  now?: () => number
  /** Reject payloads older than now minus this many seconds. @default 60 */
  timestampThresholdSeconds?: number
  /** Makes each topic's per-height seen cache. @default `createSeenBlocks` */
  createSeenBlocks?: () => SeenBlocks
}

export interface ValidateOptions {
  /**
   * The Snappy-decoded `data`, when the caller already has it (the message-ID function decodes
   * too: see `MessageRecords.takeDecompressed`). The size checks on the header still run; decoding is skipped.
   */
  decompressed?: Uint8Array | null
  /** Keep decoding after the verdict is decided (see module doc). @default false */
  decodeFully?: boolean
}

/** Microseconds spent per stage (0 for a stage that did not run). */
export interface ValidationTimings {
  snappyUs: number
  signatureUs: number
  decodeUs: number
  blockHashUs: number
  totalUs: number
}

interface ValidationResultBase {
  topic: string
  /** Topic version, null for an unknown topic */
  version: BlockVersion | null
  /** Snappy header's decoded length, null when unreadable */
  decodedLength: number | null
  /** Decoded message when decoding got that far (always set on accept) */
  envelope: SignedEnvelope | null
  /** Recovered signer address (20 bytes), null when recovery did not run or failed */
  signer: Uint8Array | null
  /** keccak256(RLP(header)) recomputed from the payload, null when not computed */
  computedBlockHash: Uint8Array | null
  timings: ValidationTimings
}

export interface AcceptedValidation extends ValidationResultBase {
  verdict: 'accept'
  reason: null
  version: BlockVersion
  envelope: SignedEnvelope
}

export interface RefusedValidation extends ValidationResultBase {
  verdict: Exclude<Verdict, 'accept'>
  reason: GossipReasonCode
}

export type ValidationResult = AcceptedValidation | RefusedValidation

export interface BlockValidator {
  /** Validates one gossip message; never throws. */
  validate(topic: string, data: Uint8Array, opts?: ValidateOptions): ValidationResult
  /** The per-height seen cache of one of the four topics (undefined for any other topic). */
  seenBlocksFor(topic: string): SeenBlocks | undefined
  /** Forgets every topic's seen blocks (benchmarks start each iteration fresh). */
  clearSeenBlocks(): void
  /** The four topics this validator accepts, in version order. */
  readonly topics: readonly string[]
}

/** Mutable state threaded through the steps. `reason` holds the first failure. */
interface Run extends ValidationResultBase {
  reason: GossipReasonCode | null
  decompressed: Uint8Array | null
}

function isZeroAddress(address: Uint8Array): boolean {
  for (let i = 0; i < address.length; i++) if (address[i] !== 0) return false
  return true
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The failure code a step's exception stands for: its own code, or INTERNAL_ERROR. */
function reasonOf(err: unknown, expected: GossipReasonCode): GossipReasonCode {
  return err instanceof GossipValidationError && err.code === expected ? expected : 'INTERNAL_ERROR'
}

export function createBlockValidator(opts: BlockValidatorOptions): BlockValidator {
  const { chain } = opts
  const now = opts.now ?? Date.now
  const thresholdSeconds = BigInt(
    opts.timestampThresholdSeconds ?? DEFAULT_TIMESTAMP_THRESHOLD_SECONDS,
  )
  if (thresholdSeconds < 0n) throw new RangeError('timestampThresholdSeconds must be >= 0')
  const futureSeconds = BigInt(MAX_TIMESTAMP_FUTURE_SECONDS)
  const signer: SignerPolicy =
    typeof opts.signer === 'function' ? { current: opts.signer } : opts.signer
  const versionByTopic = new Map<string, BlockVersion>(
    BLOCK_VERSIONS.map((v) => [blocksTopic(chain.chainId, v), v]),
  )
  const makeSeen = opts.createSeenBlocks ?? createSeenBlocks
  const seenByTopic = new Map<string, SeenBlocks>(
    [...versionByTopic.keys()].map((topic) => [topic, makeSeen()]),
  )

  /** Records the first failure; returns true when the run should stop here. */
  function fail(run: Run, code: GossipReasonCode, full: boolean): boolean {
    if (run.reason === null) run.reason = code
    return !full
  }

  // Steps 1-4. Returns false when nothing after this can run.
  function decompressStep(run: Run, data: Uint8Array, given: Uint8Array | null, full: boolean) {
    let length: number
    try {
      length = snappyDecodedLength(data)
    } catch (err) {
      fail(run, reasonOf(err, 'SNAPPY_BAD_HEADER'), full)
      return false
    }
    run.decodedLength = length
    // Both bounds are checked on the header alone: a zip bomb costs no allocation.
    if (length > MAX_GOSSIP_SIZE_BYTES) {
      fail(run, 'SNAPPY_TOO_LARGE', full)
      return false
    }
    if (length < MIN_GOSSIP_SIZE_BYTES && fail(run, 'SNAPPY_TOO_SMALL', full)) return false
    if (given !== null && given.length === length) {
      run.decompressed = given
      return true
    }
    try {
      run.decompressed = snappyUncompress(data, length)
    } catch (err) {
      fail(run, reasonOf(err, 'SNAPPY_CORRUPT'), full)
      return false
    }
    return true
  }

  // Steps 6-8 (op-node's verifyBlockSignature: unset signer first, then recover, then compare).
  function signatureStep(run: Run, signature: Uint8Array, signedBytes: Uint8Array, full: boolean) {
    const expected = signer.current()
    const unset = expected === null || expected === undefined || isZeroAddress(expected)
    if (unset && fail(run, 'SIGNER_UNKNOWN', full)) return false
    const hash = signingHash(chain.chainId, payloadHash(signedBytes))
    run.signer = recoverSigner(hash, signature)
    if (run.signer === null) return !fail(run, 'BAD_SIGNATURE', full)
    if (unset) return true
    if (expected.length === ADDRESS_LENGTH_BYTES && bytesEqual(run.signer, expected)) {
      signer.currentSignerVerified?.()
      return true
    }
    const previous = signer.previousInGrace?.() ?? null
    if (previous !== null && bytesEqual(run.signer, previous)) return true
    return !fail(run, 'WRONG_SIGNER', full)
  }

  // Step 9.
  function decodeStep(
    run: Run,
    version: BlockVersion,
    signature: Uint8Array,
    signedBytes: Uint8Array,
    full: boolean,
  ): SignedEnvelope | null {
    try {
      const { parentBeaconBlockRoot, payload } = decodeSignedPayload(signedBytes, version)
      const envelope: SignedEnvelope = { version, signature, payload, signedBytes }
      if (parentBeaconBlockRoot !== undefined)
        envelope.parentBeaconBlockRoot = parentBeaconBlockRoot
      run.envelope = envelope
      return envelope
    } catch (err) {
      fail(run, reasonOf(err, 'SSZ_INVALID'), full)
      return null
    }
  }

  // Steps 10-11.
  function timestampStep(run: Run, timestamp: bigint, full: boolean): boolean {
    const nowSeconds = BigInt(Math.floor(now() / MS_PER_SECOND))
    if (timestamp < nowSeconds - thresholdSeconds) return !fail(run, 'TIMESTAMP_TOO_OLD', full)
    if (timestamp > nowSeconds + futureSeconds) return !fail(run, 'TIMESTAMP_TOO_NEW', full)
    return true
  }

  // Step 12.
  function blockHashStep(run: Run, env: SignedEnvelope, full: boolean): boolean {
    try {
      run.computedBlockHash = computeBlockHash(env.payload, env.version, env.parentBeaconBlockRoot)
    } catch {
      // Only reachable when the decoder left out a field its version needs (a bug).
      return !fail(run, 'INTERNAL_ERROR', full)
    }
    if (!bytesEqual(run.computedBlockHash, env.payload.blockHash)) {
      return !fail(run, 'BLOCK_HASH_MISMATCH', full)
    }
    return true
  }

  // Steps 13-22: the first rule broken, or null.
  function versionRule(env: SignedEnvelope): GossipReasonCode | null {
    const { version, payload } = env
    const withdrawals = payload.withdrawals
    if (version === 1 && withdrawals !== undefined) return 'WITHDRAWALS_WRONG_VERSION'
    if (version >= 2 && withdrawals === undefined) return 'WITHDRAWALS_WRONG_VERSION'
    if (version >= 2 && withdrawals !== undefined && withdrawals.length !== 0) {
      return 'WITHDRAWALS_NOT_EMPTY'
    }
    if (
      version <= 2 &&
      (payload.blobGasUsed !== undefined || payload.excessBlobGas !== undefined)
    ) {
      return 'BLOB_GAS_WRONG_VERSION'
    }
    if (version >= 3) {
      if (payload.blobGasUsed === undefined) return 'BLOB_GAS_USED_MISSING'
      // From Jovian, blobGasUsed carries the DA footprint (checked only through the block hash).
      if (payload.blobGasUsed !== 0n && !isForkActive(chain, 'jovian', payload.timestamp)) {
        return 'BLOB_GAS_USED_NOT_ZERO'
      }
      if (payload.excessBlobGas !== 0n) return 'EXCESS_BLOB_GAS_INVALID'
      if (env.parentBeaconBlockRoot === undefined) return 'PARENT_BEACON_ROOT_MISSING'
    }
    if (version === 4 && payload.withdrawalsRoot === undefined) return 'WITHDRAWALS_ROOT_MISSING'
    return null
  }

  // Steps 23-25.
  function seenStep(run: Run, env: SignedEnvelope, seen: SeenBlocks): void {
    const outcome = seen.checkAndRecord(env.payload.blockNumber, env.payload.blockHash)
    if (outcome === 'too-many') run.reason = 'TOO_MANY_BLOCKS_AT_HEIGHT'
    else if (outcome === 'duplicate') run.reason = 'DUPLICATE_BLOCK'
  }

  function runSteps(run: Run, data: Uint8Array, validateOpts: ValidateOptions | undefined): void {
    const full = validateOpts?.decodeFully === true
    const t = run.timings
    const version = versionByTopic.get(run.topic)
    if (version === undefined) {
      fail(run, 'UNKNOWN_TOPIC', full)
      return
    }
    run.version = version

    let t0 = performance.now()
    const ok = decompressStep(run, data, validateOpts?.decompressed ?? null, full)
    let t1 = performance.now()
    t.snappyUs = (t1 - t0) * 1000
    const decompressed = run.decompressed
    // A message no longer than the signature (only reachable with decodeFully) has nothing more.
    if (!ok || decompressed === null || decompressed.length <= SIGNATURE_SIZE_BYTES) return

    // Step 5: views, no copies.
    const signature = decompressed.subarray(0, SIGNATURE_SIZE_BYTES)
    const signedBytes = decompressed.subarray(SIGNATURE_SIZE_BYTES)

    t0 = t1
    const signatureOk = signatureStep(run, signature, signedBytes, full)
    t1 = performance.now()
    t.signatureUs = (t1 - t0) * 1000
    if (!signatureOk) return

    t0 = t1
    const env = decodeStep(run, version, signature, signedBytes, full)
    t1 = performance.now()
    t.decodeUs = (t1 - t0) * 1000
    if (env === null) return

    if (!timestampStep(run, env.payload.timestamp, full)) return

    t0 = performance.now()
    const hashOk = blockHashStep(run, env, full)
    t.blockHashUs = (performance.now() - t0) * 1000
    if (!hashOk) return

    const broken = versionRule(env)
    if (broken !== null) {
      fail(run, broken, full)
      return
    }
    // The seen cache records only blocks that passed every earlier step.
    if (run.reason === null) seenStep(run, env, seenByTopic.get(run.topic) as SeenBlocks)
  }

  function validate(topic: string, data: Uint8Array, validateOpts?: ValidateOptions) {
    const start = performance.now()
    const run: Run = {
      topic,
      version: null,
      decodedLength: null,
      envelope: null,
      signer: null,
      computedBlockHash: null,
      timings: { snappyUs: 0, signatureUs: 0, decodeUs: 0, blockHashUs: 0, totalUs: 0 },
      reason: null,
      decompressed: null,
    }
    try {
      runSteps(run, data, validateOpts)
    } catch {
      // op-node's guardGossipValidator: a panic anywhere in validation is a REJECT.
      run.reason = 'INTERNAL_ERROR'
    }
    run.timings.totalUs = (performance.now() - start) * 1000
    return toResult(run)
  }

  return {
    validate,
    seenBlocksFor: (topic) => seenByTopic.get(topic),
    clearSeenBlocks() {
      for (const seen of seenByTopic.values()) seen.clear()
    },
    topics: [...versionByTopic.keys()],
  }
}

function toResult(run: Run): ValidationResult {
  const base: ValidationResultBase = {
    topic: run.topic,
    version: run.version,
    decodedLength: run.decodedLength,
    envelope: run.envelope,
    signer: run.signer,
    computedBlockHash: run.computedBlockHash,
    timings: run.timings,
  }
  if (run.reason === null) {
    if (run.envelope === null || run.version === null) {
      // Unreachable: every path to here decoded an envelope. Guard instead of asserting.
      return { ...base, verdict: GossipReason.INTERNAL_ERROR, reason: 'INTERNAL_ERROR' }
    }
    return {
      ...base,
      verdict: 'accept',
      reason: null,
      version: run.version,
      envelope: run.envelope,
    }
  }
  return { ...base, verdict: GossipReason[run.reason], reason: run.reason }
}
