/**
 * discv5 on 127.0.0.1 (real UDP): nodes find each other through discv5 alone, only peers of the
 * same chain with opstack version 0 are handed on, the table survives a restart, enode bootnodes
 * work, and a gossip host fed by discovery forms a mesh and receives a block.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Discv5, type IDiscv5CreateOptions, multiaddrFromSocketAddress } from '@chainsafe/discv5'
import { ENR, SignableENR } from '@chainsafe/enr'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import secp256k1 from 'secp256k1'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createDiscovery,
  type DiscoveredPeer,
  type Discovery,
  type DiscoveryOptions,
} from '../../src/discovery/discovery.ts'
import { encodeOpStackEntry } from '../../src/discovery/opstackEntry.ts'
import { OpGossipError, oneLine } from '../../src/util/errors.ts'
import { startNode, stopAll, testBuilder, testChain, waitFor, waitForMesh } from '../utils/mesh.ts'

const FAST = {
  listenIp: '127.0.0.1',
  discoverIntervalFastMs: 200,
  discoverIntervalSlowMs: 1_000,
  tableKickoffDelayMs: 100,
} as const

const stops: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop()
})

interface TestNode {
  discovery: Discovery
  key: Uint8Array
  tcpPort: number
  peers: DiscoveredPeer[]
}

let nextTcpPort = 40_000
async function startDiscovery(
  chainId: number,
  extra: Partial<DiscoveryOptions> = {},
): Promise<TestNode> {
  const key =
    extra.privateKey instanceof Uint8Array ? extra.privateKey : new Uint8Array(randomBytes(32))
  // The TCP port is only advertised (no libp2p host here): any distinct number will do.
  const tcpPort = nextTcpPort++
  const discovery = createDiscovery({ chainId, privateKey: key, tcpPort, ...FAST, ...extra })
  const node: TestNode = { discovery, key, tcpPort, peers: [] }
  discovery.onPeer((p) => node.peers.push(p))
  await discovery.start()
  stops.push(() => discovery.stop())
  return node
}

/** A bare discv5 node whose opstack entry has version 1 (what a future op-node might send). */
async function startVersion1Node(chainId: number, bootnode: string): Promise<string> {
  const raw = new Uint8Array(randomBytes(32))
  const enr = SignableENR.createV4(raw)
  enr.set('opstack', encodeOpStackEntry(chainId, 1))
  enr.ip = '127.0.0.1'
  enr.tcp = nextTcpPort++
  const { createSocket } = await import('node:dgram')
  const probe = createSocket('udp4')
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()))
  const port = probe.address().port
  await new Promise<void>((r) => probe.close(() => r()))
  enr.udp = port
  const d = Discv5.create({
    enr,
    privateKey: privateKeyFromRaw(raw) as unknown as IDiscv5CreateOptions['privateKey'],
    bindAddrs: {
      ip4: multiaddrFromSocketAddress({
        ip: { type: 4, octets: Uint8Array.of(127, 0, 0, 1) },
        port,
      }),
    },
    config: { enrUpdate: false },
  })
  await d.start()
  stops.push(() => d.stop())
  d.addEnr(bootnode)
  await d.findRandomNode()
  return enr.peerId.toString()
}

function peerIdOf(node: TestNode): string {
  return ENR.decodeTxt(node.discovery.enr()).peerId.toString()
}

/** Keeps lookups going on `node` (one at a time) until `done()` or the deadline. */
async function lookUntil(
  node: TestNode,
  what: string,
  done: () => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(
    what,
    () => {
      if (done()) return true
      void node.discovery.lookup()
      return false
    },
    timeoutMs,
    50,
  )
}

