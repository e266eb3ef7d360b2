/**
 * A devnet node is the node `op-gossip run` builds: its NodeProcessConfig becomes plain
 * NodeOptions for src/node.ts's createNode (no second wiring of the host).
 */
import { describe, expect, it } from 'vitest'
import { envNameOf } from '../../../src/cli/run/flags.ts'
import { UsageError } from '../../../src/cli/usageError.ts'
import { devnetNodeOptions, WARM_UP_ENV } from '../../../src/devnet/nodeRunner.ts'
import { DEFAULT_WARM_UP } from '../../../src/gossip/warmUp.ts'
import { nodeProcessConfig, TEST_SIGNER } from '../../utils/nodeProcessConfig.ts'

const config = nodeProcessConfig()

describe('devnet / nodeRunner', () => {
  it('turns the process configuration into the NodeOptions of a gossip-only node', () => {
    const opts = devnetNodeOptions(config, null)
    expect(opts.peerKey).toEqual(new Uint8Array(64).fill(1))
    expect(opts.peerKeyPath).toBeUndefined()
    expect(opts.signer).toEqual({ configuredSigner: TEST_SIGNER })
    expect(opts.discovery).toBeNull()
    expect(opts.engine).toBeNull()
    expect(opts.metrics).toBeUndefined()
    expect(opts.rpc).toBeUndefined()
    expect(opts.gossip).toEqual({
      listenIp: '127.0.0.1',
      listenTcpPort: 0,
      bootnodes: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWboot'],
      dht: true,
      ipColocation: false,
      peers: { lo: 3, hi: 30 },
      router: { D: 8, Dlo: 6, Dhi: 12 },
      inboundConnectionsPerIpPerSecond: 10_000,
      timing: { discoveryIntervalMs: 1000 },
    })
  })

  it('hands the el-sim to the Engine API driver when the node runs one', () => {
    const withEl = { ...config, el: { jwtSecret: `0x${'02'.repeat(32)}`, upstream: null } } as const
    expect(devnetNodeOptions(withEl, 'http://127.0.0.1:8551').engine).toEqual({
      engineUrl: 'http://127.0.0.1:8551',
      jwtSecret: new Uint8Array(32).fill(2),
    })
  })

  it('takes its warm-up from the environment variable `op-gossip run --p2p.warmup` reads', () => {
    expect(WARM_UP_ENV).toBe(envNameOf('--p2p.warmup'))
    expect(devnetNodeOptions(config, null, {}).warmUp).toBe(DEFAULT_WARM_UP)
    expect(devnetNodeOptions(config, null, { [WARM_UP_ENV]: 'false' }).warmUp).toBe(false)
    expect(devnetNodeOptions(config, null, { [WARM_UP_ENV]: '1' }).warmUp).toBe(true)
    expect(() => devnetNodeOptions(config, null, { [WARM_UP_ENV]: 'maybe' })).toThrow(UsageError)
  })
})
