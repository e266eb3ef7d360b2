/**
 * The status RPC assembly: one server with the opp2p_*, optimism_syncStatus and opgossip_signer
 * methods over stub status views, /healthz watching the Engine side's head or else the newest
 * accepted block, and one start / stop lifecycle.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createStatusRpc, type StatusRpc } from '../../../src/rpc/statusRpc.ts'
import type {
  HeadRef,
  P2pStatusSource,
  SyncStatusSnapshot,
} from '../../../src/status/statusSources.ts'

const running: StatusRpc[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()))
})

const p2p: P2pStatusSource = {
  self: () => ({ peerId: 'self', addresses: [], protocols: [], agentVersion: 'op-gossip/test' }),
  peers: async () => [],
  peerCount: () => 1,
  bans: () => [],
  blockPeer: () => {},
  unblockPeer: () => false,
  connectPeer: async () => {},
  disconnectPeer: async () => {},
}

function head(number: number): HeadRef {
  return {
    hash: `0x${number.toString(16).padStart(64, '0')}`,
    number,
    parentHash: '0x',
    timestamp: 0,
  }
}

function syncSource(target: HeadRef | null): { status(): SyncStatusSnapshot } {
  return {
    status: () => ({
      state: 'ready',
      target,
      confirmed: target,
      safe: null,
      finalized: null,
      syncing: false,
      gapBlocks: 0,
    }),
  }
}

async function call(url: string, method: string): Promise<{ result?: unknown; error?: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
  })
  return (await res.json()) as { result?: unknown; error?: unknown }
}

describe('rpc / statusRpc', () => {
  it('serves every method table and /healthz on one server, from start to stop', async () => {
    const rpc = createStatusRpc(
      { host: '127.0.0.1', port: 0, chainId: 901 },
      {
        p2p,
        sync: syncSource(head(7)),
        signer: {
          status: () => ({
            signer: `0x${'bb'.repeat(20)}`,
            origin: 'flag',
            previousSigner: null,
            graceWindowEndsAtMs: null,
            gracePeriodMs: 0,
          }),
        },
        lastBlock: () => null,
        firstTransaction: () => undefined,
      },
    )
    running.push(rpc)
    expect(rpc.url).toBeNull()
    expect(rpc.health).toBeNull()
    await rpc.start()
    const url = rpc.url as string
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(((await call(url, 'opp2p_self')).result as { peerID: string }).peerID).toBe('self')
    expect((await call(url, 'optimism_syncStatus')).result).toMatchObject({
      unsafe_l2: { number: 7 },
    })
    expect((await call(url, 'opgossip_signer')).result).toMatchObject({ origin: 'flag' })
    const health = await fetch(`${url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ head: { number: 7 }, peers: 1 })

    await rpc.stop()
    expect(rpc.url).toBeNull()
    expect(rpc.health).toBeNull()
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
    await rpc.stop() // twice is fine
  })

  it('watches the newest accepted block without an Engine side, and has no signer method without a signer', async () => {
    const rpc = createStatusRpc(
      { host: '127.0.0.1', port: 0, chainId: 901, healthWindowMs: 60_000 },
      {
        p2p,
        sync: null,
        lastBlock: () => ({ number: 3, hash: '0x03' }),
        firstTransaction: () => undefined,
      },
    )
    running.push(rpc)
    await rpc.start()
    const url = rpc.url as string
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({
      head: { number: 3, hash: '0x03' },
      windowSeconds: 60,
    })
    expect((await call(url, 'opgossip_signer')).error).toMatchObject({ code: -32601 })
  })

  it('rejects a port in use and leaves nothing running', async () => {
    const first = createStatusRpc(
      { host: '127.0.0.1', port: 0, chainId: 901 },
      { p2p, sync: null, lastBlock: () => null, firstTransaction: () => undefined },
    )
    running.push(first)
    await first.start()
    const port = Number(new URL(first.url as string).port)
    const second = createStatusRpc(
      { host: '127.0.0.1', port, chainId: 901 },
      { p2p, sync: null, lastBlock: () => null, firstTransaction: () => undefined },
    )
    await expect(second.start()).rejects.toMatchObject({ code: 'EADDRINUSE' })
    expect(second.url).toBeNull()
    expect(second.health).toBeNull()
  })
})
