import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { devnetKey } from '../../../src/blocks/blockBuilder.ts'
import type { BanEntry } from '../../../src/gossip/types.ts'
import { handleJsonRpcBody, type RpcMethods } from '../../../src/rpc/jsonRpc.ts'
import { createP2pApi } from '../../../src/rpc/p2pApi.ts'
import { Connectedness, Direction } from '../../../src/rpc/p2pJson.ts'
import { nodeIdOfPeerId } from '../../../src/rpc/peerIds.ts'
import type { P2pPeerInfo, P2pStatusSource } from '../../../src/status/statusSources.ts'
import { allBlocksTopics } from '../../../src/wire/topics.ts'

const CHAIN_ID = 901
const topics = allBlocksTopics(CHAIN_ID)
const id = (label: string) => peerIdFromPrivateKey(privateKeyFromRaw(devnetKey(label))).toString()
const SELF = id('self')
const A = id('a')
const B = id('b')

function source() {
  const log: string[] = []
  const bans: BanEntry[] = [{ peerId: id('banned'), untilMs: Date.now() + 60_000, score: -500 }]
  const peers: P2pPeerInfo[] = [
    {
      peerId: A,
      direction: 'inbound',
      addresses: ['/ip4/10.0.0.1/tcp/9222'],
      score: 12.5,
      isProtected: true,
      agentVersion: 'op-node/v1.9.0',
      meshTopics: [topics[3] as string],
      latencyMs: 1.5,
      enr: 'enr:-abc',
      chainId: CHAIN_ID,
    },
    {
      peerId: B,
      direction: 'outbound',
      addresses: ['/ip4/10.0.0.2/tcp/9222'],
      score: -3,
      isProtected: false,
      agentVersion: null,
      meshTopics: [],
      topics: [topics[2] as string, topics[3] as string],
      scores: {
        total: -3,
        blocks: {
          timeInMeshSeconds: 0,
          firstMessageDeliveries: 1,
          meshMessageDeliveries: 0,
          invalidMessageDeliveries: 2,
        },
        ipColocationFactor: -1,
        behaviouralPenalty: -0.5,
      },
    },
  ]
  const s: P2pStatusSource = {
    self: () => ({
      peerId: SELF,
      addresses: [`/ip4/127.0.0.1/tcp/9222/p2p/${SELF}`],
      protocols: ['/meshsub/1.1.0'],
      agentVersion: 'op-gossip/0.1.0',
      enr: 'enr:-self',
    }),
    peers: async () => peers,
    peerCount: () => peers.length,
    knownPeerCount: () => 5,
    bans: () => bans,
    discoveryTableSize: () => 17,
    blockPeer: (p) => {
      log.push(`block ${p}`)
    },
    unblockPeer: (p) => {
      log.push(`unblock ${p}`)
      return true
    },
    connectPeer: async (addr, signal) => {
      log.push(`connect ${addr} ${signal.aborted}`)
      if (addr.includes('/tcp/1/')) throw new Error('dial refused')
    },
    disconnectPeer: async (p) => {
      log.push(`disconnect ${p}`)
    },
  }
  return { s, log, bans }
}

// biome-ignore lint/suspicious/noExplicitAny: the tests read the JSON results freely
type JsonResult = any

async function call(methods: RpcMethods, method: string, params: unknown[] = []) {
  return (await handleJsonRpcBody(
    JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    methods,
    {
      signal: new AbortController().signal,
    },
  )) as { result?: JsonResult; error?: { code: number; message: string } }
}

