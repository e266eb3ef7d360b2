/**
 * IP / subnet blocks and persisted bans on real hosts over TCP on 127.0.0.1: the connection gater
 * refuses a blocked address inbound and outbound and the block closes open connections; after
 * an unblock a dial works again; a ban and a block saved in the peerstore directory are still in
 * force after the host is stopped and created again with that directory.
 * Every node here is 127.0.0.1, so an IP block on one node shuts out all the others.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createBanStore } from '../../src/gossip/banStore.ts'
import { createGossipHost, type GossipHost } from '../../src/gossip/host.ts'
import { generatePeerKey } from '../../src/gossip/peerIdentity.ts'
import { handleJsonRpcBody, type RpcMethods } from '../../src/rpc/jsonRpc.ts'
import { createP2pApi } from '../../src/rpc/p2pApi.ts'
import { createP2pStatusSource } from '../../src/status/p2pStatusSource.ts'
import {
  realValidator,
  startNode,
  stopAll,
  testChain,
  testHostInit,
  waitFor,
} from '../utils/mesh.ts'

const chain = testChain()

/** The status RPC methods over a running host, without the HTTP server. */
function rpcOf(host: GossipHost): (method: string, params?: unknown[]) => Promise<unknown> {
  const methods: RpcMethods = createP2pApi(createP2pStatusSource(host), {
    chainId: chain.chainId,
  })
  return async (method, params = []) => {
    const res = (await handleJsonRpcBody(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      methods,
      { signal: new AbortController().signal },
    )) as { result?: unknown; error?: { message: string } }
    if (res.error !== undefined) throw new Error(res.error.message)
    return res.result
  }
}

const connectedTo = (host: GossipHost, peerId: string) =>
  host.peers().some((p) => p.peerId === peerId)

describe('e2e / address blocks and persisted bans', () => {
  for (const [method, target, unblock] of [
    ['opp2p_blockAddr', '127.0.0.1', 'opp2p_unblockAddr'],
    ['opp2p_blockSubnet', '127.0.0.0/8', 'opp2p_unblockSubnet'],
  ] as const) {
    it(`${method} ${target}: open connections close, inbound and outbound are refused, unblock lets a dial through`, async () => {
      const a = await startNode({ chain })
      const b = await startNode({ chain })
      const c = await startNode({ chain })
      const rpc = rpcOf(a.host)
      try {
        await b.host.dial(a.address)
        await waitFor('b connected to a', () => connectedTo(a.host, b.host.peerId))

        expect(await rpc(method, [target])).toBeNull()
        await waitFor('the open connection closed', () => a.host.peers().length === 0)

        const connectsBefore = a.connects.length
        // Inbound: c (also 127.0.0.1) dials a; a's gater drops the socket before the handshake.
        await expect(c.host.dial(a.address)).rejects.toThrow()
        // Outbound: a's dialler refuses every address of b.
        await expect(a.host.dial(b.address)).rejects.toThrow(/gater denied/)
        expect(a.host.peers()).toEqual([])
        expect(a.connects.slice(connectsBefore)).toEqual([])
        expect(connectedTo(c.host, a.host.peerId)).toBe(false)

        expect(await rpc(unblock, [target])).toBeNull()
        expect(await a.host.dial(b.address)).toBe(b.host.peerId)
        await c.host.dial(a.address)
        await waitFor('both connected', () => a.host.peers().length === 2)
      } finally {
        await stopAll([a, b, c])
      }
    })
  }

  it('a ban and a block saved in the peerstore directory hold after a restart', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'op-gossip-peerstore-')), 'opgossip_peerstore_db')
    const key = generatePeerKey()
    const newHost = () => {
      const host = createGossipHost(testHostInit(chain, { privateKey: key }), {
        validator: realValidator(chain),
      })
      host.persistBans(createBanStore({ dir, saveDelayMs: 50 }))
      return host
    }
    const b = await startNode({ chain })
    let a = newHost()
    await a.start()
    try {
      await b.host.dial(a.listenAddresses()[0] as string)
      await waitFor('b connected', () => connectedTo(a, b.host.peerId))
      const rpc = rpcOf(a)
      expect(await rpc('opp2p_blockPeer', [b.host.peerId])).toBeNull()
      // A subnet that is not loopback, so the restarted node still accepts connections.
      expect(await rpc('opp2p_blockSubnet', ['192.0.2.0/24'])).toBeNull()
      await waitFor('b disconnected', () => !connectedTo(a, b.host.peerId))
      await a.stop() // flushes the pending save
      const file = JSON.parse(readFileSync(join(dir, 'bans.json'), 'utf8'))
      expect(file.peers.map((p: { peerId: string }) => p.peerId)).toEqual([b.host.peerId])

      a = newHost()
      expect(a.bans().map((e) => e.peerId)).toEqual([b.host.peerId])
      expect(a.blockedSubnets().map((e) => e.address)).toEqual(['192.0.2.0/24'])
      await a.start()
      const connects: string[] = []
      a.events.on('peer:connect', (e) => connects.push(e.peerId))
      // Refused both ways: a does not dial b (denyDialPeer)...
      await expect(a.dial(b.address)).rejects.toThrow(/gater/)
      // ...and b's dial is cut after the handshake (denyInboundEncryptedConnection): b may
      // briefly think it connected, a never sees a connection.
      await b.host.dial(a.listenAddresses()[0] as string).catch(() => {})
      await waitFor('the refused connection gone', () => !connectedTo(b.host, a.peerId))
      expect(connects).toEqual([])
      expect(a.peers()).toEqual([])

      expect(await rpcOf(a)('opp2p_unblockPeer', [b.host.peerId])).toBeNull()
      expect(await a.dial(b.address)).toBe(b.host.peerId)
      await a.stop()
      // The unblock was saved too: a third start has only the subnet block.
      const third = newHost()
      expect(third.bans()).toEqual([])
      expect(third.blockedSubnets()).toHaveLength(1)
      expect(existsSync(join(dir, 'bans.json.corrupt'))).toBe(false)
    } finally {
      await a.stop()
      await stopAll([b])
    }
  })
})
