/**
 * `op-gossip run` flags → node options. Every problem is a configuration error naming its flag
 * (exit status 2). The cross-checks the gossip host also makes (peers.lo <= peers.hi, a ban that
 * lasts, Dlo <= D <= Dhi) are made here first, so the message names flags, not option names.
 */
import type { ChainConfig } from '../../chains/types.ts'
import { BootnodeError } from '../../discovery/bootnodes.ts'
import {
  type DiscoveryFlagValues,
  type ParsedDiscoveryFlags,
  parseDiscoveryFlags,
} from '../../discovery/discoveryFlags.ts'
import type { GapFillMode } from '../../engine/gapFill/gapFillMode.ts'
import { IN_MEMORY_PEERSTORE_PATH } from '../../gossip/banStore.ts'
import type { GossipHostInit } from '../../gossip/options.ts'
import { isValidSecp256k1PrivateKey } from '../../gossip/peerIdentity.ts'
import type { ScoringLevel } from '../../gossip/scoring.ts'
import type { NodeOptions } from '../../node.ts'
import { parseRedisFlags } from '../../redis/redisFlags.ts'
import { parseSignerFlags } from '../../signer/signerFlags.ts'
import type { LogFormat, LogLevel } from '../../util/logger.ts'
import { selectChainFromFlags } from '../chainFlags.ts'
import { describeEnrProblem } from '../enrProblem.ts'
import {
  parseBoolFlag,
  parseDurationFlag,
  parseIpAddressFlag,
  splitListFlag,
} from '../flagValues.ts'
import { resolveLogOutput } from '../logOutput.ts'
import { checkMeshOrder, MESH_DEGREE_FLAGS } from '../meshFlags.ts'
import { parseIntegerFlag, parseNumberFlag } from '../numberFlags.ts'
import { namingVariable, UsageError, withFlag } from '../usageError.ts'
import { parseConnectionFlags } from './connectionFlags.ts'
import type { RunFlags } from './flags.ts'
import { type IgnoredFlagWarning, ignoredFlagWarnings } from './opNodeFlags.ts'

const MAX_PORT = 65_535

export interface RunSettings {
  chain: ChainConfig
  logLevel: LogLevel
  logFormat: LogFormat
  /** Where log lines go when not stderr as logFormat says (op-node's logfmt) */
  logDestination?: NodeJS.WritableStream
  /** op-node flags given that do nothing here: one warning each once logging is up */
  ignoredFlags: IgnoredFlagWarning[]
  node: NodeOptions
}

type MultiaddrCheck = (text: string) => unknown

/**
 * Turns the flags into node options. Async only because libp2p (for multiaddr checks) and the
 * engine are loaded on demand: other commands never pay for them. A bad value that came from an
 * environment variable is reported naming that variable.
 */
export async function parseRunFlags(flags: RunFlags): Promise<RunSettings> {
  try {
    return await parseSettings(flags)
  } catch (err) {
    throw namingVariable(err, flags.envSources ?? {})
  }
}

async function parseSettings(flags: RunFlags): Promise<RunSettings> {
  const { parsePeerMultiaddr } = await import('../../gossip/host.ts')
  const chain = selectChainFromFlags(flags)
  const signer = parseSignerFlags(flags, chain)
  const bootnodes = parseBootnodes(flags, chain, parsePeerMultiaddr)
  const staticPeers = splitListFlag(flags['p2p.static'])
  for (const s of staticPeers) withFlag('--p2p.static', () => parsePeerMultiaddr(s))
  const peerstorePath = flags['p2p.peerstore.path'].trim()
  if (peerstorePath === '') {
    // op-node's message for the same mistake.
    throw new UsageError(
      "--p2p.peerstore.path must be specified, use 'memory' to explicitly not persist peer records",
      { flag: '--p2p.peerstore.path' },
    )
  }
  const thresholdMs = parseDurationFlag(
    '--p2p.gossip.timestamp.threshold',
    flags['p2p.gossip.timestamp.threshold'],
  )
  const log = resolveLogOutput(flags['log.level'], flags['log.format'])
  const rawKey = flags['p2p.priv.raw']
  const gossip = parseGossipFlags(flags, staticPeers, bootnodes.libp2p)
  return {
    chain,
    logLevel: log.level,
    logFormat: log.format,
    ...(log.destination === undefined ? {} : { logDestination: log.destination }),
    ignoredFlags: ignoredFlagWarnings(flags, flags.envSources ?? {}),
    node: {
      chain,
      peerstorePath: peerstorePath === IN_MEMORY_PEERSTORE_PATH ? null : peerstorePath,
      // op-node: a raw key wins over the key file.
      ...(rawKey === undefined
        ? { peerKeyPath: flags['p2p.priv.path'] }
        : { peerKey: parseRawPeerKey(rawKey) }),
      gossip,
      signer,
      timestampThresholdSeconds: Math.floor(thresholdMs / 1000),
      // --p2p.netrestrict also filters what discovery offers (as op-node's discv5 NetRestrict).
      discovery: bootnodes.discovery.enabled
        ? { ...bootnodes.discovery.options, netRestrict: gossip.netRestrict ?? [] }
        : null,
      engine: await parseEngineFlags(flags, chain),
      redis: parseRedisFlags(flags, chain),
      latencyLog: parseLatencyLogFlags(flags),
      warmUp: parseBoolFlag('--p2p.warmup', flags['p2p.warmup']),
      metrics: parseBoolFlag('--metrics.enabled', flags['metrics.enabled'])
        ? {
            host: parseIpAddressFlag('--metrics.addr', flags['metrics.addr']),
            port: parseIntegerFlag('--metrics.port', flags['metrics.port'], 0, MAX_PORT),
          }
        : null,
      rpc: parseBoolFlag('--rpc.enabled', flags['rpc.enabled'])
        ? {
            host: parseIpAddressFlag('--rpc.addr', flags['rpc.addr']),
            port: parseIntegerFlag('--rpc.port', flags['rpc.port'], 0, MAX_PORT),
            healthWindowMs: parseDurationFlag('--rpc.health-window', flags['rpc.healthWindow']),
          }
        : null,
    },
  }
}

