/**
 * What an op-node operator brings along, made to work unchanged:
 * - op-node's environment variables (`OP_NODE_*`, named as op-node names them, which is not
 *   always the flag's name: `--p2p.listen.tcp` ↔ OP_NODE_P2P_LISTEN_TCP_PORT). Our own
 *   `OP_GOSSIP_*` win where both are set, and the command line wins over both;
 * - op-node flags that mean nothing to a gossip node: accepted (so an op-node command line or
 *   environment file starts), each with one warning saying why it does nothing here.
 * Names and environment variables: op-node/flags/flags.go, op-node/flags/p2p_flags.go and
 * op-service's log / metrics / rpc flags.
 */
import { type Command, Option } from 'commander'

/** Prefix of op-node's environment variables. */
export const OP_NODE_ENV_PREFIX = 'OP_NODE_'

/** Key of the flags object under which the hook records which variable set which flag. */
export const ENV_SOURCES_KEY = 'envSources'

/** Flag (long name) → the environment variable that set it, for the flags set from one. */
export type EnvSources = Readonly<Record<string, string>>

/** op-node's environment variable of each op-node flag op-gossip implements. */
export const OP_NODE_ENV_NAMES: Readonly<Record<string, string>> = {
  '--rollup.config': 'OP_NODE_ROLLUP_CONFIG',
  '--network': 'OP_NODE_NETWORK',
  '--l1': 'OP_NODE_L1_ETH_RPC',
  '--l1.runtime-config-reload-interval': 'OP_NODE_L1_RUNTIME_CONFIG_RELOAD_INTERVAL',
  '--l2': 'OP_NODE_L2_ENGINE_RPC',
  '--l2.jwt-secret': 'OP_NODE_L2_ENGINE_AUTH',
  '--l2.backup-unsafe-sync-rpc': 'OP_NODE_L2_BACKUP_UNSAFE_SYNC_RPC',
  '--l2.backup-unsafe-sync-rpc.trustrpc': 'OP_NODE_L2_BACKUP_UNSAFE_SYNC_RPC_TRUST_RPC',
  '--p2p.no-discovery': 'OP_NODE_P2P_NO_DISCOVERY',
  '--p2p.scoring': 'OP_NODE_P2P_PEER_SCORING',
  '--p2p.ban.peers': 'OP_NODE_P2P_PEER_BANNING',
  '--p2p.ban.threshold': 'OP_NODE_P2P_PEER_BANNING_THRESHOLD',
  '--p2p.ban.duration': 'OP_NODE_P2P_PEER_BANNING_DURATION',
  '--p2p.priv.path': 'OP_NODE_P2P_PRIV_PATH',
  '--p2p.priv.raw': 'OP_NODE_P2P_PRIV_RAW',
  '--p2p.listen.ip': 'OP_NODE_P2P_LISTEN_IP',
  '--p2p.listen.tcp': 'OP_NODE_P2P_LISTEN_TCP_PORT',
  '--p2p.listen.udp': 'OP_NODE_P2P_LISTEN_UDP_PORT',
  '--p2p.advertise.ip': 'OP_NODE_P2P_ADVERTISE_IP',
  '--p2p.advertise.tcp': 'OP_NODE_P2P_ADVERTISE_TCP',
  '--p2p.advertise.udp': 'OP_NODE_P2P_ADVERTISE_UDP',
  '--p2p.bootnodes': 'OP_NODE_P2P_BOOTNODES',
  '--p2p.static': 'OP_NODE_P2P_STATIC',
  '--p2p.peers.lo': 'OP_NODE_P2P_PEERS_LO',
  '--p2p.peers.hi': 'OP_NODE_P2P_PEERS_HI',
  '--p2p.peers.grace': 'OP_NODE_P2P_PEERS_GRACE',
  '--p2p.peerstore.path': 'OP_NODE_P2P_PEERSTORE_PATH',
  '--p2p.discovery.path': 'OP_NODE_P2P_DISCOVERY_PATH',
  '--p2p.timeout.negotiation': 'OP_NODE_P2P_TIMEOUT_NEGOTIATION',
  '--p2p.timeout.accept': 'OP_NODE_P2P_TIMEOUT_ACCEPT',
  '--p2p.timeout.dial': 'OP_NODE_P2P_TIMEOUT_DIAL',
  '--p2p.ping': 'OP_NODE_P2P_PING',
  '--p2p.netrestrict': 'OP_NODE_P2P_NETRESTRICT',
  '--p2p.gossip.mesh.d': 'OP_NODE_P2P_GOSSIP_MESH_D',
  '--p2p.gossip.mesh.lo': 'OP_NODE_P2P_GOSSIP_MESH_DLO',
  '--p2p.gossip.mesh.dhi': 'OP_NODE_P2P_GOSSIP_MESH_DHI',
  '--p2p.gossip.mesh.dlazy': 'OP_NODE_P2P_GOSSIP_MESH_DLAZY',
  '--p2p.gossip.mesh.floodpublish': 'OP_NODE_P2P_GOSSIP_FLOOD_PUBLISH',
  '--metrics.enabled': 'OP_NODE_METRICS_ENABLED',
  '--metrics.addr': 'OP_NODE_METRICS_ADDR',
  '--metrics.port': 'OP_NODE_METRICS_PORT',
  '--rpc.addr': 'OP_NODE_RPC_ADDR',
  '--rpc.port': 'OP_NODE_RPC_PORT',
  '--log.level': 'OP_NODE_LOG_LEVEL',
  '--log.format': 'OP_NODE_LOG_FORMAT',
}

