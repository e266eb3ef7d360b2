/** A devnet follower's process configuration for unit tests of how a node is set up. */
import { createDevnetChain } from '../../src/chains/devnet.ts'
import type { NodeProcessConfig } from '../../src/devnet/ipcProtocol.ts'

/** The unsafe-block signer of the test chain. */
export const TEST_SIGNER = `0x${'ab'.repeat(20)}` as const

export function nodeProcessConfig(overrides: Partial<NodeProcessConfig> = {}): NodeProcessConfig {
  return {
    index: 2,
    role: 'follower',
    chain: createDevnetChain({ unsafeBlockSigner: TEST_SIGNER }),
    peerKey: `0x${'01'.repeat(64)}`,
    signer: TEST_SIGNER,
    listenIp: '127.0.0.1',
    listenTcpPort: 0,
    bootnodes: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWboot'],
    mesh: { d: 8, lo: 6, hi: 12 },
    peers: { lo: 3, hi: 30 },
    discoveryIntervalMs: 1000,
    statsIntervalMs: 1000,
    el: null,
    logLevel: 'warn',
    ...overrides,
  }
}
