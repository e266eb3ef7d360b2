/**
 * The composition root: a node built from plain options hands accepted blocks to every consumer
 * (the seam the Engine API driver plugs into) and keeps its peer identity across restarts.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { AcceptedBlock } from '../../src/gossip/types.ts'
import { createNode, type NodeOptions } from '../../src/node.ts'
import {
  SEQUENCER_ADDRESS,
  startNode,
  stopAll,
  testBuilder,
  testChain,
  waitFor,
} from '../utils/mesh.ts'

const chain = testChain()

function nodeOptions(dir: string): NodeOptions {
  return {
    chain,
    peerKeyPath: join(dir, 'opnode_p2p_priv.txt'),
    gossip: { listenIp: '127.0.0.1', listenTcpPort: 0, ipColocation: false },
    signer: { configuredSigner: `0x${Buffer.from(SEQUENCER_ADDRESS).toString('hex')}` },
    discovery: null,
    // The warm-up has its own tests; here it would only add seconds.
    warmUp: false,
    logBlocks: false,
  }
}

describe('e2e / node composition', () => {
  it('hands each accepted block to every consumer, and keeps its peer ID across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-gossip-node-'))
    const seen: AcceptedBlock[] = []
    const later: AcceptedBlock[] = []
    const node = createNode(nodeOptions(dir), {
      consumers: [{ onBlock: (b) => void seen.push(b) }],
    })
    node.addConsumer({
      // A failing consumer must not stop the others.
      onBlock: async (b) => {
        later.push(b)
        throw new Error('consumer failure')
      },
    })
    const sender = await startNode({ chain })
    try {
      await node.start()
      expect(node.signer.origin()).toBe('flag')
      await sender.host.dial(node.host.listenAddresses()[0] as string)
      const topic = sender.host.topics[3] as string
      await waitFor('meshed', () => (sender.host.meshPeers()[topic]?.length ?? 0) === 1)
      const block = testBuilder(chain, 61).next()
      await sender.host.publish(block)
      await waitFor('both consumers', () => seen.length === 1 && later.length === 1)
      expect(seen[0]?.fromPeer).toBe(sender.host.peerId)
      expect(
        Buffer.from(seen[0]?.envelope.payload.blockHash ?? []).equals(Buffer.from(block.blockHash)),
      ).toBe(true)
      await sender.host.publish(testBuilder(chain, 62).next())
      await waitFor('the next block too', () => seen.length === 2)
    } finally {
      await node.stop()
      await stopAll([sender])
    }
    const again = createNode(nodeOptions(dir))
    expect(again.peerId).toBe(node.peerId)
  })
})
