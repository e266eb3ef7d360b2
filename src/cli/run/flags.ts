/**
 * The flag table of `op-gossip run`. Flag names are op-node's (`--p2p.*`, `--rollup.config`,
 * `--l2.*`, `--metrics.*`, `--rpc.*`, `--log.*`) so operators feel at home; every flag also reads
 * `OP_GOSSIP_<FLAG>` from the environment (dots and dashes become underscores:
 * `--p2p.listen.tcp` ↔ OP_GOSSIP_P2P_LISTEN_TCP). Every default is read from the module that owns
 * the option, never retyped here.
 */
import { type Command, Option } from 'commander'
import { DISCOVERY_FLAG_SPECS, type DiscoveryFlagValues } from '../../discovery/discoveryFlags.ts'
import { DEFAULT_EL_SYNC_PATIENCE_MS, GAP_FILL_MODES } from '../../engine/gapFill/gapFillMode.ts'
import { DEFAULT_PEERSTORE_PATH } from '../../gossip/banStore.ts'
import { defaultGossipHostOptions } from '../../gossip/options.ts'
import { DEFAULT_PEER_KEY_FILE } from '../../gossip/peerIdentity.ts'
import { SCORING_LEVELS } from '../../gossip/scoring.ts'
import { DEFAULT_TIMESTAMP_THRESHOLD_SECONDS } from '../../gossip/validator.ts'
import { DEFAULT_WARM_UP, WARM_UP_MAX_MS } from '../../gossip/warmUp.ts'
import {
  WARM_UP_LIBRARY_MAX_MS,
  WARM_UP_LIBRARY_SETUP_MAX_MS,
} from '../../gossip/warmUpLibraries.ts'
import { DEFAULT_LATENCY_LOG_REGION } from '../../metrics/latencyLog.ts'
import { DEFAULT_METRICS_ADDR, DEFAULT_METRICS_PORT } from '../../metrics/metricsServer.ts'
import { REDIS_FLAG_SPECS, type RedisFlagValues } from '../../redis/redisFlags.ts'
import { DEFAULT_HEALTH_HEAD_WINDOW_MS } from '../../rpc/health.ts'
import { DEFAULT_RPC_ADDR, DEFAULT_RPC_PORT } from '../../rpc/rpcServer.ts'
import { formatDurationMs } from '../../signer/duration.ts'
import { SIGNER_FLAG_SPECS, type SignerFlagValues } from '../../signer/signerFlags.ts'
import {
  DEFAULT_LOG_FORMAT,
  DEFAULT_LOG_LEVEL,
  LOG_FORMATS,
  LOG_LEVELS,
} from '../../util/logger.ts'
import { OP_NODE_LOG_FORMATS, OP_NODE_LOG_LEVELS } from '../logOutput.ts'
import { CONNECTION_FLAG_SPECS, type ConnectionFlagValues } from './connectionFlags.ts'
import { addOpNodeCompatibility, type EnvSources } from './opNodeFlags.ts'

/** Prefix of every environment variable `run` reads. */
export const ENV_PREFIX = 'OP_GOSSIP_'
/** Metrics are opt-in, as op-node's `--metrics.enabled`. */
export const DEFAULT_METRICS_ENABLED = false
/** The status RPC is on by default, as op-node's RPC server. */
export const DEFAULT_RPC_ENABLED = true

/** Commander's keys for the flags of `run` (`--a.b-c` → `a.bC`). */
export interface RunFlags
  extends SignerFlagValues,
    DiscoveryFlagValues,
    RedisFlagValues,
    ConnectionFlagValues {
  'rollup.config'?: string
  network?: string
  'p2p.listen.ip': string
  'p2p.listen.tcp': string
  'p2p.priv.path': string
  'p2p.priv.raw'?: string
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
  'p2p.latency.log'?: string
  'p2p.latency.region': string
  'p2p.warmup': string | boolean
  l2?: string
  'l2.jwtSecret'?: string
  'l2.follow.source'?: string
  'l2.adminRpc'?: string
  'l2.backupUnsafeSyncRpc'?: string
  'l2.backupUnsafeSyncRpc.trustrpc': string | boolean
  'l2.elSync.patience': string
  'l2.gapFill'?: string
  'metrics.enabled': string | boolean
  'metrics.addr': string
  'metrics.port': string
  'rpc.enabled': string | boolean
  'rpc.addr': string
  'rpc.port': string
  'rpc.healthWindow': string
  'log.level': string
  'log.format': string
  /** Which environment variable set which flag (opNodeFlags.ts) */
  envSources?: EnvSources
}

export interface FlagDef {
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
  redis: 'Redis stream (optional second road for blocks, docs/redis.md):',
  metrics: 'Metrics:',
  rpc: 'Status RPC and health:',
  log: 'Logging:',
} as const

const gossip = defaultGossipHostOptions

const CHAIN_FLAGS: readonly FlagDef[] = [
  { flags: '--rollup.config <file>', description: "chain from op-node's rollup.json" },
  {
    flags: '--network <name>',
    description: 'built-in chain (op-mainnet, base, op-sepolia, base-sepolia)',
  },
]