describe('e2e / discv5', () => {
  it('finds same-chain peers through a bootnode and drops other chains and version != 0', async () => {
    const hub = await startDiscovery(10)
    const a = await startDiscovery(10, { bootnodes: [hub.discovery.enr()] })
    const c = await startDiscovery(10, { bootnodes: [hub.discovery.enr()] })
    const otherChain = await startDiscovery(8453, { bootnodes: [hub.discovery.enr()] })
    const v1 = await startVersion1Node(10, hub.discovery.enr())

    // c and the others only know the hub; a must learn c (and see the rest) through discv5.
    await lookUntil(a, 'a to see every other node in its table', () => a.discovery.tableSize() >= 4)
    await waitFor('a to offer c', () => a.peers.some((p) => p.peerId === peerIdOf(c)), 10_000)
    // opp2p_discoveryTable lists the whole table, other chains' records included, as ENR text.
    const table = a.discovery.tableEnrs()
    expect(table.length).toBe(a.discovery.tableSize())
    expect(table.every((e) => e.startsWith('enr:'))).toBe(true)
    expect(table).toContain(otherChain.discovery.enr())

    const offered = new Set(a.peers.map((p) => p.peerId))
    expect(offered).toEqual(new Set([peerIdOf(hub), peerIdOf(c)]))
    expect(offered.has(peerIdOf(otherChain))).toBe(false)
    expect(offered.has(v1)).toBe(false)
    expect(a.discovery.stats().filtered).toBeGreaterThanOrEqual(2)
    const toC = a.peers.find((p) => p.peerId === peerIdOf(c))!
    expect(toC.multiaddr).toBe(`/ip4/127.0.0.1/tcp/${c.tcpPort}/p2p/${peerIdOf(c)}`)
    // The other chain's node sees the chain-10 nodes but offers none of them.
    await lookUntil(
      otherChain,
      'the 8453 node to fill its table',
      () => otherChain.discovery.tableSize() >= 3,
    )
    expect(otherChain.peers).toEqual([])
  })

  it('--p2p.netrestrict: records outside the networks are kept in the table but never offered', async () => {
    const hub = await startDiscovery(10)
    const restricted = await startDiscovery(10, {
      bootnodes: [hub.discovery.enr()],
      netRestrict: ['10.0.0.0/8'],
    })
    const allowed = await startDiscovery(10, {
      bootnodes: [hub.discovery.enr()],
      netRestrict: ['10.0.0.0/8', '127.0.0.0/8'],
    })
    await waitFor('the allowed node to offer the hub', () => allowed.peers.length > 0, 10_000)
    expect(allowed.peers.map((p) => p.peerId)).toContain(peerIdOf(hub))
    await lookUntil(restricted, 'the restricted node to see both', () => {
      return restricted.discovery.tableSize() >= 2
    })
    expect(restricted.peers).toEqual([])
  })

  it('advertises an OS-chosen UDP port and the --p2p.advertise.* values', async () => {
    const hub = await startDiscovery(10)
    const own = ENR.decodeTxt(hub.discovery.enr())
    expect(own.udp).toBe(hub.discovery.udpPort())
    expect(own.udp).toBeGreaterThan(0)
    expect(own.ip).toBe('127.0.0.1')

    const advertised = await startDiscovery(10, {
      advertiseIp: '127.0.0.1',
      advertiseTcpPort: 12_345,
      bootnodes: [hub.discovery.enr()],
    })
    expect(ENR.decodeTxt(advertised.discovery.enr()).tcp).toBe(12_345)
    await lookUntil(hub, 'the hub to offer the advertising node', () =>
      hub.peers.some((p) => p.peerId === peerIdOf(advertised)),
    )
    expect(hub.peers.find((p) => p.peerId === peerIdOf(advertised))!.multiaddr).toContain(
      '/tcp/12345/',
    )
  })

  it('a UDP port in use fails the start at once with a configuration error naming the flag', async () => {
    const hub = await startDiscovery(10)
    const clash = createDiscovery({
      chainId: 10,
      privateKey: new Uint8Array(randomBytes(32)),
      tcpPort: nextTcpPort++,
      ...FAST,
      listenUdpPort: hub.discovery.udpPort(),
    })
    const err = await clash.start().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpGossipError)
    expect(err).toMatchObject({
      code: 'DISCOVERY_UDP_PORT_UNAVAILABLE',
      kind: 'configuration',
      flag: '--p2p.listen.udp',
    })
    expect(oneLine(err)).toMatch(
      /^--p2p\.listen\.udp: cannot listen on udp 127\.0\.0\.1:\d+ \(port in use\)$/,
    )
  })

  it('accepts an enode:// bootnode (unsigned form) and learns its real record', async () => {
    const hub = await startDiscovery(10)
    const c = await startDiscovery(10, { bootnodes: [hub.discovery.enr()] })
    const hubEnr = ENR.decodeTxt(hub.discovery.enr())
    const pub = Buffer.from(
      secp256k1.publicKeyConvert(hubEnr.publicKey, false).subarray(1),
    ).toString('hex')
    const enode = `enode://${pub}@127.0.0.1:${hubEnr.tcp}?discport=${hubEnr.udp}`
    const a = await startDiscovery(10, { bootnodes: [enode] })
    await lookUntil(a, 'a to find c through the enode bootnode', () =>
      a.peers.some((p) => p.peerId === peerIdOf(c)),
    )
    // The hub itself is offered once its signed record replaced the enode's unsigned one.
    await lookUntil(a, 'a to learn the hub record', () =>
      a.peers.some((p) => p.peerId === peerIdOf(hub)),
    )
  })

  it('saves the table and starts warm from it after a restart (no bootnodes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dv5-table-'))
    const tablePath = join(dir, 'table.json')
    const hub = await startDiscovery(10)
    const c = await startDiscovery(10, { bootnodes: [hub.discovery.enr()] })
    const key = new Uint8Array(randomBytes(32))
    const a = await startDiscovery(10, {
      privateKey: key,
      bootnodes: [hub.discovery.enr()],
      tablePath,
    })
    await lookUntil(a, 'a to find c', () => a.peers.some((p) => p.peerId === peerIdOf(c)))
    await a.discovery.stop()
    expect(existsSync(tablePath)).toBe(true)
    const saved = JSON.parse(readFileSync(tablePath, 'utf8')).enrs as string[]
    expect(saved.map((e) => ENR.decodeTxt(e).peerId.toString())).toContain(peerIdOf(c))

    const again = await startDiscovery(10, { privateKey: key, tablePath })
    // Offered from the saved table by the kickoff, before any lookup could have found it.
    await waitFor(
      'the restarted node to offer c',
      () => again.peers.some((p) => p.peerId === peerIdOf(c)),
      5_000,
    )
  })

  it('feeds a gossip host: discovery-only peering forms a mesh that carries a block', async () => {
    const chain = testChain()
    const nodes = [await startNode({ chain }), await startNode({ chain })]
    stops.push(() => stopAll(nodes))
    const [n1, n2] = nodes as [(typeof nodes)[0], (typeof nodes)[0]]
    const tcpOf = (address: string) => Number(/\/tcp\/(\d+)\//.exec(address)![1])
    const d1 = createDiscovery({
      chainId: chain.chainId,
      privateKey: n1.host.options.privateKey,
      tcpPort: tcpOf(n1.address),
      ...FAST,
    })
    await d1.start()
    stops.push(() => d1.stop())
    const d2 = createDiscovery(
      {
        chainId: chain.chainId,
        privateKey: n2.host.options.privateKey,
        tcpPort: tcpOf(n2.address),
        bootnodes: [d1.enr()],
        ...FAST,
      },
      { connectedPeerCount: () => 0 },
    )
    d2.onPeer((p) => void n2.host.addPeers([p.multiaddr]))
    await d2.start()
    stops.push(() => d2.stop())
    // Same key for libp2p and discv5: the offered peer is host 1 itself.
    expect(ENR.decodeTxt(d1.enr()).peerId.toString()).toBe(n1.host.peerId)

    const topic = n1.host.topics[3]!
    await waitForMesh(nodes, topic, 1)
    const block = testBuilder(chain).next()
    await n1.host.publish({ timestamp: block.timestamp, data: block.data })
    await waitFor('host 2 to receive the block', () => n2.received.length === 1)
    expect(
      Buffer.from(n2.received[0]!.envelope.payload.blockHash).equals(Buffer.from(block.blockHash)),
    ).toBe(true)
  })
})
