import type { Command } from 'commander'
import type { EnrInfo } from '../../discovery/enrInfo.ts'
import type { LocalEnrOptions } from '../../discovery/localEnr.ts'
import { DEFAULT_LISTEN_IP, DEFAULT_LISTEN_TCP_PORT } from '../../gossip/options.ts'
import { DEFAULT_PEER_KEY_FILE, loadOrCreatePeerKey } from '../../gossip/peerIdentity.ts'
import { OpGossipError } from '../../util/errors.ts'
import { selectChainFromFlags } from '../chainFlags.ts'
import { describeEnrProblem } from '../enrProblem.ts'
import { UsageError, withFlag } from '../usageError.ts'

/** The ENR and discovery code is loaded only when this command runs (keeps CLI start-up light). */
async function loadDiscovery() {
  const [enrLib, bootnodes, enrInfo, localEnr, flags] = await Promise.all([
    import('@chainsafe/enr'),
    import('../../discovery/bootnodes.ts'),
    import('../../discovery/enrInfo.ts'),
    import('../../discovery/localEnr.ts'),
    import('../../discovery/discoveryFlags.ts'),
  ])
  return { ...enrLib, ...bootnodes, ...enrInfo, ...localEnr, ...flags }
}
type DiscoveryLib = Awaited<ReturnType<typeof loadDiscovery>>

/** The UDP port when none is given: 0, OS-chosen at run time (discovery's own default). */
const DEFAULT_ENR_LISTEN_UDP_PORT = 0

interface EnrFlags {
  json?: boolean
  network?: string
  'rollup.config'?: string
  'p2p.priv.path': string
  'p2p.listen.ip': string
  'p2p.listen.tcp': string
  'p2p.listen.udp': string
  'p2p.advertise.ip'?: string
  'p2p.advertise.tcp'?: string
  'p2p.advertise.udp'?: string
}

/** uint64 values as JSON numbers when exact, else as decimal strings. */
function jsonNumber(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()
}

/** The decoded record as `op-gossip enr <ENR>` prints it. */
export function enrJson(info: EnrInfo, text: string, multiaddr: string | null) {
  return {
    chainId: info.opstack === null ? null : jsonNumber(info.opstack.chainId),
    version: info.opstack === null ? null : jsonNumber(info.opstack.version),
    ip: info.ip,
    tcp: info.tcp,
    udp: info.udp,
    ip6: info.ip6,
    tcp6: info.tcp6,
    udp6: info.udp6,
    peerId: info.peerId,
    nodeId: info.nodeId,
    seq: jsonNumber(info.seq),
    multiaddr,
    enr: text,
  }
}

function decodeArgument(lib: DiscoveryLib, text: string): EnrInfo {
  try {
    if (text.startsWith('enode://')) {
      // Host names are not resolved here: only literal IPs can be shown.
      const enode = lib.parseEnodeUrl(text)
      return lib.describeEnr(lib.compatEnrFromEnode(enode, enode.host))
    }
    return lib.describeEnr(lib.ENR.decodeTxt(text))
  } catch (err) {
    // Our own bootnode errors say what is wrong; the ENR library's are about its decoding.
    if (err instanceof OpGossipError && err.kind === 'configuration') throw err
    throw new UsageError(`not a valid ENR: ${describeEnrProblem(text, err)}`, { cause: err })
  }
}

function ownEnr(lib: DiscoveryLib, flags: EnrFlags): { text: string; info: EnrInfo } {
  const { parseIpFlag, parsePortFlag } = lib
  const chain = selectChainFromFlags(flags)
  const listenIp = parseIpFlag('p2p.listen.ip', flags['p2p.listen.ip'])
  const listenTcp = parsePortFlag('p2p.listen.tcp', flags['p2p.listen.tcp'])
  const listenUdp = parsePortFlag('p2p.listen.udp', flags['p2p.listen.udp'])
  const keyPath = flags['p2p.priv.path']
  const { privateKey, created } = withFlag('--p2p.priv.path', () => loadOrCreatePeerKey(keyPath))
  if (created)
    process.stderr.write(`op-gossip: created a new node key in ${flags['p2p.priv.path']}\n`)
  const opts: LocalEnrOptions = { privateKey, chainId: chain.chainId }
  const advertiseIp =
    flags['p2p.advertise.ip'] === undefined
      ? undefined
      : parseIpFlag('p2p.advertise.ip', flags['p2p.advertise.ip'])
  const ip = advertiseIp ?? (listenIp === '0.0.0.0' || listenIp === '::' ? undefined : listenIp)
  if (ip !== undefined) opts.ip = ip
  opts.tcp =
    flags['p2p.advertise.tcp'] === undefined
      ? listenTcp
      : parsePortFlag('p2p.advertise.tcp', flags['p2p.advertise.tcp'])
  opts.udp =
    flags['p2p.advertise.udp'] === undefined
      ? listenUdp
      : parsePortFlag('p2p.advertise.udp', flags['p2p.advertise.udp'])
  if (ip === undefined) {
    process.stderr.write(
      'op-gossip: no --p2p.advertise.ip: the record has no IP (a running node learns it from peers)\n',
    )
  }
  if (opts.udp === 0) {
    process.stderr.write(
      'op-gossip: UDP port 0 (OS-chosen at run time) is not in the record: set --p2p.listen.udp\n',
    )
  }
  const enr = lib.createLocalEnr(opts)
  const text = enr.encodeTxt()
  return { text, info: lib.describeEnr(enr) }
}

export function register(program: Command): void {
  program
    .command('enr')
    .description(
      "decode an ENR (or enode://) as JSON, or print this node's own ENR (from the key file, chain and address flags)",
    )
    .argument('[record]', 'enr:… or enode://… to decode')
    .option('--json', 'own record: print it decoded as JSON too')
    .option('--network <name>', 'built-in chain (op-mainnet, base, op-sepolia, base-sepolia)')
    .option('--rollup.config <file>', "op-node's rollup.json for any other chain")
    .option(
      '--p2p.priv.path <file>',
      'hex secp256k1 node key (created with mode 0600 if missing)',
      DEFAULT_PEER_KEY_FILE,
    )
    .option(
      '--p2p.listen.ip <ip>',
      'listen IP (put in the record when not a wildcard)',
      DEFAULT_LISTEN_IP,
    )
    .option('--p2p.listen.tcp <port>', 'libp2p TCP port', String(DEFAULT_LISTEN_TCP_PORT))
    .option('--p2p.listen.udp <port>', 'discv5 UDP port', String(DEFAULT_ENR_LISTEN_UDP_PORT))
    .option('--p2p.advertise.ip <ip>', 'IP to put in the record')
    .option('--p2p.advertise.tcp <port>', 'TCP port to put in the record')
    .option('--p2p.advertise.udp <port>', 'UDP port to put in the record')
    .action(async (record: string | undefined, flags: EnrFlags) => {
      const lib = await loadDiscovery()
      if (record !== undefined) {
        const info = decodeArgument(lib, record.trim())
        console.log(JSON.stringify(enrJson(info, record.trim(), lib.enrDialAddress(info)), null, 2))
        return
      }
      const own = ownEnr(lib, flags)
      if (flags.json === true) {
        console.log(
          JSON.stringify(enrJson(own.info, own.text, lib.enrDialAddress(own.info)), null, 2),
        )
      } else {
        console.log(own.text)
      }
    })
}
