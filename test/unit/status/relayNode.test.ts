/**
 * A relay (a node built by createNode without an EL) reports the newest block it accepted as
 * its unsafe head: in optimism_syncStatus over its status RPC and on its /metrics, which is what
 * `bench observe` and the dashboard read.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createNode } from '../../../src/node.ts'
import {
  SEQUENCER_ADDRESS,
  startNode,
  stopAll,
  testBuilder,
  testChain,
  waitFor,
} from '../../utils/mesh.ts'
import { metricValue, parseMetrics } from '../metrics/promText.ts'

async function syncStatus(url: string): Promise<{ unsafe_l2: { number: number; hash: string } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'optimism_syncStatus', params: [] }),
  })
  return ((await res.json()) as { result: { unsafe_l2: { number: number; hash: string } } }).result
}

describe('status / a relay without an EL', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'relay-node-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('reports its newest accepted block as the unsafe head (RPC and metrics)', async () => {
    const chain = testChain()
    const node = createNode({
      chain,
      peerKeyPath: join(dir, 'key.txt'),
      gossip: { listenIp: '127.0.0.1', listenTcpPort: 0, ipColocation: false },
      signer: { configuredSigner: `0x${Buffer.from(SEQUENCER_ADDRESS).toString('hex')}` },
      discovery: null,
      // The warm-up has its own tests; here it would only add seconds.
      warmUp: false,
      logBlocks: false,
      engine: null,
      rpc: { host: '127.0.0.1', port: 0 },
      metrics: { host: '127.0.0.1', port: 0 },
    })
    const sender = await startNode({ chain })
    try {
      await node.start()
      const rpcUrl = node.rpc?.url as string
      const metricsUrl = node.observability.metricsUrl as string
      expect((await syncStatus(rpcUrl)).unsafe_l2.number).toBe(0)
      await sender.host.dial(node.host.listenAddresses()[0] as string)
      const topic = sender.host.topics[3] as string
      await waitFor('meshed', () => (sender.host.meshPeers()[topic]?.length ?? 0) === 1)
      const builder = testBuilder(chain, 72)
      const first = builder.next()
      const second = builder.next()
      await sender.host.publish(first)
      await sender.host.publish(second)
      const secondHash = `0x${Buffer.from(second.envelope.payload.blockHash).toString('hex')}`
      await waitFor(
        'the relay to report the second block',
        async () => (await syncStatus(rpcUrl)).unsafe_l2.hash === secondHash,
      )
      const status = await syncStatus(rpcUrl)
      expect(status.unsafe_l2.number).toBe(Number(second.envelope.payload.blockNumber))
      const samples = parseMetrics(await (await fetch(`${metricsUrl}/metrics`)).text())
      expect(metricValue(samples, 'op_gossip_unsafe_head_block_number')).toBe(
        Number(second.envelope.payload.blockNumber),
      )
    } finally {
      await node.stop()
      await stopAll([sender])
    }
  })
})
