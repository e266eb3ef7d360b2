import { describe, expect, it } from 'vitest'
import { describeFailure } from '../../../src/cli/failure.ts'
import { MIN_CONNECTION_TIMEOUT_MS } from '../../../src/cli/run/connectionFlags.ts'
import { addRunOptions, type RunFlags } from '../../../src/cli/run/flags.ts'
import { parseRunFlags } from '../../../src/cli/run/parse.ts'
import { UsageError } from '../../../src/cli/usageError.ts'
import {
  DEFAULT_ACCEPT_TIMEOUT_MS,
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_NEGOTIATION_TIMEOUT_MS,
} from '../../../src/gossip/options.ts'
import { parseFlags } from '../../utils/cli.ts'

const parse = async (args: string[], env: Record<string, string> = {}) =>
  parseRunFlags(
    await parseFlags<RunFlags>(addRunOptions, ['--network', 'op-sepolia', ...args], env),
  )

async function failureOf(args: string[], env: Record<string, string> = {}) {
  try {
    await parse(args, env)
  } catch (err) {
    return { err, ...describeFailure(err) }
  }
  throw new Error(`run ${args.join(' ')} parsed without an error`)
}

describe('cli / run: --p2p.timeout.*, --p2p.ping, --p2p.netrestrict (op-node)', () => {
  it('defaults are op-node’s: 10 s timeouts, ping on, no network restriction', async () => {
    const { node } = await parse([])
    expect(DEFAULT_DIAL_TIMEOUT_MS).toBe(10_000)
    expect(DEFAULT_ACCEPT_TIMEOUT_MS).toBe(10_000)
    expect(DEFAULT_NEGOTIATION_TIMEOUT_MS).toBe(10_000)
    expect(node.gossip.timeouts).toEqual({
      dialMs: DEFAULT_DIAL_TIMEOUT_MS,
      acceptMs: DEFAULT_ACCEPT_TIMEOUT_MS,
      negotiationMs: DEFAULT_NEGOTIATION_TIMEOUT_MS,
    })
    expect(node.gossip.ping).toBe(true)
    expect(node.gossip.netRestrict).toEqual([])
    expect(node.discovery?.netRestrict).toEqual([])
  })

  it('reads the flags as op-node does (Go durations, booleans, a CIDR list)', async () => {
    const { node } = await parse([
      '--p2p.timeout.negotiation',
      '2s',
      '--p2p.timeout.accept',
      '1500ms',
      '--p2p.timeout.dial',
      '1m',
      '--p2p.ping=false',
      '--p2p.netrestrict',
      '10.0.0.0/8, 2001:db8::/32',
    ])
    expect(node.gossip.timeouts).toEqual({ negotiationMs: 2000, acceptMs: 1500, dialMs: 60_000 })
    expect(node.gossip.ping).toBe(false)
    expect(node.gossip.netRestrict).toEqual(['10.0.0.0/8', '2001:db8::/32'])
    // Discovery ignores records outside the same networks.
    expect(node.discovery?.netRestrict).toEqual(['10.0.0.0/8', '2001:db8::/32'])
    expect((await parse(['--p2p.ping'])).node.gossip.ping).toBe(true)
  })

  it('reads op-node’s OP_NODE_P2P_* variables for them; the command line wins', async () => {
    const { node } = await parse([], {
      OP_NODE_P2P_TIMEOUT_NEGOTIATION: '3s',
      OP_NODE_P2P_TIMEOUT_ACCEPT: '4s',
      OP_NODE_P2P_TIMEOUT_DIAL: '5s',
      OP_NODE_P2P_PING: 'false',
      OP_NODE_P2P_NETRESTRICT: '192.168.0.0/16',
    })
    expect(node.gossip.timeouts).toEqual({ negotiationMs: 3000, acceptMs: 4000, dialMs: 5000 })
    expect(node.gossip.ping).toBe(false)
    expect(node.gossip.netRestrict).toEqual(['192.168.0.0/16'])
    const cli = await parse(['--p2p.timeout.dial', '7s'], { OP_NODE_P2P_TIMEOUT_DIAL: '5s' })
    expect(cli.node.gossip.timeouts?.dialMs).toBe(7000)
  })

  it('a timeout at the minimum is accepted, below it is an error naming the flag', async () => {
    const atMin = await parse(['--p2p.timeout.accept', `${MIN_CONNECTION_TIMEOUT_MS}ms`])
    expect(atMin.node.gossip.timeouts?.acceptMs).toBe(MIN_CONNECTION_TIMEOUT_MS)
    const zero = await failureOf(['--p2p.timeout.dial', '0'])
    expect(zero.status).toBe(2)
    expect((zero.err as UsageError).flag).toBe('--p2p.timeout.dial')
    expect(zero.text).toBe(
      `op-gossip: --p2p.timeout.dial must be at least ${MIN_CONNECTION_TIMEOUT_MS}ms, got '0'\n`,
    )
    const bad = await failureOf(['--p2p.timeout.negotiation', 'soon'])
    expect(bad.text).toMatch(/^op-gossip: --p2p\.timeout\.negotiation: bad duration "soon"/)
    const ping = await failureOf(['--p2p.ping=maybe'])
    expect(ping.text).toBe("op-gossip: --p2p.ping must be true or false, got 'maybe'\n")
  })

  it('a bad --p2p.netrestrict entry is a configuration error naming the flag', async () => {
    for (const entry of ['10.0.0.0', '10.0.0.0/33', 'example.com/8', '10.0.0.0/8x']) {
      const failure = await failureOf(['--p2p.netrestrict', `192.168.0.0/16,${entry}`])
      expect(failure.status).toBe(2)
      expect(failure.err).toBeInstanceOf(UsageError)
      expect((failure.err as UsageError).flag).toBe('--p2p.netrestrict')
      expect(failure.text).toBe(
        `op-gossip: --p2p.netrestrict entries must be CIDR networks such as 10.0.0.0/8, got '${entry}'\n`,
      )
    }
    const fromEnv = await failureOf([], { OP_NODE_P2P_NETRESTRICT: 'nonsense' })
    expect(fromEnv.text).toMatch(/^op-gossip: OP_NODE_P2P_NETRESTRICT: --p2p\.netrestrict /)
  })
})
