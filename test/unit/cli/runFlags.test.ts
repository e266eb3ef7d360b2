import { describe, expect, it } from 'vitest'
import { describeFailure } from '../../../src/cli/failure.ts'
import { addRunOptions, type RunFlags, runFlagDefs } from '../../../src/cli/run/flags.ts'
import { parseRunFlags } from '../../../src/cli/run/parse.ts'
import { UsageError } from '../../../src/cli/usageError.ts'
import { DEFAULT_BAN_DURATION_MS, DEFAULT_BAN_THRESHOLD } from '../../../src/gossip/banList.ts'
import {
  DEFAULT_PEERS_GRACE_MS,
  DEFAULT_PEERS_HI,
  DEFAULT_PEERS_LO,
} from '../../../src/gossip/connectionTrimmer.ts'
import { defaultGossipHostOptions, OP_NODE_GOSSIP_PARAMS } from '../../../src/gossip/options.ts'
import { DEFAULT_TIMESTAMP_THRESHOLD_SECONDS } from '../../../src/gossip/validator.ts'
import { DEFAULT_HEALTH_HEAD_WINDOW_MS } from '../../../src/rpc/health.ts'
import { formatDurationMs, parseDurationMs } from '../../../src/signer/duration.ts'
import { parseFlags } from '../../utils/cli.ts'

const parse = (args: string[], env: Record<string, string> = {}) =>
  parseFlags<RunFlags>(addRunOptions, ['--network', 'op-sepolia', ...args], env)

/** The failure main() would print for `run ARGS` (parse only). */
async function failureOf(args: string[], env: Record<string, string> = {}) {
  try {
    await parseRunFlags(await parse(args, env))
  } catch (err) {
    return { err, ...describeFailure(err) }
  }
  throw new Error(`run ${args.join(' ')} parsed without an error`)
}

describe('cli / run flags', () => {
  it('every default is the owning module’s value, read back unchanged', async () => {
    const { node } = await parseRunFlags(await parse([]))
    const g = node.gossip
    expect(g.peers).toEqual({
      lo: DEFAULT_PEERS_LO,
      hi: DEFAULT_PEERS_HI,
      graceMs: DEFAULT_PEERS_GRACE_MS,
    })
    expect(g.ban).toEqual({
      enabled: defaultGossipHostOptions.ban.enabled,
      threshold: DEFAULT_BAN_THRESHOLD,
      durationMs: DEFAULT_BAN_DURATION_MS,
    })
    expect(g.router).toEqual({
      D: OP_NODE_GOSSIP_PARAMS.D,
      Dlo: OP_NODE_GOSSIP_PARAMS.Dlo,
      Dhi: OP_NODE_GOSSIP_PARAMS.Dhi,
      Dlazy: OP_NODE_GOSSIP_PARAMS.Dlazy,
      floodPublish: OP_NODE_GOSSIP_PARAMS.floodPublish,
    })
    const d = defaultGossipHostOptions
    expect(g).toMatchObject({
      listenIp: d.listenIp,
      listenTcpPort: d.listenTcpPort,
      scoring: d.scoring,
      ipColocation: d.ipColocation,
      dht: d.dht,
      inboundConnectionsPerIpPerSecond: d.inboundConnectionsPerIpPerSecond,
    })
    expect(node.timestampThresholdSeconds).toBe(DEFAULT_TIMESTAMP_THRESHOLD_SECONDS)
    expect(node.rpc?.healthWindowMs).toBe(DEFAULT_HEALTH_HEAD_WINDOW_MS)
    expect(node.metrics).toBeNull()
  })

  it('shows the ban duration as op-node does (1h), derived from DEFAULT_BAN_DURATION_MS', () => {
    const ban = runFlagDefs().find((d) => d.flags.startsWith('--p2p.ban.duration '))
    expect(ban?.defaultValue).toBe('1h')
    expect(ban?.defaultValue).toBe(formatDurationMs(DEFAULT_BAN_DURATION_MS))
  })

  it.each([
    [3_600_000, '1h'],
    [600_000, '10m'],
    [30_000, '30s'],
    [5_400_000, '90m'],
    [1_500, '1500ms'],
    [0, '0'],
  ])('formatDurationMs(%d) = %s, which parses back', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text)
    expect(parseDurationMs(text)).toBe(ms)
  })

  it('cross-checks the host would make are made here, naming the flags', async () => {
    const peers = await failureOf(['--p2p.peers.lo', '40'])
    expect(peers.status).toBe(2)
    expect(peers.text).toBe('op-gossip: --p2p.peers.lo (40) must not exceed --p2p.peers.hi (30)\n')
    const ban = await failureOf(['--p2p.ban.duration', '0'])
    expect(ban.text).toBe('op-gossip: --p2p.ban.duration must be > 0\n')
    const mesh = await failureOf(['--p2p.gossip.mesh.lo', '9'])
    expect(mesh.text).toBe(
      'op-gossip: mesh degrees must satisfy --p2p.gossip.mesh.lo <= --p2p.gossip.mesh.d <= --p2p.gossip.mesh.dhi, got 9, 8, 12\n',
    )
  })

  it('errors from other modules name the flag that caused them', async () => {
    const duration = await failureOf(['--p2p.ban.duration', 'forever'])
    expect(duration.err).toBeInstanceOf(UsageError)
    expect((duration.err as UsageError).flag).toBe('--p2p.ban.duration')
    expect((duration.err as UsageError).code).toBe('BAD_DURATION')
    expect(duration.text).toMatch(/^op-gossip: --p2p\.ban\.duration: bad duration "forever"/)

    const bootnode = await failureOf(['--p2p.bootnodes', 'enode://abc@1.2.3.4:1'])
    expect(bootnode.status).toBe(2)
    expect(bootnode.text).toMatch(/^op-gossip: --p2p\.bootnodes: bad bootnode enode:\/\/abc/)

    const udp = await failureOf(['--p2p.listen.udp', '70000'])
    expect(udp.text).toMatch(/^op-gossip: --p2p\.listen\.udp must be a port number/)

    const signer = await failureOf(['--p2p.unsafe-block-signer', '0x12'])
    expect(signer.text).toMatch(/^op-gossip: --p2p\.unsafe-block-signer: unsafe block signer/)
  })

  it('a bad rollup.json names --rollup.config; chain selection errors name their flags', async () => {
    const missing = await parseFlags<RunFlags>(addRunOptions, ['--rollup.config', '/nope.json'])
    const err = await parseRunFlags(missing).catch((e: unknown) => e)
    expect(describeFailure(err)).toEqual({
      status: 2,
      text: expect.stringMatching(
        /^op-gossip: --rollup\.config: cannot read rollup config \/nope\.json/,
      ),
    })
    const none = await parseFlags<RunFlags>(addRunOptions, [])
    const noChain = describeFailure(await parseRunFlags(none).catch((e: unknown) => e))
    expect(noChain.status).toBe(2)
    expect(noChain.text).toMatch(/^op-gossip: choose a chain with --network .* or --rollup\.config/)
  })

  it('environment variables feed the same checks, and the error names the variable', async () => {
    const env = await failureOf([], { OP_GOSSIP_P2P_PEERS_LO: 'many' })
    expect(env.text).toBe(
      "op-gossip: OP_GOSSIP_P2P_PEERS_LO: --p2p.peers.lo must be a whole number in [0, 9007199254740991], got 'many'\n",
    )
    await expect(parse([], { OP_GOSSIP_P2P_SCORING: 'heavy' })).rejects.toThrow(
      /Allowed choices are light, none/,
    )
  })
})
