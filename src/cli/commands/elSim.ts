/**
 * `op-gossip el-sim`: runs el-sim, the execution-client test double, standalone (devnets, manual
 * tests). It is not an execution client: it checks block hashes and links, not transactions.
 */
import type { Command } from 'commander'
import { getBuiltinChain } from '../../chains/builtin.ts'
import { createDevnetChain } from '../../chains/devnet.ts'
import { loadRollupConfigFile } from '../../chains/rollupConfig.ts'
import type { ChainConfig } from '../../chains/types.ts'
import { type ElSimGenesis, startElSim } from '../../engine/elSim.ts'
import { loadJwtSecretFile } from '../../engine/jwt.ts'
import type { Hex } from '../../engine/schema.ts'
import {
  createLogger,
  DEFAULT_LOG_FORMAT,
  DEFAULT_LOG_LEVEL,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
} from '../../util/logger.ts'
import { ROLLUP_CONFIG_FLAG } from '../chainFlags.ts'
import { isListenError, listenFailure } from '../listenFailure.ts'
import { addLogOptions, type LogFlagValues } from '../logFlags.ts'
import { UsageError, withFlag } from '../usageError.ts'

/** el-sim's own listen address default. */
export const DEFAULT_ELSIM_HOST = '127.0.0.1'
/** The Engine API's conventional port, so an op-node or op-gossip config works unchanged. */
export const DEFAULT_ELSIM_ENGINE_PORT = 8551
/** el-sim's own sync delay default, ms. */
export const DEFAULT_ELSIM_SYNC_DELAY_MS = 200
const MAX_PORT = 65_535

interface ElSimFlags extends LogFlagValues {
  host: string
  port: string
  httpPort?: string
  jwtSecret?: string
  chainId?: string
  chain?: string
  'rollup.config'?: string
  genesis?: string
  upstream?: string
  upstreamJwtSecret?: string
  /** false with --no-peers (commander's negated flag) */
  peers: boolean
  syncDelayMs: string
  invalid: string[]
}

function parsePort(text: string, flag: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0 || n > MAX_PORT) {
    throw new UsageError(`${flag} must be a port number 0-${MAX_PORT}`, { flag })
  }
  return n
}

function parseUint(text: string, flag: string): number {
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} must be a non-negative integer`)
  }
  return Number(text)
}

function parseHashFlag(text: string, flag: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) {
    throw new UsageError(`${flag} must be a 0x-prefixed 32-byte hash`)
  }
  return text.toLowerCase() as Hex
}

/** `HASH[:NUMBER[:TIMESTAMP]]` */
export function parseGenesisFlag(text: string): ElSimGenesis {
  const [hash, number, timestamp, ...rest] = text.split(':')
  if (rest.length > 0 || hash === undefined)
    throw new UsageError('--genesis must be HASH[:NUMBER[:TIMESTAMP]]')
  return {
    hash: parseHashFlag(hash, '--genesis hash'),
    number: number === undefined ? 0 : parseUint(number, '--genesis number'),
    timestamp: timestamp === undefined ? 0 : parseUint(timestamp, '--genesis timestamp'),
  }
}

function loadSecret(path: string, flag: string): Uint8Array {
  return withFlag(flag, () => loadJwtSecretFile(path))
}

export function resolveElSimChain(
  flags: Pick<ElSimFlags, 'chainId' | 'chain' | 'rollup.config'>,
): ChainConfig {
  let chain: ChainConfig | undefined
  if (flags['rollup.config'] !== undefined) {
    const path = flags['rollup.config']
    chain = withFlag(ROLLUP_CONFIG_FLAG, () => loadRollupConfigFile(path))
  } else if (flags.chain !== undefined) {
    chain = getBuiltinChain(flags.chain)
    if (chain === undefined) {
      throw new UsageError(`unknown chain ${flags.chain} (see op-gossip chains)`, {
        flag: '--chain',
      })
    }
  }
  if (flags.chainId !== undefined) {
    const id = parseUint(flags.chainId, '--chain-id')
    if (chain === undefined) return createDevnetChain({ chainId: id })
    if (chain.chainId !== id) {
      throw new UsageError(`--chain-id ${id} differs from the chain config's ${chain.chainId}`)
    }
  }
  if (chain === undefined)
    throw new UsageError('el-sim needs --chain-id ID, --chain NAME or --rollup.config FILE')
  return chain
}

/**
 * Where el-sim's EL sync gets blocks: `--upstream URL`, or no peers at all (`--no-peers`, which
 * is also what no `--upstream` means). Both together are a usage error.
 */