const P2P_FLAGS: readonly FlagDef[] = [
  { flags: '--p2p.listen.ip <ip>', description: 'IP to listen on', defaultValue: gossip.listenIp },
  {
    flags: '--p2p.listen.tcp <port>',
    description: 'TCP port to listen on (0 = any)',
    defaultValue: String(gossip.listenTcpPort),
  },
  {
    flags: '--p2p.priv.path <file>',
    description: 'secp256k1 peer key (hex); generated with mode 0600 when missing',
    defaultValue: DEFAULT_PEER_KEY_FILE,
  },
  {
    flags: '--p2p.priv.raw <hex>',
    description: 'the peer key itself (32-byte hex), instead of --p2p.priv.path (as op-node)',
    hidden: true,
  },
  {
    flags: '--p2p.static <multiaddrs>',
    description: 'comma-separated peers to stay connected to: /ip4|dns4/<host>/tcp/<port>/p2p/<id>',
  },
  {
    flags: '--p2p.peers.lo <n>',
    description: 'low watermark: dial more peers below it',
    defaultValue: String(gossip.peers.lo),
  },
  {
    flags: '--p2p.peers.hi <n>',
    description: 'high watermark: trim to lo above it',
    defaultValue: String(gossip.peers.hi),
  },
  {
    flags: '--p2p.peers.grace <duration>',
    description: 'new connections are never trimmed for this long',
    defaultValue: formatDurationMs(gossip.peers.graceMs),
  },
  {
    flags: '--p2p.scoring <level>',
    description: 'peer scoring',
    defaultValue: gossip.scoring,
    choices: SCORING_LEVELS,
  },
  {
    flags: '--p2p.scoring.ip-colocation [bool]',
    description: 'penalise many peers on one IP (set false for devnets on one host)',
    defaultValue: String(gossip.ipColocation),
    bool: true,
  },
  {
    flags: '--p2p.ban.peers [bool]',
    description: 'ban peers whose score falls below the threshold',
    defaultValue: String(gossip.ban.enabled),
    bool: true,
  },
  {
    flags: '--p2p.ban.threshold <score>',
    description: 'ban below this peer score',
    defaultValue: String(gossip.ban.threshold),
  },
  {
    flags: '--p2p.ban.duration <duration>',
    description: 'how long a ban lasts',
    defaultValue: formatDurationMs(gossip.ban.durationMs),
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
    defaultValue: String(gossip.dht),
    bool: true,
  },
  {
    flags: '--p2p.gossip.timestamp.threshold <duration>',
    description: 'reject blocks older than this',
    defaultValue: formatDurationMs(DEFAULT_TIMESTAMP_THRESHOLD_SECONDS * 1000),
  },
  {
    flags: '--p2p.gossip.mesh.d <n>',
    description: 'gossipsub D',
    defaultValue: String(gossip.router.D),
    hidden: true,
  },
  {
    flags: '--p2p.gossip.mesh.lo <n>',
    description: 'gossipsub Dlo',
    defaultValue: String(gossip.router.Dlo),
    hidden: true,
  },
  {
    flags: '--p2p.gossip.mesh.dhi <n>',
    description: 'gossipsub Dhi',
    defaultValue: String(gossip.router.Dhi),
    hidden: true,
  },
  {
    flags: '--p2p.gossip.mesh.dlazy <n>',
    description: 'gossipsub Dlazy',
    defaultValue: String(gossip.router.Dlazy),
    hidden: true,
  },
  {
    flags: '--p2p.gossip.mesh.floodpublish [bool]',
    description: 'send own blocks to every peer, not just the mesh',
    defaultValue: String(gossip.router.floodPublish),
    bool: true,
    hidden: true,
  },
  // base-consensus's latency CSV (src/metrics/latencyLog.ts)
  {
    flags: '--p2p.latency.log <file>',
    description:
      "append one CSV row per first-seen valid block to this file, in base-consensus's format (arrival time, number, hash, produced time, region, peer)",
  },
  {
    flags: '--p2p.latency.region <name>',
    description: 'region stamped on every --p2p.latency.log row',
    defaultValue: DEFAULT_LATENCY_LOG_REGION,
  },
  {
    flags: '--p2p.warmup [bool]',
    description: `before joining gossip, run the block decoding and validation code through a synthetic block (up to ${WARM_UP_MAX_MS / 1000} s), then gossip such blocks between throw-away local hosts (up to ${(WARM_UP_LIBRARY_SETUP_MAX_MS + WARM_UP_LIBRARY_MAX_MS) / 1000} s), so the first real blocks are handled at full speed`,
    defaultValue: String(DEFAULT_WARM_UP),
    bool: true,
  },
]

