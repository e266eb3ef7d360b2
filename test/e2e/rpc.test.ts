/**
 * The status RPC and /healthz of a running node: three real gossip hosts over TCP on 127.0.0.1,
 * node B wired like node.ts (Engine driver on an el-sim, observability) with its JWT secret and
 * p2p key loaded from files; A publishes blocks as the sequencer. Every log line of the run is
 * captured to check that no secret reaches it.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlockBuilder, createBlockBuilder } from '../../src/blocks/blockBuilder.ts'
import { loadJwtSecretFile } from '../../src/engine/jwt.ts'
import { loadOrCreatePeerKey } from '../../src/gossip/peerIdentity.ts'
import { bytesToHex } from '../../src/metrics/blockTimeline.ts'
import { l1InfoOriginOf } from '../../src/rpc/l1InfoOrigin.ts'
import { nodeIdOfPeerId } from '../../src/rpc/peerIds.ts'
import { MAX_RPC_REQUEST_BODY_SIZE_BYTES } from '../../src/rpc/rpcServer.ts'
import { AGENT_VERSION } from '../../src/version.ts'
import { captureLogs } from '../unit/metrics/logCapture.ts'
import {
  freshGenesis,
  type ObservedNode,
  rpcCall,
  startObservedNode,
} from '../unit/metrics/observedNode.ts'
import { metricValue, parseMetrics } from '../unit/metrics/promText.ts'
import {
  type MeshNode,
  SEQUENCER_KEY,
  sleep,
  startNode,
  stopAll,
  testChain,
  waitFor,
} from '../utils/mesh.ts'

const chain = testChain({ blockTime: 1, genesis: freshGenesis(20) })
const HEALTH_WINDOW_MS = 1500
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

// biome-ignore lint/suspicious/noExplicitAny: the tests read JSON results freely
type Json = any

describe('e2e / rpc', () => {
  const logs = captureLogs('json', 'trace')
  const dir = mkdtempSync(join(tmpdir(), 'op-gossip-rpc-'))
  let jwtSecret: Uint8Array
  let p2pKey: Uint8Array
  let a: MeshNode
  let c: MeshNode
  let b: ObservedNode
  let url: string
  let builder: BlockBuilder
  const published: Array<{ number: number; hash: string; firstTx: Uint8Array }> = []

  async function publish(): Promise<void> {
    const block = builder.next()
    await a.host.publish(block)
    published.push({
      number: Number(block.blockNumber),
      hash: bytesToHex(block.blockHash),
      firstTx: block.envelope.payload.transactions[0] as Uint8Array,
    })
    await waitFor(
      `block ${block.blockNumber} on the EL`,
      () => b.engine.status().confirmed?.number === Number(block.blockNumber),
    )
  }

  const call = async (
    method: string,
    params: unknown[] = [],
  ): Promise<{ result?: Json; error?: Json }> => rpcCall(url, method, params)

  beforeAll(async () => {
    const jwtPath = join(dir, 'jwt.hex')
    writeFileSync(jwtPath, `0x${hex(randomBytes(32))}\n`)
    jwtSecret = loadJwtSecretFile(jwtPath)
    p2pKey = loadOrCreatePeerKey(join(dir, 'opnode_p2p_priv.txt')).privateKey
    a = await startNode({ chain, logger: logs.log })
    c = await startNode({ chain, logger: logs.log })
    b = await startObservedNode({
      chain,
      log: logs.log,
      jwtSecret,
      privateKey: p2pKey,
      rpc: { host: '127.0.0.1', port: 0, healthWindowMs: HEALTH_WINDOW_MS },
    })
    url = b.rpcUrl as string
    await a.host.dial(b.address)
    await b.host.dial(c.address)
    await a.host.dial(c.address)
    const topic = b.host.topics[3] as string
    await waitFor('B in a mesh with A and C', () => (b.host.meshPeers()[topic]?.length ?? 0) === 2)
    builder = createBlockBuilder({
      chain,
      privateKey: SEQUENCER_KEY,
      seed: 31,
      txCount: 2,
      startTimestamp: BigInt((chain.genesis?.l2Time ?? 0) + 1),
    })
    await publish()
    await publish()
  })
  afterAll(async () => {
    await b?.stop()
    await stopAll([a, c].filter(Boolean))
    rmSync(dir, { recursive: true, force: true })
  })

  it('opp2p_self describes this node', async () => {
    const { result } = await call('opp2p_self')
    expect(result.peerID).toBe(b.host.peerId)
    expect(result.nodeID).toBe(nodeIdOfPeerId(b.host.peerId))
    expect(result.userAgent).toBe(AGENT_VERSION)
    expect(result.addresses).toEqual(b.host.listenAddresses())
    expect(result.protocols).toContain('/meshsub/1.1.0')
    expect(result).toMatchObject({
      connectedness: 0,
      direction: 0,
      gossipBlocks: true,
      latency: 0,
      chainID: chain.chainId,
    })
  })

  it("opp2p_peers lists the connected peers in op-node's PeerDump shape", async () => {
    // identify fills the agent version shortly after connecting
    await waitFor('agent versions', async () => {
      const { result } = await call('opp2p_peers', [true])
      return Object.values(result.peers as Record<string, Json>).every(
        (p) => p.userAgent === AGENT_VERSION,
      )
    })
    const { result } = await call('opp2p_peers', [true])
    expect(result.totalConnected).toBe(2)
    expect(Object.keys(result.peers).sort()).toEqual([a.host.peerId, c.host.peerId].sort())
    const pa = result.peers[a.host.peerId]
    const pc = result.peers[c.host.peerId]
    expect(pa).toMatchObject({
      peerID: a.host.peerId,
      connectedness: 1,
      direction: 1,
      gossipBlocks: true,
      protected: false,
    })
    expect(pc).toMatchObject({ peerID: c.host.peerId, direction: 2, gossipBlocks: true })
    expect(pa.nodeID).toBe(nodeIdOfPeerId(a.host.peerId))
    expect(pa.addresses[0]).toMatch(
      new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${a.host.peerId}$`),
    )
    expect(Object.keys(pa).sort()).toEqual(
      [
        'peerID',
        'nodeID',
        'userAgent',
        'protocolVersion',
        'ENR',
        'addresses',
        'protocols',
        'connectedness',
        'direction',
        'protected',
        'chainID',
        'latency',
        'gossipBlocks',
        'scores',
      ].sort(),
    )
    expect(Object.keys(pa.scores.gossip).sort()).toEqual([
      'IPColocationFactor',
      'behavioralPenalty',
      'blocks',
      'total',
    ])
    expect(typeof pa.scores.gossip.total).toBe('number')
    expect(result.bannedPeers).toEqual([])
  })

  it('opp2p_peerStats counts peers per block topic (the node joins all four)', async () => {
    const { result } = await call('opp2p_peerStats')
    expect(result).toEqual({
      connected: 2,
      table: 0,
      blocksTopic: 2,
      blocksTopicV2: 2,
      blocksTopicV3: 2,
      blocksTopicV4: 2,
      banned: 0,
      known: 2,
    })
  })

  it('optimism_syncStatus reports the unsafe head with its L1 origin', async () => {
    const { result } = await call('optimism_syncStatus')
    const head = published.at(-1)!
    expect(result.unsafe_l2).toMatchObject({ number: head.number, hash: head.hash })
    expect(result.unsafe_l2.l1origin).toEqual(l1InfoOriginOf(head.firstTx)?.l1origin)
    expect(result.unsafe_l2.l1origin.number).toBeGreaterThan(0)
    expect(result.cross_unsafe_l2).toEqual(result.unsafe_l2)
    expect(result.head_l1.number).toBe(0)
  })

  it('blocks, lists, unblocks and reconnects a peer, and counts it in the metrics', async () => {
    const cid = c.host.peerId
    expect((await call('opp2p_blockPeer', [cid])).result).toBeNull()
    await waitFor('C disconnected', async () => !Object.keys(b.host.peerScores()).includes(cid))
    expect((await call('opp2p_listBlockedPeers')).result).toEqual([cid])
    expect((await call('opp2p_peers', [true])).result.bannedPeers).toEqual([cid])
    // The gater refuses C while it is blocked.
    expect((await call('opp2p_connectPeer', [c.address])).error?.code).toBe(-32000)
    expect((await call('opp2p_unblockPeer', [cid])).result).toBeNull()
    expect((await call('opp2p_listBlockedPeers')).result).toEqual([])
    expect((await call('opp2p_connectPeer', [c.address])).result).toBeNull()
    expect(Object.keys(b.host.peerScores())).toContain(cid)
    const s = parseMetrics(await (await fetch(`${b.obs.metricsUrl}/metrics`)).text())
    expect(metricValue(s, 'op_gossip_peer_bans_total', { reason: 'manual' })).toBe(1)
    expect(metricValue(s, 'op_gossip_peer_unbans_total', { reason: 'manual' })).toBe(1)
  })

  it('opp2p_disconnectPeer validates its param, hangs up and lifts a block like op-node', async () => {
    expect((await call('opp2p_disconnectPeer', ['not-a-peer'])).error?.code).toBe(-32602)
    expect((await call('opp2p_blockPeer', [c.host.peerId])).result).toBeNull()
    expect((await call('opp2p_listBlockedPeers', [])).result).toContain(c.host.peerId)
    expect((await call('opp2p_disconnectPeer', [c.host.peerId])).result).toBeNull()
    expect((await call('opp2p_listBlockedPeers', [])).result).not.toContain(c.host.peerId)
    expect(b.host.peers().map((p) => p.peerId)).not.toContain(c.host.peerId)
  })

  it('answers bad requests to the running node with JSON-RPC errors', async () => {
    const post = (body: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(await (await post('{"jsonrpc":"2.0","id":1,"method":')).json()).toMatchObject({
      error: { code: -32700 },
    })
    expect(
      await (await post('{"jsonrpc":"2.0","id":1,"method":"opp2p_nope"}')).json(),
    ).toMatchObject({
      error: { code: -32601 },
    })
    expect(await (await post('[]')).json()).toMatchObject({ error: { code: -32600 } })
    const big = await post(
      `{"jsonrpc":"2.0","id":1,"method":"opp2p_self","x":"${'a'.repeat(MAX_RPC_REQUEST_BODY_SIZE_BYTES)}"}`,
    )
    expect(big.status).toBe(413)
    const batch = await post(
      '[{"jsonrpc":"2.0","id":1,"method":"opp2p_peerStats"},{"jsonrpc":"2.0","id":2,"method":"optimism_syncStatus"}]',
    )
    const answers = (await batch.json()) as Json[]
    expect(answers.map((r) => r.id)).toEqual([1, 2])
    expect(answers[0].result.connected).toBeGreaterThan(0)
    // Still serving after all that.
    expect((await call('opp2p_self')).result.peerID).toBe(b.host.peerId)
  })

  it('/healthz turns 503 when the head stalls past the window and 200 when it moves again', async () => {
    // The previous test blocked and reconnected C: wait until both peers are back.
    await waitFor('both peers connected', async () => b.host.peers().length === 2)
    await publish()
    const ok = await fetch(`${url}/healthz`)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({
      healthy: true,
      peers: 2,
      head: { number: published.at(-1)?.number },
    })
    await sleep(HEALTH_WINDOW_MS + 300)
    const stalled = await fetch(`${url}/healthz`)
    expect(stalled.status).toBe(503)
    expect(((await stalled.json()) as Json).reasons).toEqual([
      expect.stringMatching(/^unsafe head \d+ has not moved for/),
    ])
    await publish()
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })

  it('never logs the JWT secret or a private key', async () => {
    await sleep(50)
    const text = logs.text()
    expect(logs.lines.length).toBeGreaterThan(10) // debug and trace lines of the host, engine, RPC
    expect(text).toContain('accepted block')
    const secrets = [jwtSecret, p2pKey, SEQUENCER_KEY]
    for (const secret of secrets) {
      for (const form of [
        hex(secret),
        hex(secret).toUpperCase(),
        Buffer.from(secret).toString('base64'),
      ]) {
        expect(text.includes(form)).toBe(false)
      }
      // Not even a 16-byte window of it (a truncated or split dump).
      const h = hex(secret)
      for (let i = 0; i + 32 <= h.length; i += 8)
        expect(text.includes(h.slice(i, i + 32))).toBe(false)
    }
  })
})
