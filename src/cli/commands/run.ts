/**
 * `op-gossip run`: starts a node. Flag names are op-node's (`--p2p.*`, `--rollup.config`,
 * `--l2.*`, `--metrics.*`, `--rpc.*`, `--log.*`) so operators feel at home; every flag also reads
 * `OP_GOSSIP_<FLAG>` from the environment (dots and dashes become underscores:
 * `--p2p.listen.tcp` ↔ OP_GOSSIP_P2P_LISTEN_TCP).
 *
 * With `--l2 URL --l2.jwt-secret FILE` every valid block goes to the execution client over the
 * Engine API (and/or to an op-node with `--l2.admin-rpc`); without them the node is a gossip-only
 * relay. The status RPC (127.0.0.1:9545) is on by default, like op-node's; metrics are opt-in.
 *
 * Exit status: 0 after SIGINT / SIGTERM; 2 for a configuration problem found before the node
 * runs (bad flag, unreadable or malformed file, a port in use, the EL refusing our JWT (HTTP 401)
 * or reporting another chain id), always one line on stderr; 1 for anything else (one line).
 */
import { isIP } from 'node:net'
import { type Command, Option } from 'commander'
import { RollupConfigError } from '../../chains/rollupConfig.ts'
import { ChainSelectionError, selectChain } from '../../chains/selectChain.ts'
import type { ChainConfig } from '../../chains/types.ts'
import { BootnodeError } from '../../discovery/bootnodes.ts'
import {
  DISCOVERY_FLAG_SPECS,
  DiscoveryFlagError,
  type DiscoveryFlagValues,
  parseDiscoveryFlags,
} from '../../discovery/discoveryFlags.ts'
import { NodeKeyError } from '../../discovery/nodeKey.ts'
import { EngineError } from '../../engine/errors.ts'
import { DEFAULT_PEERSTORE_PATH, IN_MEMORY_PEERSTORE_PATH } from '../../gossip/banStore.ts'
import { GossipHostError } from '../../gossip/errors.ts'
import {
  DEFAULT_INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
  DEFAULT_LISTEN_IP,
  DEFAULT_LISTEN_TCP_PORT,
  type GossipHostInit,
  OP_NODE_GOSSIP_PARAMS,
} from '../../gossip/options.ts'
import { DEFAULT_PEER_KEY_FILE } from '../../gossip/peerIdentity.ts'
import { SCORING_LEVELS, type ScoringLevel } from '../../gossip/scoring.ts'
import { DEFAULT_TIMESTAMP_THRESHOLD_SECONDS } from '../../gossip/validator.ts'
import { DEFAULT_METRICS_ADDR, DEFAULT_METRICS_PORT } from '../../metrics/metricsServer.ts'
import type { NodeOptions, OpGossipNode } from '../../node.ts'
import { DEFAULT_HEALTH_HEAD_WINDOW_MS } from '../../rpc/health.ts'
import { DEFAULT_RPC_ADDR, DEFAULT_RPC_PORT } from '../../rpc/rpcServer.ts'
import { DurationError, parseDurationMs } from '../../signer/duration.ts'
import {
  parseSignerFlags,
  SIGNER_FLAG_SPECS,
  SignerFlagError,
  type SignerFlagValues,
} from '../../signer/signerFlags.ts'
import { SignerSourceError } from '../../signer/signerSource.ts'
import { createLogger, type LogFormat, type Logger, type LogLevel } from '../../util/logger.ts'
import { parseIntegerFlag } from '../numberFlags.ts'
import {
  readStatusSnapshot,
  type StatusLineTimer,
  shouldShowStatusLine,
  startStatusLine,
} from '../statusLine.ts'
import { UsageError } from '../usageError.ts'

/** Prefix of every environment variable `run` reads. */
export const ENV_PREFIX = 'OP_GOSSIP_'
/** A stop that takes longer than this is abandoned (exit anyway). */
export const STOP_TIMEOUT_MS = 10_000

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'silent']
const LOG_FORMATS: readonly LogFormat[] = ['text', 'json']

