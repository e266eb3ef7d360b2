/**
 * `op-gossip inspect`: decode and validate one gossip message exactly as the node would, and
 * print one JSON object. Exit 0 for accept, 1 for reject or ignore, 2 for a usage error.
 */
import { readFileSync, statSync } from 'node:fs'
import type { Command } from 'commander'
import { getBuiltinChainById } from '../../chains/builtin.ts'
import { loadRollupConfigFile } from '../../chains/rollupConfig.ts'
import { type ChainConfig, FORK_NAMES, type ForkName, type ForkTimes } from '../../chains/types.ts'
import {
  createBlockValidator,
  DEFAULT_TIMESTAMP_THRESHOLD_SECONDS,
  type ValidationResult,
} from '../../gossip/validator.ts'
import { computeMessageIdWithData } from '../../wire/msgId.ts'
import { MAX_GOSSIP_SIZE_BYTES } from '../../wire/snappy.ts'
import { parseBlocksTopic } from '../../wire/topics.ts'
import type { BlockVersion } from '../../wire/types.ts'
import { ROLLUP_CONFIG_FLAG } from '../chainFlags.ts'
import { type PayloadJson, payloadToJson, toChecksumAddress, toHex } from '../json.ts'
import { UsageError, withFlag } from '../usageError.ts'

/** Largest message accepted as input: gossipsub drops anything bigger before validation. */
export const MAX_INSPECT_INPUT_BYTES = MAX_GOSSIP_SIZE_BYTES

/** Exit statuses of `inspect`. */
export const INSPECT_EXIT = { accept: 0, refused: 1 } as const

/** The payload version each fork's blocks use (forks after Isthmus added no topic). */
const FORK_VERSION: Record<ForkName, BlockVersion> = {
  regolith: 1,
  canyon: 2,
  delta: 2,
  ecotone: 3,
  fjord: 3,
  granite: 3,
  holocene: 3,
  isthmus: 4,
  jovian: 4,
  karst: 4,
}

export interface InspectOutput {
  verdict: ValidationResult['verdict']
  reason: ValidationResult['reason']
  version: BlockVersion
  topic: string
  messageId: string
  signer: string | null
  /** Whom the recovered signer matched: --signer, --previous-signer, or neither (null) */
  signedBy: 'current' | 'previous' | null
  parentBeaconBlockRoot: string | null
  computedBlockHash: string | null
  payload: PayloadJson | null
}

interface InspectFlags {
  hex?: string
  file?: string
  topic: string
  signer?: string
  previousSigner?: string
  now?: string
  timestampThreshold?: string
  'rollup.config'?: string
}

/**
 * Chain assumed for a topic's chain id when neither --rollup.config nor a built-in chain
 * applies: every fork whose blocks use the topic's version or an earlier one is active from 0,
 * later ones never (so on v4 Jovian counts as active; on v3 it does not).
 */
export function assumedChain(chainId: number, version: BlockVersion): ChainConfig {
  const forks = Object.fromEntries(
    FORK_NAMES.map((f) => [f, FORK_VERSION[f] <= version ? 0 : null]),
  ) as ForkTimes
  return { name: 'assumed', chainId, blockTime: 2, forks }
}

function parseHex(text: string, what: string): Uint8Array {
  const clean = text.trim().replace(/^0x/i, '')
  if (clean.length === 0) throw new UsageError(`${what} is empty`)
  const bad = /[^0-9a-fA-F]/.exec(clean)
  if (bad !== null) {
    throw new UsageError(
      `${what} must be hex (0-9, a-f), found '${bad[0]}' at character ${bad.index + 1} after any 0x`,
      { flag: what.startsWith('--') ? what : undefined },
    )
  }
  if (clean.length % 2 !== 0) {
    throw new UsageError(
      `${what} must have an even number of hex digits (two per byte), got ${clean.length}`,
      { flag: what.startsWith('--') ? what : undefined },
    )
  }
  if (clean.length / 2 > MAX_INSPECT_INPUT_BYTES) {
    throw new UsageError(`${what} is larger than ${MAX_INSPECT_INPUT_BYTES} bytes`)
  }
  return new Uint8Array(Buffer.from(clean, 'hex'))
}