const RAW_PEER_KEY_PATTERN = /^(?:0x)?([0-9a-fA-F]{64})$/

/** `--p2p.priv.raw`: op-node's 32-byte secp256k1 key in hex. The value is never echoed. */
export function parseRawPeerKey(text: string): Uint8Array {
  const hex = RAW_PEER_KEY_PATTERN.exec(text.trim())?.[1]
  const key = hex === undefined ? null : new Uint8Array(Buffer.from(hex, 'hex'))
  if (key === null || !isValidSecp256k1PrivateKey(key)) {
    throw new UsageError(
      '--p2p.priv.raw must be a secp256k1 private key: 64 hex characters, in [1, n-1]',
      { flag: '--p2p.priv.raw' },
    )
  }
  return key
}

/** --p2p.bootnodes: multiaddrs for libp2p, everything else (enr:, enode://) for discv5. */
function parseBootnodes(
  flags: RunFlags,
  chain: ChainConfig,
  checkMultiaddr: MultiaddrCheck,
): { libp2p: string[]; discovery: ParsedDiscoveryFlags } {
  const given = flags['p2p.bootnodes']
  const entries = given === undefined ? undefined : splitListFlag(given)
  const libp2p = (entries ?? []).filter((b) => b.startsWith('/'))
  for (const b of libp2p) withFlag('--p2p.bootnodes', () => checkMultiaddr(b))
  const discoveryFlags: DiscoveryFlagValues = { ...flags }
  if (entries === undefined) delete discoveryFlags['p2p.bootnodes']
  else discoveryFlags['p2p.bootnodes'] = entries.filter((b) => !b.startsWith('/')).join(',')
  // Only bootnodes from the flag are the flag's fault; the chain's own list is data.
  const discovery = withFlag(given === undefined ? undefined : '--p2p.bootnodes', () => {
    try {
      return parseDiscoveryFlags(discoveryFlags, chain)
    } catch (err) {
      throw inOurWords(err)
    }
  })
  return { libp2p, discovery }
}

/**
 * A bootnode ENR the library could not decode, its reason in our words ("the record is cut
 * short") instead of the library's ("invalid RLP: total length is larger than the data").
 */
function inOurWords(err: unknown): unknown {
  if (!(err instanceof BootnodeError) || !(err.cause instanceof Error)) return err
  const library = err.cause.message
  if (!err.message.endsWith(library)) return err
  const words = describeEnrProblem(err.input, err.cause)
  return new UsageError(`${err.message.slice(0, -library.length)}${words}`, {
    code: err.code,
    cause: err,
  })
}

