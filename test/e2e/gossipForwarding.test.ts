/**
 * When a validated block is forwarded: after the IDONTWANTs that mesh peers sent while it was
 * being validated have been read, so gossipsub skips those peers (fewer duplicate copies), and
 * still to every other mesh peer. Three hand-written meshsub/1.2.0 peers: A sends the block, B
 * sends an IDONTWANT for it while the host validates, C sends nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HostValidator } from '../../src/gossip/host.ts'
import { computeMessageId } from '../../src/wire/msgId.ts'
import { type ForeignPeer, startForeignPeer } from '../utils/foreignPeer.ts'
import {
  type MeshNode,
  realValidator,
  sleep,
  startNode,
  stopAll,
  testBuilder,
  testChain,
  waitFor,
} from '../utils/mesh.ts'

/** The gossipsub version with IDONTWANT. */
const MESHSUB_IDONTWANT = '/meshsub/1.2.0'
const chain = testChain()
/** Time the validator keeps the event loop busy after B's IDONTWANT went out, ms. */
const VALIDATION_BUSY_MS = 50

function busyWait(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // keep the event loop from reading sockets, as a long validation does
  }
}

describe('e2e / gossip forwarding after validation (IDONTWANTs read first)', () => {
  let host: MeshNode
  let topic: string
  const peers: ForeignPeer[] = []
  /** Runs inside validation, before the verdict */
  let duringValidation: (() => void) | null = null

  beforeAll(async () => {
    const real = realValidator(chain)
    const validator: HostValidator = {
      validate(t, data, opts) {
        duringValidation?.()
        busyWait(VALIDATION_BUSY_MS)
        return real.validate(t, data, opts)
      },
    }
    host = await startNode({ chain, validator })
    topic = host.host.topics[3] as string
    for (let i = 0; i < 3; i++)
      peers.push(await startForeignPeer(host.address, MESHSUB_IDONTWANT, topic))
    await waitFor('the host to graft all three', () =>
      peers.every((p) => (host.host.meshPeers()[topic] ?? []).includes(p.node.peerId.toString())),
    )
  })
  afterAll(async () => {
    await Promise.all(peers.map((p) => p.node.stop()))
    await stopAll([host])
  })

  it('does not forward to a peer whose IDONTWANT arrived during validation', async () => {
    const [a, b, c] = peers as [ForeignPeer, ForeignPeer, ForeignPeer]
    const block = testBuilder(chain, 61).next()
    const id = computeMessageId(topic, block.data)
    duringValidation = () => {
      duringValidation = null
      b.send({
        control: { ihave: [], iwant: [], graft: [], prune: [], idontwant: [{ messageIDs: [id] }] },
      })
    }
    a.send({ messages: [{ topic, data: block.data }] })

    const carries = (p: ForeignPeer) =>
      p.inbox.some((r) => r.messages.some((m) => Buffer.from(m.data ?? []).equals(block.data)))
    await waitFor('C to get the forwarded block', () => carries(c))
    await sleep(300)
    expect(host.received).toHaveLength(1)
    expect(carries(b)).toBe(false)
    expect(carries(a)).toBe(false)
  })
})
