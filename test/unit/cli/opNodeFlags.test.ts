import { describe, expect, it } from 'vitest'
import { describeFailure } from '../../../src/cli/failure.ts'
import { resolveLogOutput, toLogfmtLine } from '../../../src/cli/logOutput.ts'
import { addRunOptions, type RunFlags } from '../../../src/cli/run/flags.ts'
import { IGNORED_OP_NODE_FLAGS } from '../../../src/cli/run/opNodeFlags.ts'
import { parseRunFlags } from '../../../src/cli/run/parse.ts'
import { parseFlags } from '../../utils/cli.ts'

const parse = async (args: string[], env: Record<string, string> = {}) =>
  parseRunFlags(
    await parseFlags<RunFlags>(addRunOptions, ['--network', 'op-sepolia', ...args], env),
  )

/** The failure main() would print for `run ARGS` with `env` (parse only). */
async function failureOf(args: string[], env: Record<string, string> = {}) {
  try {
    await parse(args, env)
  } catch (err) {
    return describeFailure(err)
  }
  throw new Error(`run ${args.join(' ')} parsed without an error`)
}

/** A valid secp256k1 key (well inside [1, n-1]). */
const RAW_KEY = '11'.repeat(32)

describe('cli / run: op-node operators’ flags and environment', () => {
  it('accepts every op-node flag that does not apply, with one warning each saying why', async () => {
    const args = IGNORED_OP_NODE_FLAGS.flatMap((def) =>
      def.flags.endsWith('[bool]')
        ? [def.flags.split(' ')[0] as string]
        : [def.flags.split(' ')[0] as string, 'x'],
    )
    const settings = await parse(args)
    expect(settings.ignoredFlags).toHaveLength(IGNORED_OP_NODE_FLAGS.length)
    for (const def of IGNORED_OP_NODE_FLAGS) {
      const flag = def.flags.split(' ')[0]
      const warnings = settings.ignoredFlags.filter((w) => w.flag === flag)
      expect(warnings).toEqual([{ flag, why: def.why }])
      expect(def.why.length).toBeGreaterThan(10)
    }
    expect((await parse([])).ignoredFlags).toEqual([])
  })

  it('an ignored flag set in op-node’s environment is warned about under its variable', async () => {
    const settings = await parse([], {
      OP_NODE_P2P_NAT: 'true',
      OP_NODE_SYNCMODE: 'execution-layer',
    })
    expect(settings.ignoredFlags.map((w) => w.flag).sort()).toEqual([
      'OP_NODE_P2P_NAT',
      'OP_NODE_SYNCMODE',
    ])
  })

  it('reads OP_NODE_* variables under op-node’s names; OP_GOSSIP_* and the command line win', async () => {
    const opNode = { OP_NODE_P2P_LISTEN_TCP_PORT: '9333', OP_NODE_P2P_PEERS_LO: '7' }
    expect((await parse([], opNode)).node.gossip).toMatchObject({
      listenTcpPort: 9333,
      peers: { lo: 7 },
    })
    const both = { ...opNode, OP_GOSSIP_P2P_LISTEN_TCP: '9444' }
    expect((await parse([], both)).node.gossip.listenTcpPort).toBe(9444)
    expect((await parse(['--p2p.listen.tcp', '9555'], both)).node.gossip.listenTcpPort).toBe(9555)
  })

  it('an op-node environment file works unchanged (network, engine, metrics, logs)', async () => {
    const settings = await parseRunFlags(
      await parseFlags<RunFlags>(addRunOptions, [], {
        OP_NODE_NETWORK: 'op-sepolia',
        OP_NODE_METRICS_ENABLED: 'true',
        OP_NODE_METRICS_PORT: '7301',
        OP_NODE_RPC_PORT: '9546',
        OP_NODE_LOG_LEVEL: 'warn',
        OP_NODE_P2P_PEER_BANNING: 'false',
      }),
    )
    expect(settings.chain.name).toBe('op-sepolia')
    expect(settings.node.metrics?.port).toBe(7301)
    expect(settings.node.rpc?.port).toBe(9546)
    expect(settings.logLevel).toBe('warn')
    expect(settings.node.gossip.ban?.enabled).toBe(false)
  })

  it('a boolean switch is set only by a true value, as op-node reads it', async () => {
    expect((await parse([], { OP_NODE_P2P_NO_DISCOVERY: 'false' })).node.discovery).not.toBeNull()
    expect((await parse([], { OP_NODE_P2P_NO_DISCOVERY: 'true' })).node.discovery).toBeNull()
  })

  it('an error caused by an environment variable names the variable, exit 2', async () => {
    const port = await failureOf([], { OP_NODE_P2P_LISTEN_TCP_PORT: 'http' })
    expect(port.status).toBe(2)
    expect(port.text).toMatch(
      /^op-gossip: OP_NODE_P2P_LISTEN_TCP_PORT: --p2p\.listen\.tcp .*'http'/,
    )
    expect(port.text.split('\n')).toHaveLength(2)
    const own = await failureOf([], { OP_GOSSIP_P2P_PEERS_LO: 'many' })
    expect(own.text).toMatch(/^op-gossip: OP_GOSSIP_P2P_PEERS_LO: --p2p\.peers\.lo /)
    const choice = await failureOf([], { OP_NODE_LOG_LEVEL: 'loud' })
    expect(choice.status).toBe(2)
    expect(choice.text).toContain("from env 'OP_NODE_LOG_LEVEL' is invalid")
    // The same value on the command line names the flag.
    const cli = await failureOf(['--p2p.listen.tcp', 'http'])
    expect(cli.text).toMatch(/^op-gossip: --p2p\.listen\.tcp /)
  })

  it('--p2p.priv.raw is the peer key (instead of --p2p.priv.path); a bad one is never echoed', async () => {
    const { node } = await parse(['--p2p.priv.raw', `0x${RAW_KEY}`])
    expect(Buffer.from(node.peerKey ?? []).toString('hex')).toBe(RAW_KEY)
    expect(node.peerKeyPath).toBeUndefined()
    const fromEnv = await parse([], { OP_NODE_P2P_PRIV_RAW: RAW_KEY })
    expect(fromEnv.node.peerKey).toEqual(node.peerKey)
    for (const bad of ['00'.repeat(32), 'ab'.repeat(31), 'zz'.repeat(32), 'ff'.repeat(32)]) {
      const failure = await failureOf(['--p2p.priv.raw', bad])
      expect(failure.status).toBe(2)
      expect(failure.text).toMatch(/^op-gossip: --p2p\.priv\.raw must be a secp256k1 private key/)
      expect(failure.text).not.toContain(bad)
    }
  })

  it('--log.level crit and --log.format logfmt | terminal work as in op-node', async () => {
    expect((await parse(['--log.level', 'crit'])).logLevel).toBe('silent')
    const terminal = await parse(['--log.format', 'terminal'])
    expect(terminal.logFormat).toBe('text')
    expect(terminal.logDestination).toBeUndefined()
    const logfmt = await parse(['--log.format', 'logfmt'])
    expect(logfmt.logFormat).toBe('json')
    expect(logfmt.logDestination).toBeDefined()
    expect(resolveLogOutput('info', 'json')).toEqual({ level: 'info', format: 'json' })
  })

  it('logfmt lines read like go-ethereum’s: t, lvl, msg, then the context', () => {
    const line = toLogfmtLine(
      JSON.stringify({
        level: 40,
        time: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
        pid: 1,
        hostname: 'h',
        msg: 'peer banned',
        peer: '16Uiu2',
        score: -120.5,
        why: 'a "quoted" reason',
        heads: { unsafe: 7 },
      }),
    )
    expect(line).toBe(
      't=2026-01-02T03:04:05.006Z lvl=warn msg="peer banned" peer=16Uiu2 score=-120.5 why="a \\"quoted\\" reason" heads="{\\"unsafe\\":7}"',
    )
    expect(toLogfmtLine('not json\n')).toBe('not json')
  })
})
