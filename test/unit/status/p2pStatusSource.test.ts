/**
 * The adapter that turns a gossip host (and discovery) into the P2pStatusSource the status RPC
 * and the metrics read: manual blocks, protection and the discovery table.
 */
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { devnetKey } from '../../../src/blocks/blockBuilder.ts'
import { AddressBlockList } from '../../../src/gossip/addressBlockList.ts'
import type { PeerSummary } from '../../../src/gossip/types.ts'
import {
  createP2pStatusSource,
  MANUAL_BLOCK_DURATION_MS,
  type P2pHostView,
} from '../../../src/status/p2pStatusSource.ts'

const id = (label: string) => peerIdFromPrivateKey(privateKeyFromRaw(devnetKey(label))).toString()
const SELF = id('self')
const A = id('a')

describe('status / p2pStatusSource: blocks and protection', () => {
  function hostView() {
    const calls: string[] = []
    const blocks = new AddressBlockList()
    const protectedIds = new Set<string>()
    const peer: PeerSummary = {
      peerId: A,
      direction: 'inbound',
      addresses: ['/ip4/192.0.2.1/tcp/9222'],
      score: 0,
      isStatic: false,
      agentVersion: null,
      protocols: [],
      latencyMs: null,
      meshTopics: [],
    }
    const host = {
      peerId: SELF,
      listenAddresses: () => [],
      peers: () => [peer],
      peerScores: () => ({ [A]: 0 }),
      bans: () => [],
      ban: () => ({ peerId: A, untilMs: 0, score: null }),
      unban: (p: string) => {
        calls.push(`unban ${p}`)
        return true
      },
      dial: async () => A,
      routerSettings: () => {
        throw new Error('not started')
      },
      blockedAddrs: () => blocks.listAddrs(),
      blockAddr: (ip: string, durationMs: number) => {
        calls.push(`blockAddr ${ip} ${durationMs}`)
        return blocks.blockAddr(ip, Date.now() + durationMs)
      },
      unblockAddr: (ip: string) => blocks.unblockAddr(ip),
      blockedSubnets: () => blocks.listSubnets(),
      blockSubnet: (cidr: string, durationMs: number) => {
        calls.push(`blockSubnet ${cidr} ${durationMs}`)
        return blocks.blockSubnet(cidr, Date.now() + durationMs)
      },
      unblockSubnet: (cidr: string) => blocks.unblockSubnet(cidr),
      protectPeer: (p: string) => void protectedIds.add(p),
      unprotectPeer: (p: string) => protectedIds.delete(p),
      protectedPeers: () => [...protectedIds],
      disconnect: async (p: string) => void calls.push(`disconnect ${p}`),
    } satisfies P2pHostView
    return { host, calls }
  }

  it('blocks until unblocked and lists canonical addresses', async () => {
    const { host, calls } = hostView()
    const source = createP2pStatusSource(host)
    await source.blockAddr?.('192.0.2.1')
    await source.blockSubnet?.('10.0.0.0/8')
    expect(calls).toEqual([
      `blockAddr 192.0.2.1 ${MANUAL_BLOCK_DURATION_MS}`,
      `blockSubnet 10.0.0.0/8 ${MANUAL_BLOCK_DURATION_MS}`,
    ])
    expect(source.blockedAddrs?.()).toEqual(['192.0.2.1'])
    expect(source.blockedSubnets?.()).toEqual(['10.0.0.0/8'])
    expect(await source.unblockAddr?.('192.0.2.1')).toBe(true)
    expect(await source.unblockSubnet?.('10.0.0.0/8')).toBe(true)
    expect(source.blockedAddrs?.()).toEqual([])
  })

  it("reports a peer protected through opp2p_protectPeer as op-node's `protected`", async () => {
    const { host } = hostView()
    const source = createP2pStatusSource(host)
    expect((await source.peers())[0]?.isProtected).toBe(false)
    await source.protectPeer?.(A)
    expect((await source.peers())[0]?.isProtected).toBe(true)
    await source.unprotectPeer?.(A)
    expect((await source.peers())[0]?.isProtected).toBe(false)
  })

  it("disconnectPeer lifts the peer's block and hangs up, like op-node", async () => {
    const { host, calls } = hostView()
    const unbanned: string[] = []
    const source = createP2pStatusSource(host, { onManualUnban: (p) => unbanned.push(p) })
    await source.disconnectPeer(A)
    expect(calls).toEqual([`unban ${A}`, `disconnect ${A}`])
    expect(unbanned).toEqual([A])
  })

  it('lists every record of the discv5 table, or null when discovery is off', () => {
    const { host } = hostView()
    expect(createP2pStatusSource(host).discoveryTable?.()).toBeNull()
    const discovery = {
      enr: () => 'enr:-self',
      tableSize: () => 2,
      knownPeers: () => [{ multiaddr: '', peerId: A, nodeId: '00', enr: 'enr:-known', seq: 1n }],
      tableEnrs: () => ['enr:-t1', 'enr:-t2'],
    }
    expect(createP2pStatusSource(host, { discovery: () => discovery }).discoveryTable?.()).toEqual([
      'enr:-t1',
      'enr:-t2',
    ])
  })
})