/** An op-node flag that does nothing in op-gossip, and why (the warning's text). */
export interface IgnoredOpNodeFlag {
  flags: string
  /** op-node's environment variable for it; deprecated flags have none */
  env?: string
  why: string
}

export const IGNORED_OP_NODE_FLAGS: readonly IgnoredOpNodeFlag[] = [
  {
    flags: '--p2p.disable [bool]',
    env: 'OP_NODE_P2P_DISABLE',
    why: 'op-gossip is the P2P stack: it cannot run without it',
  },
  {
    flags: '--p2p.sequencer.key <key>',
    env: 'OP_NODE_P2P_SEQUENCER_KEY',
    why: 'op-gossip relays blocks and never signs them (only a sequencer does)',
  },
  {
    flags: '--p2p.sync.req-resp [bool]',
    env: 'OP_NODE_P2P_SYNC_REQ_RESP',
    why: 'op-gossip serves no req-resp sync; an EL behind the unsafe head syncs by itself (EL sync)',
  },
  {
    flags: '--p2p.sync.onlyreqtostatic [bool]',
    env: 'OP_NODE_P2P_SYNC_ONLYREQTOSTATIC',
    why: 'op-gossip makes no req-resp sync requests',
  },
  {
    flags: '--syncmode <mode>',
    env: 'OP_NODE_SYNCMODE',
    why: 'op-gossip derives nothing from L1: the EL always syncs by itself (execution-layer sync)',
  },
  {
    flags: '--l2.enginekind <kind>',
    env: 'OP_NODE_L2_ENGINE_KIND',
    why: 'op-gossip uses only standard Engine API calls, the same for every EL',
  },
  {
    flags: '--p2p.nat [bool]',
    env: 'OP_NODE_P2P_NAT',
    why: 'op-gossip does no NAT traversal: set --p2p.advertise.ip to the public address',
  },
  {
    flags: '--p2p.useragent <agent>',
    env: 'OP_NODE_P2P_AGENT',
    why: 'identify always carries op-gossip’s own agent version',
  },
  {
    flags: '--p2p.mux <list>',
    env: 'OP_NODE_P2P_MUX',
    why: 'libp2p 3 offers yamux only (mplex was removed), and op-gossip always uses it',
  },
  {
    flags: '--p2p.security <list>',
    env: 'OP_NODE_P2P_SECURITY',
    why: 'op-gossip always uses noise, as every OP network does',
  },
  { flags: '--p2p.scoring.peers <level>', why: 'deprecated in op-node: use --p2p.scoring' },
  { flags: '--p2p.score.bands <bands>', why: 'deprecated and ignored by op-node too' },
  { flags: '--p2p.scoring.topics <level>', why: 'deprecated in op-node: use --p2p.scoring' },
]