function parseSeconds(text: string, flag: string): number {
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} must be a non-negative integer number of seconds, got '${text}'`)
  }
  return Number(text)
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin) {
    const buf = chunk as Buffer
    size += buf.length
    // Hex doubles the size; leave room for a 0x prefix and whitespace.
    if (size > 2 * MAX_INSPECT_INPUT_BYTES + 16) {
      throw new UsageError(`stdin is larger than ${MAX_INSPECT_INPUT_BYTES} bytes of hex`)
    }
    chunks.push(buf)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function readInput(flags: InspectFlags, args: string[]): Promise<Uint8Array> {
  const fromStdin = args.length === 1 && args[0] === '-'
  if (args.length > 1 || (args.length === 1 && !fromStdin)) {
    throw new UsageError(`unexpected argument '${args.find((a) => a !== '-') ?? args[1]}'`)
  }
  const sources = [flags.hex !== undefined, flags.file !== undefined, fromStdin].filter(Boolean)
  if (sources.length !== 1) throw new UsageError('give exactly one of --hex HEX, --file PATH or -')
  if (flags.hex !== undefined) return parseHex(flags.hex, '--hex')
  if (flags.file !== undefined) {
    let size: number
    try {
      size = statSync(flags.file).size
    } catch (err) {
      throw new UsageError(`cannot read --file ${flags.file}: ${(err as Error).message}`)
    }
    if (size > MAX_INSPECT_INPUT_BYTES) {
      throw new UsageError(`--file ${flags.file} is larger than ${MAX_INSPECT_INPUT_BYTES} bytes`)
    }
    return new Uint8Array(readFileSync(flags.file))
  }
  return parseHex(await readStdin(), 'stdin')
}

function resolveChain(flags: InspectFlags, chainId: number, version: BlockVersion): ChainConfig {
  const path = flags['rollup.config']
  if (path !== undefined) {
    const chain = withFlag(ROLLUP_CONFIG_FLAG, () => loadRollupConfigFile(path))
    if (chain.chainId !== chainId) {
      throw new UsageError(
        `--rollup.config is for chain ${chain.chainId}, the topic for ${chainId}`,
        { flag: ROLLUP_CONFIG_FLAG },
      )
    }
    return chain
  }
  return getBuiltinChainById(chainId) ?? assumedChain(chainId, version)
}

function parseSigner(text: string | undefined, flag: string): Uint8Array | null {
  if (text === undefined) return null
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) {
    throw new UsageError(`${flag} must be a 0x-prefixed 20-byte hex address, got '${text}'`)
  }
  return new Uint8Array(Buffer.from(text.slice(2), 'hex'))
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a !== null && b !== null && Buffer.from(a).equals(Buffer.from(b))
}

/** Decodes and validates `data` as the node would (fresh seen cache) and builds the output. */
export function inspectMessage(opts: {
  topic: string
  data: Uint8Array
  chain: ChainConfig
  signer: Uint8Array | null
  /** Judge as a node inside a rotation grace window for this previous signer */
  previousSigner?: Uint8Array | null
  nowMs: number
  timestampThresholdSeconds?: number
}): InspectOutput {
  const parsed = parseBlocksTopic(opts.topic)
  if (parsed === null) throw new UsageError(`'${opts.topic}' is not a block topic`)
  const { id, decompressed } = computeMessageIdWithData(opts.topic, opts.data)
  const validator = createBlockValidator({
    chain: opts.chain,
    signer: { current: () => opts.signer, previousInGrace: () => opts.previousSigner ?? null },
    now: () => opts.nowMs,
    ...(opts.timestampThresholdSeconds !== undefined
      ? { timestampThresholdSeconds: opts.timestampThresholdSeconds }
      : {}),
  })
  const r = validator.validate(opts.topic, opts.data, { decompressed, decodeFully: true })
  const env = r.envelope
  return {
    verdict: r.verdict,
    reason: r.reason,
    version: parsed.version,
    topic: opts.topic,
    messageId: toHex(id),
    signer: r.signer === null ? null : toChecksumAddress(r.signer),
    signedBy: sameBytes(r.signer, opts.signer)
      ? 'current'
      : sameBytes(r.signer, opts.previousSigner ?? null)
        ? 'previous'
        : null,
    parentBeaconBlockRoot:
      env?.parentBeaconBlockRoot === undefined ? null : toHex(env.parentBeaconBlockRoot),
    computedBlockHash: r.computedBlockHash === null ? null : toHex(r.computedBlockHash),
    payload: env === null ? null : payloadToJson(env.payload),
  }
}

export function register(program: Command): void {
  program
    .command('inspect')
    .description('decode and validate one gossip message like the node would; prints JSON')
    .argument('[-]', 'read the message as hex from stdin')
    .option('--hex <hex>', 'the Snappy-compressed message as hex (0x optional)')
    .option('--file <path>', 'read the raw Snappy-compressed message bytes from a file')
    .requiredOption('--topic <topic>', 'gossip topic, e.g. /optimism/10/3/blocks')
    .option(
      '--signer <address>',
      'unsafe-block signer to check against (none: ignore, like op-node)',
    )
    .option(
      '--previous-signer <address>',
      'also accept this signer, as a node inside its rotation grace window would',
    )
    .option('--now <unixSeconds>', 'validation time (default: the current time)')
    .option(
      '--timestamp-threshold <seconds>',
      `reject payloads older than this (default: ${DEFAULT_TIMESTAMP_THRESHOLD_SECONDS})`,
    )
    .option('--rollup.config <file>', "op-node rollup.json for the chain's fork times")
    .action(async (_dash: string | undefined, flags: InspectFlags, cmd: Command) => {
      const parsed = parseBlocksTopic(flags.topic)
      if (parsed === null) throw new UsageError(`--topic '${flags.topic}' is not a block topic`)
      const signer = parseSigner(flags.signer, '--signer')
      const previousSigner = parseSigner(flags.previousSigner, '--previous-signer')
      const nowMs = flags.now === undefined ? Date.now() : parseSeconds(flags.now, '--now') * 1000
      const threshold =
        flags.timestampThreshold === undefined
          ? DEFAULT_TIMESTAMP_THRESHOLD_SECONDS
          : parseSeconds(flags.timestampThreshold, '--timestamp-threshold')
      const chain = resolveChain(flags, parsed.chainId, parsed.version)
      const data = await readInput(flags, cmd.args)
      const out = inspectMessage({
        topic: flags.topic,
        data,
        chain,
        signer,
        previousSigner,
        nowMs,
        timestampThresholdSeconds: threshold,
      })
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
      process.exitCode = out.verdict === 'accept' ? INSPECT_EXIT.accept : INSPECT_EXIT.refused
    })
}
