/**
 * Helpers to run real gossip hosts (real libp2p over real TCP on 127.0.0.1) in e2e tests:
 * start N nodes with fast test timings, wire them in a topology, wait for conditions, stop all.
 */

import { createBlockBuilder, devnetKey } from '../../src/blocks/blockBuilder.ts'
import { createDevnetChain } from '../../src/chains/devnet.ts'
import type { ChainConfig } from '../../src/chains/types.ts'
import {
  createGossipHost,
  type GossipHost,
  type GossipHostModules,
  type HostValidator,
} from '../../src/gossip/host.ts'
import type { GossipHostInit } from '../../src/gossip/options.ts'
import { generatePeerKey } from '../../src/gossip/peerIdentity.ts'
import type { AcceptedBlock, BanEntry, VerdictEvent } from '../../src/gossip/types.ts'
import { createBlockValidator } from '../../src/gossip/validator.ts'
import { addressFromPrivateKey } from '../../src/wire/signing.ts'

/** The test sequencer's key and the chain that trusts it. */
export const SEQUENCER_KEY = devnetKey('op-gossip e2e sequencer')
export const SEQUENCER_ADDRESS = addressFromPrivateKey(SEQUENCER_KEY)

export function testChain(overrides: Parameters<typeof createDevnetChain>[0] = {}): ChainConfig {
  return createDevnetChain({
    unsafeBlockSigner: `0x${Buffer.from(SEQUENCER_ADDRESS).toString('hex')}`,
    ...overrides,
  })
}

export function testBuilder(chain: ChainConfig, seed = 1) {
  return createBlockBuilder({ chain, privateKey: SEQUENCER_KEY, seed, txCount: 2 })
}

/**
 * Host options for tests: loopback, any port, the IP-colocation penalty off (every node is
 * 127.0.0.1, as the devnet flag does), no per-IP inbound rate limit, and short timers.
 */
export function testHostInit(
  chain: ChainConfig,
  overrides: Partial<GossipHostInit> = {},
): GossipHostInit {
  return {
    chain,
    privateKey: generatePeerKey(),
    listenIp: '127.0.0.1',
    listenTcpPort: 0,
    ipColocation: false,
    inboundConnectionsPerIpPerSecond: 1000,
    ...overrides,
    timing: {
      peerMonitorIntervalMs: 100,
      staticRedialMinMs: 100,
      staticRedialMaxMs: 500,
      discoveryIntervalMs: 1000,
      discoveryIdleIntervalMs: 1000,
      discoveryDialFailureBackoffMs: 1000,
      trimSilencePeriodMs: 200,
      ...overrides.timing,
    },
  }
}

export interface MeshNode {
  host: GossipHost
  /** Blocks handed to this node's consumer, in order */
  received: AcceptedBlock[]
  verdicts: VerdictEvent[]
  bans: BanEntry[]
  /** Peer IDs of every peer:connect event, in order */
  connects: string[]
  /** First listen address (with /p2p/) */
  address: string
}

export interface StartNodeOptions {
  chain: ChainConfig
  init?: Partial<GossipHostInit>
  /** @default the real wire validator trusting SEQUENCER_ADDRESS */
  validator?: HostValidator
  logger?: GossipHostModules['logger']
}

export function realValidator(chain: ChainConfig): HostValidator {
  return createBlockValidator({ chain, signer: () => SEQUENCER_ADDRESS })
}

export async function startNode(opts: StartNodeOptions): Promise<MeshNode> {
  const host = createGossipHost(testHostInit(opts.chain, opts.init), {
    validator: opts.validator ?? realValidator(opts.chain),
    ...(opts.logger === undefined ? {} : { logger: opts.logger }),
  })
  const node: MeshNode = { host, received: [], verdicts: [], bans: [], connects: [], address: '' }
  host.addConsumer({ onBlock: (b) => void node.received.push(b) })
  host.events.on('verdict', (v) => node.verdicts.push(v))
  host.events.on('peer:ban', (b) => node.bans.push(b))
  host.events.on('peer:connect', (c) => node.connects.push(c.peerId))
  await host.start()
  node.address = host.listenAddresses()[0] as string
  return node
}

export async function startNodes(count: number, opts: StartNodeOptions): Promise<MeshNode[]> {
  return Promise.all(Array.from({ length: count }, () => startNode(opts)))
}

export async function connect(a: MeshNode, b: MeshNode): Promise<void> {
  await a.host.dial(b.address)
}

/** Ring where node i dials nodes i+1 .. i+`reach` (mod n): degree 2*reach, diameter ~n/(2*reach). */
export async function connectRing(nodes: MeshNode[], reach: number): Promise<void> {
  const dials: Promise<void>[] = []
  for (let i = 0; i < nodes.length; i++) {
    for (let k = 1; k <= reach; k++) {
      dials.push(connect(nodes[i] as MeshNode, nodes[(i + k) % nodes.length] as MeshNode))
    }
  }
  await Promise.all(dials)
}

export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Waits until every node has at least `min` mesh peers on `topic`. */
export async function waitForMesh(nodes: MeshNode[], topic: string, min: number): Promise<void> {
  await waitFor(`a mesh of >= ${min} on every node`, () =>
    nodes.every((n) => (n.host.meshPeers()[topic]?.length ?? 0) >= min),
  )
}

export async function stopAll(nodes: readonly MeshNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.host.stop()))
}

/** Verdicts on a node for one message ID. */
export function verdictsFor(node: MeshNode, messageId: string): VerdictEvent[] {
  return node.verdicts.filter((v) => v.messageId === messageId)
}