describe('rpc / p2pApi', () => {
  it("opp2p_self: op-node's PeerInfo for this node", async () => {
    const api = createP2pApi(source().s, { chainId: CHAIN_ID })
    const { result } = await call(api, 'opp2p_self')
    expect(result).toEqual({
      peerID: SELF,
      nodeID: nodeIdOfPeerId(SELF),
      userAgent: 'op-gossip/0.1.0',
      protocolVersion: '',
      ENR: 'enr:-self',
      addresses: [`/ip4/127.0.0.1/tcp/9222/p2p/${SELF}`],
      protocols: ['/meshsub/1.1.0'],
      connectedness: Connectedness.NotConnected,
      direction: Direction.Unknown,
      protected: false,
      chainID: CHAIN_ID,
      latency: 0,
      gossipBlocks: true,
      scores: {
        gossip: {
          total: 0,
          blocks: {
            timeInMesh: 0,
            firstMessageDeliveries: 0,
            meshMessageDeliveries: 0,
            invalidMessageDeliveries: 0,
          },
          IPColocationFactor: 0,
          behavioralPenalty: 0,
        },
        reqResp: { validResponses: 0, errorResponses: 0, rejectedPayloads: 0 },
      },
    })
  })

  it("opp2p_peers: op-node's PeerDump keyed by peer ID", async () => {
    const { s, bans } = source()
    const api = createP2pApi(s, { chainId: CHAIN_ID })
    const { result } = await call(api, 'opp2p_peers', [true])
    expect(Object.keys(result)).toEqual([
      'totalConnected',
      'peers',
      'bannedPeers',
      'bannedIPS',
      'bannedSubnets',
    ])
    expect(result.totalConnected).toBe(2)
    expect(result.bannedPeers).toEqual([bans[0]?.peerId])
    expect(result.bannedIPS).toEqual([])
    expect(result.bannedSubnets).toEqual([])
    expect(result.peers[A]).toMatchObject({
      peerID: A,
      userAgent: 'op-node/v1.9.0',
      ENR: 'enr:-abc',
      addresses: [`/ip4/10.0.0.1/tcp/9222/p2p/${A}`],
      protocols: null,
      connectedness: 1,
      direction: 1,
      protected: true,
      chainID: CHAIN_ID,
      latency: 1_500_000,
      gossipBlocks: true,
      scores: { gossip: { total: 12.5 } },
    })
    expect(result.peers[B]).toMatchObject({
      direction: 2,
      userAgent: '',
      ENR: '',
      chainID: 0,
      gossipBlocks: true,
      scores: {
        gossip: {
          total: -3,
          blocks: { firstMessageDeliveries: 1, invalidMessageDeliveries: 2 },
          IPColocationFactor: -1,
          behavioralPenalty: -0.5,
        },
      },
    })
    expect((await call(api, 'opp2p_peers', [false])).result.totalConnected).toBe(2)
    expect((await call(api, 'opp2p_peers', [])).error?.code).toBe(-32602)
    expect((await call(api, 'opp2p_peers', ['yes'])).error?.code).toBe(-32602)
  })

  it('opp2p_peerStats: counts per block topic (V1..V4), table, banned, known', async () => {
    const api = createP2pApi(source().s, { chainId: CHAIN_ID })
    expect((await call(api, 'opp2p_peerStats')).result).toEqual({
      connected: 2,
      table: 17,
      blocksTopic: 0,
      blocksTopicV2: 0,
      blocksTopicV3: 1,
      blocksTopicV4: 2,
      banned: 1,
      known: 5,
    })
  })

  it('block / unblock / list / connect / disconnect call the host, with checked params', async () => {
    const { s, log, bans } = source()
    const api = createP2pApi(s, { chainId: CHAIN_ID })
    expect(await call(api, 'opp2p_blockPeer', [A])).toEqual({ jsonrpc: '2.0', id: 1, result: null })
    expect((await call(api, 'opp2p_unblockPeer', [A])).result).toBeNull()
    expect((await call(api, 'opp2p_listBlockedPeers')).result).toEqual([bans[0]?.peerId])
    const addr = `/ip4/127.0.0.1/tcp/9333/p2p/${B}`
    expect((await call(api, 'opp2p_connectPeer', [addr])).result).toBeNull()
    expect((await call(api, 'opp2p_disconnectPeer', [B])).result).toBeNull()
    expect(log).toEqual([`block ${A}`, `unblock ${A}`, `connect ${addr} false`, `disconnect ${B}`])

    expect((await call(api, 'opp2p_blockPeer', ['nope'])).error?.code).toBe(-32602)
    expect((await call(api, 'opp2p_blockPeer', [SELF])).error?.code).toBe(-32602)
    expect((await call(api, 'opp2p_blockPeer', [])).error?.code).toBe(-32602)
    expect((await call(api, 'opp2p_unblockPeer', [42])).error?.code).toBe(-32602)
    expect((await call(api, 'opp2p_disconnectPeer', [`${B}!`])).error?.code).toBe(-32602)
    expect((await call(api, 'opp2p_connectPeer', [42])).error?.code).toBe(-32602)
    expect((await call(api, 'opp2p_connectPeer', ['/ip4/1.2.3.4/tcp/1'])).error).toEqual({
      code: -32000,
      message: 'bad peer address: expected /.../p2p/<peer id>',
    })
    expect((await call(api, 'opp2p_connectPeer', [`/ip4/127.0.0.1/tcp/1/p2p/${B}`])).error).toEqual(
      {
        code: -32000,
        message: 'dial refused',
      },
    )
    expect(log).toHaveLength(5) // only the refused dial reached the host
  })

  it('bounds connectPeer by its timeout', async () => {
    const { s } = source()
    s.connectPeer = (_addr, signal) =>
      new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new Error('dial aborted'))),
      )
    const api = createP2pApi(s, { chainId: CHAIN_ID, connectTimeoutMs: 50 })
    const { error } = await call(api, 'opp2p_connectPeer', [`/ip4/127.0.0.1/tcp/9/p2p/${B}`])
    expect(error).toEqual({ code: -32000, message: 'dial aborted' })
  })
})