/** One warning for an ignored op-node flag that was given. */
export interface IgnoredFlagWarning {
  /** The flag, or the environment variable it came from */
  flag: string
  why: string
}

/** Commander's key of a long flag: `--p2p.sync.req-resp` → `p2p.sync.reqResp`. */
function attributeNameOf(flags: string): string {
  return new Option(flags).attributeName()
}

/** The ignored op-node flags that were given (on the command line or in the environment). */
export function ignoredFlagWarnings(flags: object, envSources: EnvSources): IgnoredFlagWarning[] {
  const values = flags as Readonly<Record<string, unknown>>
  const warnings: IgnoredFlagWarning[] = []
  for (const def of IGNORED_OP_NODE_FLAGS) {
    if (values[attributeNameOf(def.flags)] === undefined) continue
    const long = new Option(def.flags).long ?? def.flags
    warnings.push({ flag: envSources[long] ?? long, why: def.why })
  }
  return warnings
}

/** `true`/`1` and `false`/`0`, as op-node (urfave/cli) reads a boolean variable. */
function isTrueText(text: string): boolean {
  const t = text.trim().toLowerCase()
  return t === 'true' || t === '1'
}

/**
 * Sets each flag not given on the command line nor through its `OP_GOSSIP_*` variable from
 * op-node's variable, through commander's own handler (so choices and presets apply, and a bad
 * value is reported naming that variable). Records which variable set which flag.
 */
function applyOpNodeEnvironment(cmd: Command, env: NodeJS.ProcessEnv): void {
  const sources: Record<string, string> = {}
  for (const option of cmd.options) {
    const long = option.long
    if (long === undefined) continue
    const key = option.attributeName()
    const source = cmd.getOptionValueSource(key)
    if (source === 'env' && option.envVar !== undefined) {
      sources[long] = option.envVar
      continue
    }
    if (source !== undefined && source !== 'default') continue
    const name = OP_NODE_ENV_NAMES[long]
    const value = name === undefined ? undefined : env[name]
    if (name === undefined || value === undefined) continue
    const takesValue = option.required || option.optional
    if (!takesValue && !isTrueText(value)) continue
    const ownName = option.envVar
    // commander's message for a bad value names option.envVar: make it op-node's for the call.
    // Its handler listens on `optionEnv:<name>` (a Command is an EventEmitter; its typings only
    // declare on()).
    const writable = option as { envVar?: string | undefined }
    writable.envVar = name
    try {
      ;(cmd as unknown as NodeJS.EventEmitter).emit(
        `optionEnv:${option.name()}`,
        takesValue ? value : undefined,
      )
    } finally {
      writable.envVar = ownName
    }
    sources[long] = name
  }
  cmd.setOptionValueWithSource(ENV_SOURCES_KEY, sources, 'implied')
}

/** Adds the ignored op-node flags (hidden) and the `OP_NODE_*` fallback to `run`. */
export function addOpNodeCompatibility(cmd: Command): Command {
  for (const def of IGNORED_OP_NODE_FLAGS) {
    const option = new Option(def.flags, `ignored: ${def.why}`).hideHelp()
    if (def.env !== undefined) option.env(def.env)
    cmd.addOption(option)
  }
  return cmd.hook('preAction', (thisCommand) => applyOpNodeEnvironment(thisCommand, process.env))
}