export function resolveElSimPeers(
  flags: Pick<ElSimFlags, 'upstream' | 'peers'>,
): { upstream: string } | { noPeers: true } {
  const upstream = flags.upstream
  if (upstream === undefined) return { noPeers: true }
  if (!flags.peers) {
    const message = '--no-peers cannot be used with --upstream (no peers: nothing to sync from)'
    throw new UsageError(message, { flag: '--no-peers' })
  }
  if (!/^https?:\/\//.test(upstream)) {
    throw new UsageError('--upstream must be an http:// or https:// URL', { flag: '--upstream' })
  }
  return { upstream }
}

export function register(program: Command): void {
  const cmd = program
    .command('el-sim')
    .description(
      'run el-sim, an execution-client test double (Engine API + eth reads, JWT, EL sync from an upstream or none with --no-peers); not a real EL',
    )
    .option('--host <addr>', 'listen address', DEFAULT_ELSIM_HOST)
    .option('--port <n>', 'Engine API port (JWT-authenticated)', String(DEFAULT_ELSIM_ENGINE_PORT))
    .option('--http-port <n>', 'optional unauthenticated port for eth_* and elsim_* reads')
    .option('--jwt-secret <file>', 'file with the 32-byte hex JWT secret (required)')
    .option('--chain-id <id>', 'L2 chain id (alone: a devnet with every fork through Isthmus at 0)')
    .option('--chain <name>', 'built-in chain for chain id and fork times')
    .option('--rollup.config <file>', 'op-node rollup.json for chain id, fork times and genesis')
    .option(
      '--genesis <hash[:number[:timestamp]]>',
      'genesis block (default: rollup config, else a fixed hash at #0)',
    )
    .option(
      '--upstream <url>',
      'another el-sim to sync missing blocks from (its elsim_getPayloadByHash)',
    )
    .option(
      '--no-peers',
      'an EL that cannot EL-sync: nothing is fetched, an FCU to a missing head stays SYNCING until newPayload brings the blocks (the default without --upstream)',
    )
    .option(
      '--upstream-jwt-secret <file>',
      "JWT secret of the upstream's port (default: --jwt-secret)",
    )
    .option(
      '--sync-delay-ms <n>',
      'delay before a sync completes',
      String(DEFAULT_ELSIM_SYNC_DELAY_MS),
    )
    .option(
      '--invalid <hash>',
      'answer INVALID for this block hash (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
  addLogOptions(cmd, {
    levels: LOG_LEVELS,
    defaultLevel: DEFAULT_LOG_LEVEL,
    format: { formats: LOG_FORMATS, defaultFormat: DEFAULT_LOG_FORMAT },
    dashedAliases: true,
  })
  cmd.action(async (flags: ElSimFlags) => {
    if (flags.jwtSecret === undefined) {
      throw new UsageError('el-sim needs --jwt-secret FILE', { flag: '--jwt-secret' })
    }
    const jwtSecret = loadSecret(flags.jwtSecret, '--jwt-secret')
    const chain = resolveElSimChain(flags)
    const peers = resolveElSimPeers(flags)
    const log = createLogger({
      level: flags['log.level'] as LogLevel,
      format: flags['log.format'] as LogFormat,
    })
    const port = parsePort(flags.port, '--port')
    const httpPort = flags.httpPort === undefined ? null : parsePort(flags.httpPort, '--http-port')
    const sim = await startElSim(
      {
        chain,
        jwtSecret,
        host: flags.host,
        port,
        syncDelayMs: parseUint(flags.syncDelayMs, '--sync-delay-ms'),
        invalidHashes: flags.invalid.map((h) => parseHashFlag(h, '--invalid')),
        ...(httpPort === null ? {} : { httpPort }),
        ...(flags.genesis === undefined ? {} : { genesis: parseGenesisFlag(flags.genesis) }),
        ...peers,
        ...(flags.upstreamJwtSecret === undefined
          ? {}
          : { upstreamJwtSecret: loadSecret(flags.upstreamJwtSecret, '--upstream-jwt-secret') }),
      },
      { log },
    ).catch((err: unknown) => {
      if (!isListenError(err)) throw err
      const ports = [
        { flag: '--port', port },
        { flag: '--http-port', port: httpPort },
      ]
      throw listenFailure(err, ports, '--port / --http-port')
    })
    const g = sim.chainState.genesis
    log.info(
      {
        engine: sim.url,
        http: sim.httpUrl,
        chainId: chain.chainId,
        genesis: { number: g.number, hash: g.hash },
      },
      'el-sim ready (a test double, not an execution client)',
    )
    await new Promise<void>((resolve) => {
      const shutdown = () => {
        process.off('SIGINT', shutdown)
        process.off('SIGTERM', shutdown)
        void sim.stop().then(resolve)
      }
      process.on('SIGINT', shutdown)
      process.on('SIGTERM', shutdown)
    })
  })
}
