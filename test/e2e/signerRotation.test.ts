/**
 * An unsafe-block signer rotation through a real L1 node (anvil): the node reads the
 * SystemConfig signer slot with a short reload interval, keeps accepting the old signer inside
 * its grace window, closes the window at the first block of the new signer, and ignores every
 * block when a reload reads the zero address. Blocks arrive over real TCP from a libp2p peer;
 * the status RPC and the metrics show the signer state.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBlockBuilder, devnetKey } from '../../src/blocks/blockBuilder.ts'
import type { AcceptedBlock, VerdictEvent } from '../../src/gossip/types.ts'
import { createNode, type OpGossipNode } from '../../src/node.ts'
import { addressFromPrivateKey } from '../../src/wire/signing.ts'
import { type Anvil, startAnvil } from '../utils/anvil.ts'
import {
  type MeshNode,
  SEQUENCER_ADDRESS,
  SEQUENCER_KEY,
  startNode,
  stopAll,
  testChain,
  waitFor,
} from '../utils/mesh.ts'

const SYSTEM_CONFIG = '0x5555555555555555555555555555555555555555'
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const NEXT_KEY = devnetKey('rotated-in sequencer')
const A = hex(SEQUENCER_ADDRESS)
const B = hex(addressFromPrivateKey(NEXT_KEY))

describe('e2e / signer rotation through a real L1 (anvil)', () => {
  const chain = testChain({ systemConfig: SYSTEM_CONFIG })
  const oldSigner = createBlockBuilder({ chain, privateKey: SEQUENCER_KEY, seed: 71, txCount: 1 })
  const newSigner = createBlockBuilder({ chain, privateKey: NEXT_KEY, seed: 72, txCount: 1 })
  let anvil: Anvil
  let node: OpGossipNode
  let sender: MeshNode
  const accepted: AcceptedBlock[] = []
  const verdicts: VerdictEvent[] = []
  let topic: string

  async function rpc(method: string): Promise<Record<string, unknown>> {
    const res = await fetch(node.rpc?.url as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
    })
    return ((await res.json()) as { result: Record<string, unknown> }).result
  }

  /** Sends one block as a relay would (no local validation) and waits for the node's verdict. */
  async function relay(data: Uint8Array): Promise<VerdictEvent> {
    const sent = await sender.host.publishUnvalidatedForTesting(topic, data)
    await waitFor('the verdict', () => verdicts.some((v) => v.messageId === sent.messageId))
    return verdicts.find((v) => v.messageId === sent.messageId) as VerdictEvent
  }

  async function setSigner(address: string | null): Promise<void> {
    await anvil.setUnsafeBlockSigner(SYSTEM_CONFIG, address)
  }

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: chain.l1ChainId as number })
    await setSigner(A)
    const dir = mkdtempSync(join(tmpdir(), 'op-gossip-rotation-'))
    node = createNode(
      {
        chain,
        peerKeyPath: join(dir, 'key.txt'),
        gossip: { listenIp: '127.0.0.1', listenTcpPort: 0, ipColocation: false },
        signer: { l1Url: anvil.url, systemConfig: SYSTEM_CONFIG, reloadIntervalMs: 200 },
        discovery: null,
        // The warm-up has its own tests; here it would only add seconds.
        warmUp: false,
        logBlocks: false,
        rpc: { host: '127.0.0.1', port: 0 },
        metrics: { host: '127.0.0.1', port: 0 },
      },
      { consumers: [{ onBlock: (b) => void accepted.push(b) }] },
    )
    node.host.events.on('verdict', (v) => verdicts.push(v))
    await node.start()
    sender = await startNode({ chain })
    await sender.host.dial(node.host.listenAddresses()[0] as string)
    topic = sender.host.topics[3] as string
    await waitFor('meshed', () => (sender.host.meshPeers()[topic]?.length ?? 0) === 1)
  })
  afterAll(async () => {
    await node?.stop()
    await stopAll(sender ? [sender] : [])
    await anvil?.stop()
  })

  it('accepts the L1 signer, and no window is open at start', async () => {
    expect(hex(node.signer.current() as Uint8Array)).toBe(A)
    expect((await relay(oldSigner.next().data)).verdict).toBe('accept')
    expect((await relay(newSigner.next().data)).reason).toBe('WRONG_SIGNER')
    expect(await rpc('opgossip_signer')).toMatchObject({
      signer: A,
      origin: 'l1',
      previousSigner: null,
      graceWindowEndsAt: null,
      gracePeriodSeconds: 10_800,
    })
  })

  it('after the rotation on L1 the old signer is still accepted, until a block of the new one verifies', async () => {
    const before = Date.now()
    await setSigner(B)
    await waitFor('the reload', async () => (await rpc('opgossip_signer')).signer === B)
    const status = await rpc('opgossip_signer')
    expect(status.previousSigner).toBe(A)
    const end = status.graceWindowEndsAt as number
    expect(end * 1000).toBeGreaterThanOrEqual(before + 3 * 3_600_000)
    expect(end * 1000).toBeLessThanOrEqual(Date.now() + 3 * 3_600_000)
    const metrics = await (await fetch(`${node.observability.metricsUrl}/metrics`)).text()
    expect(metrics).toContain(
      `op_gossip_signer_info{signer="${B}",previous_signer="${A}",origin="l1"} 1`,
    )

    expect((await relay(oldSigner.next().data)).verdict).toBe('accept')
    expect((await relay(newSigner.next().data)).verdict).toBe('accept')
    // The new signer's block closed the window: the old signer is now a wrong signer.
    expect((await rpc('opgossip_signer')).previousSigner).toBeNull()
    expect((await relay(oldSigner.next().data)).reason).toBe('WRONG_SIGNER')
    expect((await relay(newSigner.next().data)).verdict).toBe('accept')
  })

  it('a reload reading the zero address ignores every block, the previous signer too', async () => {
    await setSigner(null)
    await waitFor('the reload', async () => (await rpc('opgossip_signer')).signer === null)
    expect(await rpc('opgossip_signer')).toMatchObject({ origin: 'none', previousSigner: B })
    for (const block of [newSigner.next(), oldSigner.next()]) {
      expect(await relay(block.data)).toMatchObject({ verdict: 'ignore', reason: 'SIGNER_UNKNOWN' })
    }
    // Honest disagreement costs the relaying peer nothing.
    expect(node.host.peerScores()[sender.host.peerId] ?? 0).toBe(0)
    expect(accepted.length).toBe(4)
  })
})