/** --p2p.bootnodes takes both: libp2p multiaddrs (DHT / first peers) and discv5 enr:/enode://. */
const BOOTNODES_FLAG: FlagDef = {
  flags: '--p2p.bootnodes <list>',
  description:
    'comma-separated enr:… / enode://… (discv5; "default" = op-node\'s list; default: the chain\'s) and /ip4|dns4/…/tcp/…/p2p/<id> multiaddrs (dialled at start, DHT bootstrap)',
}

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
  {
    flags: '--l2.backup-unsafe-sync-rpc <url>',
    description:
      'trusted L2 RPC (op-geth / op-reth eth_*) that fills gaps the EL cannot sync (an EL without peers), and sets the sync target at start (needs --l2)',
  },
  {
    flags: '--l2.backup-unsafe-sync-rpc.trustrpc [bool]',
    description: 'skip the block-hash check of blocks from the backup RPC (as op-node did)',
    defaultValue: 'false',
    bool: true,
  },
  {
    flags: '--l2.el-sync.patience <duration>',
    description:
      'EL sync that makes no progress this long hands the gap to the backup RPC (--l2.gap-fill el-then-rpc)',
    defaultValue: formatDurationMs(DEFAULT_EL_SYNC_PATIENCE_MS),
  },
  {
    flags: '--l2.gap-fill <mode>',
    description:
      'who closes gaps: el (the EL syncs), el-then-rpc (the backup RPC after --l2.el-sync.patience), rpc (the backup RPC at once) (default: el-then-rpc with --l2.backup-unsafe-sync-rpc, else el)',
    choices: GAP_FILL_MODES,
  },
]

const METRICS_FLAGS: readonly FlagDef[] = [
  {
    flags: '--metrics.enabled [bool]',
    description: 'serve Prometheus metrics on http://<addr>:<port>/metrics',
    defaultValue: String(DEFAULT_METRICS_ENABLED),
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
    defaultValue: String(DEFAULT_RPC_ENABLED),
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
    defaultValue: formatDurationMs(DEFAULT_HEALTH_HEAD_WINDOW_MS),
  },
]

/** Ours and op-node's (`crit`; `logfmt`, `terminal`), so an op-node command line works. */
const RUN_LOG_LEVELS = [...LOG_LEVELS, ...OP_NODE_LOG_LEVELS]
const RUN_LOG_FORMATS = [...LOG_FORMATS, ...OP_NODE_LOG_FORMATS]

const LOG_FLAGS: readonly FlagDef[] = [
  {
    flags: '--log.level <level>',
    description: 'log level',
    defaultValue: DEFAULT_LOG_LEVEL,
    choices: RUN_LOG_LEVELS,
  },
  {
    flags: '--log.format <format>',
    description: 'log format',
    defaultValue: DEFAULT_LOG_FORMAT,
    choices: RUN_LOG_FORMATS,
  },
]

const inGroup = (group: string, defs: readonly FlagDef[]): FlagDef[] =>
  defs.map((def) => ({ ...def, group }))

/** Every flag of `run`, its own and those the signer and discovery modules define, in help order. */
export function runFlagDefs(): FlagDef[] {
  const discovery = DISCOVERY_FLAG_SPECS.filter((s) => !s.flags.startsWith('--p2p.bootnodes'))
  const g = RUN_FLAG_GROUPS
  return [
    ...inGroup(g.chain, CHAIN_FLAGS),
    ...inGroup(g.p2p, [...P2P_FLAGS, ...CONNECTION_FLAG_SPECS]),
    ...inGroup(g.discovery, [...discovery, BOOTNODES_FLAG]),
    ...inGroup(g.signer, SIGNER_FLAG_SPECS),
    ...inGroup(g.engine, ENGINE_FLAGS),
    ...inGroup(g.redis, REDIS_FLAG_SPECS),
    ...inGroup(g.metrics, METRICS_FLAGS),
    ...inGroup(g.rpc, RPC_FLAGS),
    ...inGroup(g.log, LOG_FLAGS),
  ]
}

/** `--p2p.listen.tcp <port>` → `OP_GOSSIP_P2P_LISTEN_TCP`. */
export function envNameOf(flags: string): string {
  const long = /--([^\s,<[]+)/.exec(flags)?.[1] ?? flags
  return ENV_PREFIX + long.toUpperCase().replace(/[^A-Z0-9]/g, '_')
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

/** Printed after the flags in `run --help`. */
const EXIT_STATUS_HELP = `
Every flag can also be set through the environment variable shown (OP_GOSSIP_<FLAG>), or
through op-node's (OP_NODE_*; ours win where both are set), so an op-node environment file
works unchanged. op-node flags that do nothing here are accepted with a warning saying why.

Exit status:
  0  stopped by SIGINT or SIGTERM
  2  configuration problem found at start: bad flag or file, a port in use,
     the EL refusing our JWT (HTTP 401) or reporting another chain id
  1  anything else
Errors are one line on stderr (set OP_GOSSIP_DEBUG=1 for a stack trace).`

/** Adds every flag of `run` (with its environment variable) and the exit-status help to `cmd`. */
export function addRunOptions(cmd: Command): Command {
  for (const def of runFlagDefs()) cmd.addOption(toOption(def))
  return addOpNodeCompatibility(cmd).addHelpText('after', EXIT_STATUS_HELP)
}