/** `--p2p.listen.tcp <port>` → `OP_GOSSIP_P2P_LISTEN_TCP`. */
export function envNameOf(flags: string): string {
  const long = /--([^\s,<[]+)/.exec(flags)?.[1] ?? flags
  return ENV_PREFIX + long.toUpperCase().replace(/[^A-Z0-9]/g, '_')
}

/** op-node style booleans: true/false/1/0 (a bare flag means true). */
export function parseBool(flag: string, text: string | boolean): boolean {
  if (typeof text === 'boolean') return text
  const t = text.trim().toLowerCase()
  if (t === 'true' || t === '1') return true
  if (t === 'false' || t === '0') return false
  throw new UsageError(`--${flag} must be true or false, got '${text}'`)
}

function parseNumber(flag: string, text: string): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`--${flag} must be a number, got '${text}'`)
  return n
}

function parseDuration(flag: string, text: string): number {
  try {
    return parseDurationMs(text)
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`)
  }
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

interface RunFlags extends SignerFlagValues, DiscoveryFlagValues {
  'rollup.config'?: string
  network?: string
  'p2p.listen.ip': string
  'p2p.listen.tcp': string
  'p2p.priv.path': string
  'p2p.static'?: string
  'p2p.peers.lo': string
  'p2p.peers.hi': string
  'p2p.peers.grace': string
  'p2p.scoring': string
  'p2p.scoring.ipColocation': string | boolean
  'p2p.ban.peers': string | boolean
  'p2p.ban.threshold': string
  'p2p.ban.duration': string
  'p2p.peerstore.path': string
  'p2p.dht': string | boolean
  'p2p.gossip.timestamp.threshold': string
  'p2p.gossip.mesh.d': string
  'p2p.gossip.mesh.lo': string
  'p2p.gossip.mesh.dhi': string
  'p2p.gossip.mesh.dlazy': string
  'p2p.gossip.mesh.floodpublish': string | boolean
  'p2p.inbound.rate': string
  l2?: string
  'l2.jwtSecret'?: string
  'l2.follow.source'?: string
  'l2.adminRpc'?: string
  'metrics.enabled': string | boolean
  'metrics.addr': string
  'metrics.port': string
  'rpc.enabled': string | boolean
  'rpc.addr': string
  'rpc.port': string
  'rpc.healthWindow': string
  'log.level': string
  'log.format': string
}

interface FlagDef {
  flags: string
  description: string
  defaultValue?: string
  /** Option takes an optional true/false (a bare flag means true) */
  bool?: boolean
  choices?: readonly string[]
  /** Benchmark / devnet knobs, like op-node's hidden flags */
  hidden?: boolean
  /** Heading the flag is listed under in `run --help` */
  group?: string
}

/** `run --help` headings, in the order they are listed. */
export const RUN_FLAG_GROUPS = {
  chain: 'Chain:',
  p2p: 'P2P (libp2p, gossipsub, peers):',
  discovery: 'Discovery (discv5):',
  signer: 'Unsafe-block signer:',
  engine: 'Execution client (Engine API):',
  metrics: 'Metrics:',
  rpc: 'Status RPC and health:',
  log: 'Logging:',
} as const

const CHAIN_FLAGS: readonly FlagDef[] = [
  { flags: '--rollup.config <file>', description: "chain from op-node's rollup.json" },
  {
    flags: '--network <name>',
    description: 'built-in chain (op-mainnet, base, op-sepolia, base-sepolia)',
  },
]

const P2P_FLAGS: readonly FlagDef[] = [
  {
    flags: '--p2p.listen.ip <ip>',
    description: 'IP to listen on',
    defaultValue: DEFAULT_LISTEN_IP,
  },
  {
    flags: '--p2p.listen.tcp <port>',
    description: 'TCP port to listen on (0 = any)',
    defaultValue: String(DEFAULT_LISTEN_TCP_PORT),
  },
  {
    flags: '--p2p.priv.path <file>',
    description: 'secp256k1 peer key (hex); generated with mode 0600 when missing',
    defaultValue: DEFAULT_PEER_KEY_FILE,
  },
  {
    flags: '--p2p.static <multiaddrs>',
    description: 'comma-separated peers to stay connected to: /ip4|dns4/<host>/tcp/<port>/p2p/<id>',
  },
  {
    flags: '--p2p.peers.lo <n>',
    description: 'low watermark: dial more peers below it',
    defaultValue: '20',
  },
  {
    flags: '--p2p.peers.hi <n>',
    description: 'high watermark: trim to lo above it',
    defaultValue: '30',
  },
  {
    flags: '--p2p.peers.grace <duration>',
    description: 'new connections are never trimmed for this long',
    defaultValue: '30s',
  },
  {
    flags: '--p2p.scoring <level>',
    description: 'peer scoring',
    defaultValue: 'light',
    choices: SCORING_LEVELS,
  },
  {
    flags: '--p2p.scoring.ip-colocation [bool]',
    description: 'penalise many peers on one IP (set false for devnets on one host)',
    defaultValue: 'true',
    bool: true,
  },
  {
    flags: '--p2p.ban.peers [bool]',
    description: 'ban peers whose score falls below the threshold',
    defaultValue: 'true',
    bool: true,
  },
  {
    flags: '--p2p.ban.threshold <score>',
    description: 'ban below this peer score',
    defaultValue: '-100',
  },
  {
    flags: '--p2p.ban.duration <duration>',
    description: 'how long a ban lasts',
    defaultValue: '1h',
  },
  {
    flags: '--p2p.peerstore.path <dir>',
    description:
      "Peerstore database location. Peer bans and IP / subnet blocks persist here (bans.json) across restarts. Set to 'memory' to never persist the peerstore. Expired records are dropped.",
    defaultValue: DEFAULT_PEERSTORE_PATH,
  },
  {
    flags: '--p2p.dht [bool]',
    description: 'run a libp2p Kademlia DHT for discovery (devnets; OP networks use discv5)',
    defaultValue: 'false',
    bool: true,
  },
  {
    flags: '--p2p.gossip.timestamp.threshold <duration>',
    description: 'reject blocks older than this',
    defaultValue: `${DEFAULT_TIMESTAMP_THRESHOLD_SECONDS}s`,
  },
  {
    flags: '--p2p.gossip.mesh.d <n>',
    description: 'gossipsub D',
    defaultValue: String(OP_NODE_GOSSIP_PARAMS.D),
    hidden: true,
  },
  {
    flags: '--p2p.gossip.mesh.lo <n>',
    description: 'gossipsub Dlo',
    defaultValue: String(OP_NODE_GOSSIP_PARAMS.Dlo),
    hidden: true,
  },
  {
    flags: '--p2p.gossip.mesh.dhi <n>',
    description: 'gossipsub Dhi',
    defaultValue: String(OP_NODE_GOSSIP_PARAMS.Dhi),
    hidden: true,
  },
  {
    flags: '--p2p.gossip.mesh.dlazy <n>',
    description: 'gossipsub Dlazy',
    defaultValue: String(OP_NODE_GOSSIP_PARAMS.Dlazy),
    hidden: true,
  },
  {
    flags: '--p2p.gossip.mesh.floodpublish [bool]',
    description: 'send own blocks to every peer, not just the mesh',
    defaultValue: String(OP_NODE_GOSSIP_PARAMS.floodPublish),
    bool: true,
    hidden: true,
  },
  {
    flags: '--p2p.inbound.rate <n>',
    description:
      'inbound connections accepted per second from one IP (devnets on one host raise it)',
    defaultValue: String(DEFAULT_INBOUND_CONNECTIONS_PER_IP_PER_SECOND),
    hidden: true,
  },
]

const ENGINE_FLAGS: readonly FlagDef[] = [
  {
    flags: '--l2 <url>',
    description:
      "the execution client's Engine API (its authenticated port, e.g. http://127.0.0.1:8551); without it (and --l2.admin-rpc) the node only relays",
  },
  {
    flags: '--l2.jwt-secret <file>',
    description:
      "file with the EL's 32-byte hex JWT secret (its --authrpc.jwtsecret); needed with --l2",
  },
  {
    flags: '--l2.follow.source <url>',
    description:
      'trusted op-node or EL RPC whose safe / finalized heads are forwarded to the EL (needs --l2)',
  },
  {
    flags: '--l2.admin-rpc <url>',
    description: 'op-node RPC: post every valid block to it with admin_postUnsafePayload',
  },
]

const METRICS_FLAGS: readonly FlagDef[] = [
  {
    flags: '--metrics.enabled [bool]',
    description: 'serve Prometheus metrics on http://<addr>:<port>/metrics',
    defaultValue: 'false',
    bool: true,
  },
  {
    flags: '--metrics.addr <ip>',
    description: 'metrics listen address',
    defaultValue: DEFAULT_METRICS_ADDR,
  },
  {
    flags: '--metrics.port <port>',
    description: 'metrics port (0 = any)',
    defaultValue: String(DEFAULT_METRICS_PORT),
  },
]

const RPC_FLAGS: readonly FlagDef[] = [
  {
    flags: '--rpc.enabled [bool]',
    description: 'serve the status RPC (opp2p_*, optimism_syncStatus) and GET /healthz',
    defaultValue: 'true',
    bool: true,
  },
  {
    flags: '--rpc.addr <ip>',
    description: 'status RPC listen address',
    defaultValue: DEFAULT_RPC_ADDR,
  },
  {
    flags: '--rpc.port <port>',
    description: 'status RPC port (0 = any; the bound address is logged)',
    defaultValue: String(DEFAULT_RPC_PORT),
  },
  {
    flags: '--rpc.health-window <duration>',
    description: '/healthz fails when the unsafe head has not moved for this long',
    defaultValue: `${DEFAULT_HEALTH_HEAD_WINDOW_MS / 1000}s`,
  },
]

const LOG_FLAGS: readonly FlagDef[] = [
  {
    flags: '--log.level <level>',
    description: 'log level',
    defaultValue: 'info',
    choices: LOG_LEVELS,
  },
  {
    flags: '--log.format <format>',
    description: 'log format',
    defaultValue: 'text',
    choices: LOG_FORMATS,
  },
]

/** --p2p.bootnodes takes both: libp2p multiaddrs (DHT / first peers) and discv5 enr:/enode://. */
const BOOTNODES_FLAG: FlagDef = {
  flags: '--p2p.bootnodes <list>',
  description:
    'comma-separated enr:… / enode://… (discv5; "default" = op-node\'s list; default: the chain\'s) and /ip4|dns4/…/tcp/…/p2p/<id> multiaddrs (dialled at start, DHT bootstrap)',
}

function toOption(def: FlagDef): Option {
  const option = new Option(def.flags, def.description).env(envNameOf(def.flags))
  if (def.defaultValue !== undefined) option.default(def.defaultValue)
  if (def.bool === true) option.preset('true')
  if (def.choices !== undefined) option.choices(def.choices)
  if (def.hidden === true) option.hideHelp()
  if (def.group !== undefined) option.helpGroup(def.group)
  return option
}

const inGroup = (group: string, defs: readonly FlagDef[]): FlagDef[] =>
  defs.map((def) => ({ ...def, group }))

/** Every flag of `run`, its own and those the signer and discovery modules define, in help order. */
export function runFlagDefs(): FlagDef[] {
  const discovery = DISCOVERY_FLAG_SPECS.filter((s) => !s.flags.startsWith('--p2p.bootnodes'))
  const g = RUN_FLAG_GROUPS
  return [
    ...inGroup(g.chain, CHAIN_FLAGS),
    ...inGroup(g.p2p, P2P_FLAGS),
    ...inGroup(g.discovery, [...discovery, BOOTNODES_FLAG]),
    ...inGroup(g.signer, SIGNER_FLAG_SPECS),
    ...inGroup(g.engine, ENGINE_FLAGS),
    ...inGroup(g.metrics, METRICS_FLAGS),
    ...inGroup(g.rpc, RPC_FLAGS),
    ...inGroup(g.log, LOG_FLAGS),
  ]
}

/** The host's option names in its messages, as the flags that set them. */
const OPTION_FLAGS: ReadonlyArray<[RegExp, string]> = [
  [/^peers\./, '--p2p.peers.'],
  [/^ban\./, '--p2p.ban.'],
  [/^mesh degrees/, '--p2p.gossip.mesh.lo/d/dhi'],
  [/^listenTcpPort/, '--p2p.listen.tcp'],
]

function flagMessage(err: Error): string {
  if (err instanceof EngineError) {
    // The EL answered at start, but refused us: name the flag to look at.
    if (err.code === 'ENGINE_AUTH_FAILED') return `--l2.jwt-secret: ${err.message}`
    if (err.code === 'ENGINE_WRONG_CHAIN') return `--l2: ${err.message}`
    return err.message
  }
  if (!(err instanceof GossipHostError) || err.code !== 'GOSSIP_BAD_OPTION') return err.message
  for (const [pattern, flag] of OPTION_FLAGS) {
    if (pattern.test(err.message))
      return err.message.replace(pattern, (m) => (m.endsWith('.') ? flag : `${flag}: ${m}`))
  }
  return err.message
}

/** Engine errors that are configuration problems (flags, files, the EL's own settings). */
const ENGINE_USER_ERROR_CODES: ReadonlySet<string> = new Set([
  'ENGINE_CONFIG_INVALID',
  'ENGINE_JWT_SECRET_INVALID',
  'ENGINE_AUTH_FAILED',
  'ENGINE_WRONG_CHAIN',
])

/** Errors of our own modules that mean "bad flag or file": one line, exit 2. */
function isUserError(err: unknown): err is Error {
  return (
    err instanceof UsageError ||
    err instanceof GossipHostError ||
    err instanceof RollupConfigError ||
    err instanceof ChainSelectionError ||
    err instanceof SignerFlagError ||
    err instanceof SignerSourceError ||
    err instanceof DiscoveryFlagError ||
    err instanceof BootnodeError ||
    err instanceof NodeKeyError ||
    err instanceof DurationError ||
    (err instanceof EngineError && ENGINE_USER_ERROR_CODES.has(err.code))
  )
}

export interface RunSettings {
  chain: ChainConfig
  logLevel: LogLevel
  logFormat: LogFormat
  node: NodeOptions
}

/**
 * Turns the flags into node options; every problem is a UsageError naming the flag. Async only
 * because libp2p (for multiaddr checks) is loaded on demand: other commands never pay for it.
 */
export async function parseRunFlags(flags: RunFlags): Promise<RunSettings> {
  const { parsePeerMultiaddr } = await import('../../gossip/host.ts')
  try {
    const chain = selectChain({
      ...(flags.network === undefined ? {} : { network: flags.network }),
      ...(flags['rollup.config'] === undefined ? {} : { rollupConfig: flags['rollup.config'] }),
    })
    const signer = parseSignerFlags(flags, chain)

    // --p2p.bootnodes: multiaddrs for libp2p, everything else for discv5.
    const bootnodeEntries =
      flags['p2p.bootnodes'] === undefined ? undefined : splitList(flags['p2p.bootnodes'])
    const libp2pBootnodes = (bootnodeEntries ?? []).filter((b) => b.startsWith('/'))
    const discv5Bootnodes = bootnodeEntries?.filter((b) => !b.startsWith('/'))
    for (const b of libp2pBootnodes) parsePeerMultiaddr(b)
    const discoveryFlags: DiscoveryFlagValues = { ...flags }
    if (discv5Bootnodes === undefined) delete discoveryFlags['p2p.bootnodes']
    else discoveryFlags['p2p.bootnodes'] = discv5Bootnodes.join(',')
    const discovery = parseDiscoveryFlags(discoveryFlags, chain)

    const staticPeers = splitList(flags['p2p.static'])
    for (const s of staticPeers) parsePeerMultiaddr(s)
    const gossip: Omit<GossipHostInit, 'chain' | 'privateKey'> = {
      listenIp: flags['p2p.listen.ip'],
      listenTcpPort: parseIntegerFlag('--p2p.listen.tcp', flags['p2p.listen.tcp'], 0, 65535),
      staticPeers,
      bootnodes: libp2pBootnodes,
      dht: parseBool('p2p.dht', flags['p2p.dht']),
      peers: {
        lo: parseIntegerFlag('--p2p.peers.lo', flags['p2p.peers.lo'], 0),
        hi: parseIntegerFlag('--p2p.peers.hi', flags['p2p.peers.hi'], 1),
        graceMs: parseDuration('p2p.peers.grace', flags['p2p.peers.grace']),
      },
      scoring: flags['p2p.scoring'] as ScoringLevel,
      ipColocation: parseBool('p2p.scoring.ip-colocation', flags['p2p.scoring.ipColocation']),
      ban: {
        enabled: parseBool('p2p.ban.peers', flags['p2p.ban.peers']),
        threshold: parseNumber('p2p.ban.threshold', flags['p2p.ban.threshold']),
        durationMs: parseDuration('p2p.ban.duration', flags['p2p.ban.duration']),
      },
      router: {
        D: parseIntegerFlag('--p2p.gossip.mesh.d', flags['p2p.gossip.mesh.d'], 1),
        Dlo: parseIntegerFlag('--p2p.gossip.mesh.lo', flags['p2p.gossip.mesh.lo'], 0),
        Dhi: parseIntegerFlag('--p2p.gossip.mesh.dhi', flags['p2p.gossip.mesh.dhi'], 1),
        Dlazy: parseIntegerFlag('--p2p.gossip.mesh.dlazy', flags['p2p.gossip.mesh.dlazy'], 0),
        floodPublish: parseBool(
          'p2p.gossip.mesh.floodpublish',
          flags['p2p.gossip.mesh.floodpublish'],
        ),
      },
      inboundConnectionsPerIpPerSecond: parseIntegerFlag(
        '--p2p.inbound.rate',
        flags['p2p.inbound.rate'],
        1,
      ),
    }
    const peerstorePath = flags['p2p.peerstore.path'].trim()
    if (peerstorePath === '') {
      // op-node's message for the same mistake.
      throw new UsageError(
        "--p2p.peerstore.path must be specified, use 'memory' to explicitly not persist peer records",
      )
    }
    const thresholdMs = parseDuration(
      'p2p.gossip.timestamp.threshold',
      flags['p2p.gossip.timestamp.threshold'],
    )
    return {
      chain,
      logLevel: flags['log.level'] as LogLevel,
      logFormat: flags['log.format'] as LogFormat,
      node: {
        chain,
        peerstorePath: peerstorePath === IN_MEMORY_PEERSTORE_PATH ? null : peerstorePath,
        peerKeyPath: flags['p2p.priv.path'],
        gossip,
        signer,
        timestampThresholdSeconds: Math.floor(thresholdMs / 1000),
        discovery: discovery.enabled ? discovery.options : null,
        engine: await parseEngineFlags(flags, chain),
        metrics: parseBool('metrics.enabled', flags['metrics.enabled'])
          ? {
              host: parseListenAddr('metrics.addr', flags['metrics.addr']),
              port: parseIntegerFlag('--metrics.port', flags['metrics.port'], 0, 65535),
            }
          : null,
        rpc: parseBool('rpc.enabled', flags['rpc.enabled'])
          ? {
              host: parseListenAddr('rpc.addr', flags['rpc.addr']),
              port: parseIntegerFlag('--rpc.port', flags['rpc.port'], 0, 65535),
              healthWindowMs: parseDuration('rpc.health-window', flags['rpc.healthWindow']),
            }
          : null,
      },
    }
  } catch (err) {
    if (isUserError(err) && !(err instanceof UsageError)) throw new UsageError(flagMessage(err))
    throw err
  }
}

function parseListenAddr(flag: string, text: string): string {
  if (isIP(text) === 0) throw new UsageError(`--${flag} must be an IP address, got '${text}'`)
  return text
}

/**
 * The `--l2.*` flags as Engine driver options; null when none is given (a gossip-only relay).
 * The JWT secret file is read here, so a bad one stops `run` before anything starts.
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
  }
  if (Object.values(given).every((v) => v === undefined)) return null
  let jwtSecret: Uint8Array | undefined
  if (given.jwtSecretPath !== undefined) {
    try {
      jwtSecret = loadJwtSecretFile(given.jwtSecretPath)
    } catch (err) {
      // The message names the file and what is wrong, never its content.
      if (err instanceof EngineError) throw new UsageError(`--l2.jwt-secret: ${err.message}`)
      throw err
    }
  }
  const engine = {
    ...(given.engineUrl === undefined ? {} : { engineUrl: given.engineUrl }),
    ...(jwtSecret === undefined ? {} : { jwtSecret }),
    ...(given.followSourceUrl === undefined ? {} : { followSourceUrl: given.followSourceUrl }),
    ...(given.adminRpcUrl === undefined ? {} : { adminRpcUrl: given.adminRpcUrl }),
  }
  checkEngineDriverOptions({ ...engine, chain })
  return engine
}

/** The Node.js socket error of a failed listen (a port in use, an address not on this host). */
interface ListenError extends Error {
  code?: string
  syscall?: string
  address?: string
  port?: number
}

/** A port the metrics endpoint or the status RPC could not bind, as a flag problem. */
function listenFailure(err: unknown, node: NodeOptions): string | null {
  const e = err as ListenError
  if (!(err instanceof Error) || e.syscall !== 'listen') return null
  const flag =
    node.rpc !== null && node.rpc !== undefined && e.port === node.rpc.port
      ? '--rpc.port'
      : node.metrics !== null && node.metrics !== undefined && e.port === node.metrics.port
        ? '--metrics.port'
        : '--rpc.port / --metrics.port'
  return `${flag}: cannot listen on ${e.address ?? '?'}:${e.port ?? '?'}: ${e.code ?? e.message}`
}

async function startNode(settings: RunSettings, log: Logger): Promise<OpGossipNode> {
  const { createNode } = await import('../../node.ts')
  try {
    const node = createNode(settings.node, { logger: log })
    await node.start()
    return node
  } catch (err) {
    if (isUserError(err)) throw new UsageError(flagMessage(err))
    const listen = listenFailure(err, settings.node)
    if (listen !== null) throw new UsageError(listen)
    throw err
  }
}

function startTerminalStatusLine(
  node: OpGossipNode,
  settings: RunSettings,
): StatusLineTimer | null {
  if (
    !shouldShowStatusLine({
      stdoutIsTty: process.stdout.isTTY === true,
      logFormat: settings.logFormat,
    })
  ) {
    return null
  }
  const obs = node.observability
  return startStatusLine(() =>
    readStatusSnapshot({ p2p: obs.p2p, sync: obs.sync, lastBlock: () => obs.timeline.last() }),
  )
}

async function runNode(flags: RunFlags): Promise<void> {
  const settings = await parseRunFlags(flags)
  const log = createLogger({ level: settings.logLevel, format: settings.logFormat })
  const node = await startNode(settings, log)
  const statusLine = startTerminalStatusLine(node, settings)
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  statusLine?.stop()
  log.info({ signal }, 'stopping')
  const timeout = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref(),
  )
  const outcome = await Promise.race([node.stop().then(() => 'stopped' as const), timeout])
  if (outcome === 'timeout')
    log.warn({ timeoutMs: STOP_TIMEOUT_MS }, 'stop timed out, exiting anyway')
  process.exit(0)
}

/** Printed after the flags in `run --help`. */
const EXIT_STATUS_HELP = `
Every flag can also be set through the environment variable shown (OP_GOSSIP_<FLAG>).

Exit status:
  0  stopped by SIGINT or SIGTERM
  2  configuration problem found at start: bad flag or file, a port in use,
     the EL refusing our JWT (HTTP 401) or reporting another chain id
  1  anything else
Errors are one line on stderr (set OP_GOSSIP_DEBUG=1 for a stack trace).`

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description(
      'run a node: join the chain’s block gossip, validate every block like op-node, relay the valid ones and hand them to the execution client (--l2)',
    )
  for (const def of runFlagDefs()) cmd.addOption(toOption(def))
  cmd.addHelpText('after', EXIT_STATUS_HELP)
  cmd.action(async (flags: RunFlags) => {
    await runNode(flags)
  })
}