function parseGossipFlags(
  flags: RunFlags,
  staticPeers: string[],
  bootnodes: string[],
): Omit<GossipHostInit, 'chain' | 'privateKey'> {
  const peers = {
    lo: parseIntegerFlag('--p2p.peers.lo', flags['p2p.peers.lo'], 0),
    hi: parseIntegerFlag('--p2p.peers.hi', flags['p2p.peers.hi'], 1),
    graceMs: parseDurationFlag('--p2p.peers.grace', flags['p2p.peers.grace']),
  }
  if (peers.lo > peers.hi) {
    throw new UsageError(
      `--p2p.peers.lo (${peers.lo}) must not exceed --p2p.peers.hi (${peers.hi})`,
      { flag: '--p2p.peers.lo' },
    )
  }
  const ban = {
    enabled: parseBoolFlag('--p2p.ban.peers', flags['p2p.ban.peers']),
    threshold: parseNumberFlag('--p2p.ban.threshold', flags['p2p.ban.threshold']),
    durationMs: parseDurationFlag('--p2p.ban.duration', flags['p2p.ban.duration']),
  }
  if (!(ban.durationMs > 0)) {
    throw new UsageError('--p2p.ban.duration must be > 0', { flag: '--p2p.ban.duration' })
  }
  const router = {
    D: parseIntegerFlag(MESH_DEGREE_FLAGS.d, flags['p2p.gossip.mesh.d'], 1),
    Dlo: parseIntegerFlag(MESH_DEGREE_FLAGS.lo, flags['p2p.gossip.mesh.lo'], 0),
    Dhi: parseIntegerFlag(MESH_DEGREE_FLAGS.hi, flags['p2p.gossip.mesh.dhi'], 1),
    Dlazy: parseIntegerFlag('--p2p.gossip.mesh.dlazy', flags['p2p.gossip.mesh.dlazy'], 0),
    floodPublish: parseBoolFlag(
      '--p2p.gossip.mesh.floodpublish',
      flags['p2p.gossip.mesh.floodpublish'],
    ),
  }
  checkMeshOrder(router.Dlo, router.D, router.Dhi)
  return {
    listenIp: flags['p2p.listen.ip'],
    listenTcpPort: parseIntegerFlag('--p2p.listen.tcp', flags['p2p.listen.tcp'], 0, MAX_PORT),
    staticPeers,
    bootnodes,
    dht: parseBoolFlag('--p2p.dht', flags['p2p.dht']),
    peers,
    scoring: flags['p2p.scoring'] as ScoringLevel,
    ipColocation: parseBoolFlag('--p2p.scoring.ip-colocation', flags['p2p.scoring.ipColocation']),
    ban,
    router,
    inboundConnectionsPerIpPerSecond: parseIntegerFlag(
      '--p2p.inbound.rate',
      flags['p2p.inbound.rate'],
      1,
    ),
    inboundMessages: {
      perPeerPerSecond: parseIntegerFlag(
        '--p2p.inbound.messages.rate',
        flags['p2p.inbound.messages.rate'],
        0,
      ),
      burst: parseIntegerFlag(
        '--p2p.inbound.messages.burst',
        flags['p2p.inbound.messages.burst'],
        1,
      ),
    },
    ...parseConnectionFlags(flags),
  }
}

/** `--p2p.latency.log` / `--p2p.latency.region`; null without a file. */
function parseLatencyLogFlags(flags: RunFlags): NonNullable<NodeOptions['latencyLog']> | null {
  const path = flags['p2p.latency.log']?.trim()
  if (path === undefined || path === '') return null
  const region = flags['p2p.latency.region'].trim()
  if (region === '' || /[,\r\n]/.test(region)) {
    throw new UsageError(
      `--p2p.latency.region must be a non-empty name without commas, got '${region}'`,
      { flag: '--p2p.latency.region' },
    )
  }
  return { path, region }
}

/**
 * The `--l2.*` flags as Engine driver options; null when none is given (a gossip-only relay).
 * The JWT secret file is read here, so a bad one stops `run` before anything starts; its message
 * names the file and what is wrong, never its content.
 */
async function parseEngineFlags(
  flags: RunFlags,
  chain: ChainConfig,
): Promise<NonNullable<NodeOptions['engine']> | null> {
  const { loadJwtSecretFile } = await import('../../engine/jwt.ts')
  const { checkEngineDriverOptions } = await import('../../engine/engineDriver.ts')
  const given = {
    engineUrl: flags.l2,
    jwtSecretPath: flags['l2.jwtSecret'],
    followSourceUrl: flags['l2.follow.source'],
    adminRpcUrl: flags['l2.adminRpc'],
    backupUnsafeSyncRpcUrl: flags['l2.backupUnsafeSyncRpc'],
    gapFill: flags['l2.gapFill'],
  }
  if (Object.values(given).every((v) => v === undefined)) return null
  const path = given.jwtSecretPath
  const jwtSecret =
    path === undefined ? undefined : withFlag('--l2.jwt-secret', () => loadJwtSecretFile(path))
  const engine = {
    ...(given.engineUrl === undefined ? {} : { engineUrl: given.engineUrl }),
    ...(jwtSecret === undefined ? {} : { jwtSecret }),
    ...(given.followSourceUrl === undefined ? {} : { followSourceUrl: given.followSourceUrl }),
    ...(given.adminRpcUrl === undefined ? {} : { adminRpcUrl: given.adminRpcUrl }),
    ...parseGapFillFlags(flags),
  }
  checkEngineDriverOptions({ ...engine, chain })
  return engine
}

/** `--l2.backup-unsafe-sync-rpc*`, `--l2.el-sync.patience`, `--l2.gap-fill` (checked together later). */
function parseGapFillFlags(flags: RunFlags) {
  const url = flags['l2.backupUnsafeSyncRpc']
  const mode = flags['l2.gapFill'] as GapFillMode | undefined
  return {
    ...(url === undefined ? {} : { backupUnsafeSyncRpcUrl: url }),
    backupUnsafeSyncRpcTrust: parseBoolFlag(
      '--l2.backup-unsafe-sync-rpc.trustrpc',
      flags['l2.backupUnsafeSyncRpc.trustrpc'],
    ),
    elSyncPatienceMs: parseDurationFlag('--l2.el-sync.patience', flags['l2.elSync.patience']),
    ...(mode === undefined ? {} : { gapFill: mode }),
  }
}
