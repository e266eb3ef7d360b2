/**
 * A misbehaving node (it skips its own validation through the test-only raw publish) in a mesh of
 * real hosts: its invalid messages die at the first hop, its neighbours graylist and then ban it
 * for the structural failures among them, and the rest of the mesh stays in sync without it. A
 * peer that relays blocks we refuse for reasons honest op-node peers can disagree on (signer,
 * timestamp) loses no score.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBlockBuilder, devnetKey, sealBlock } from '../../src/blocks/blockBuilder.ts'
import { OP_NODE_SCORE_THRESHOLDS } from '../../src/gossip/scoring.ts'
import { snappyCompress } from '../../src/wire/snappy.ts'
import {
  connect,
  connectRing,
  type MeshNode,
  SEQUENCER_KEY,
  sleep,
  startNodes,
  stopAll,
  testBuilder,
  testChain,
  verdictsFor,
  waitFor,
  waitForMesh,
} from '../utils/mesh.ts'

const chain = testChain()
const now = () => BigInt(Math.floor(Date.now() / 1000))

/** One message of each kind of invalid the issue lists, all for this chain's v4 topic. */
function invalidMessages(): Record<string, Uint8Array> {
  const good = testBuilder(chain, 21)
  const wrongSigner = createBlockBuilder({
    chain,
    privateKey: devnetKey('not the sequencer'),
    seed: 22,
  })
  const otherChain = createBlockBuilder({
    chain: testChain({ chainId: 902 }),
    privateKey: SEQUENCER_KEY,
    seed: 23,
  })
  return {
    wrongSigner: wrongSigner.next().data,
    badBlockHash: badBlockHash(good, 0xab),
    tooOld: good.next({ timestamp: now() - 600n }).data,
    // Signed by the right key but for chain 902: the signing hash differs, so the signer does.
    otherChainsBlock: otherChain.next().data,
    // v = 0x5a is no recovery id: the signature cannot even be parsed.
    garbage: snappyCompress(new Uint8Array(500).fill(0x5a)),
    badBlockHash2: badBlockHash(testBuilder(chain, 27), 0xac),
    badBlockHash3: badBlockHash(testBuilder(chain, 28), 0xad),
    // Not Snappy at all: the header's varint never ends.
    notSnappy: new Uint8Array(200).fill(0xff),
  }
}

/** A correctly signed block whose payload carries a block hash that does not recompute. */
function badBlockHash(builder: ReturnType<typeof testBuilder>, fill: number): Uint8Array {
  const base = builder.next()
  return sealBlock({
    chainId: chain.chainId,
    privateKey: SEQUENCER_KEY,
    version: 4,
    payload: { ...base.envelope.payload, blockHash: new Uint8Array(32).fill(fill) },
    parentBeaconBlockRoot: base.envelope.parentBeaconBlockRoot as Uint8Array,
    keepBlockHash: true,
  }).data
}

const EXPECTED_REASON: Record<string, string> = {
  wrongSigner: 'WRONG_SIGNER',
  badBlockHash: 'BLOCK_HASH_MISMATCH',
  tooOld: 'TIMESTAMP_TOO_OLD',
  otherChainsBlock: 'WRONG_SIGNER',
  garbage: 'BAD_SIGNATURE',
  badBlockHash2: 'BLOCK_HASH_MISMATCH',
  badBlockHash3: 'BLOCK_HASH_MISMATCH',
  notSnappy: 'SNAPPY_BAD_HEADER',
}

describe('e2e / gossip scoring and banning', () => {
  // Ring of 8, each node dialling the next two: node 0's neighbours are 1, 2, 6 and 7;
  // nodes 3, 4 and 5 are two hops away.
  const NEIGHBOURS = [1, 2, 6, 7]
  const FAR = [3, 4, 5]
  let nodes: MeshNode[] = []
  let spammer: MeshNode
  let topic: string

  beforeAll(async () => {
    nodes = await startNodes(8, { chain })
    spammer = nodes[0] as MeshNode
    await connectRing(nodes, 2)
    topic = spammer.host.topics[3] as string
    await waitForMesh(nodes, topic, 4)
  })
  afterAll(async () => {
    await stopAll(nodes)
  })

  it('relays no invalid message past the first hop; every neighbour rejects each one', async () => {
    const ids: Record<string, string> = {}
    for (const [kind, data] of Object.entries(invalidMessages())) {
      const sent = await spammer.host.publishUnvalidatedForTesting(topic, data)
      expect(sent.recipients.length).toBeGreaterThan(0)
      ids[kind] = sent.messageId
    }
    await waitFor('every neighbour to judge every message', () =>
      NEIGHBOURS.every((i) =>
        Object.values(ids).every((id) => verdictsFor(nodes[i] as MeshNode, id).length > 0),
      ),
    )
    await sleep(500)
    for (const i of NEIGHBOURS) {
      for (const [kind, id] of Object.entries(ids)) {
        const v = verdictsFor(nodes[i] as MeshNode, id)
        expect(
          v.map((x) => [x.verdict, x.reason]),
          kind,
        ).toEqual([['reject', EXPECTED_REASON[kind]]])
        expect(v[0]?.fromPeer).toBe(spammer.host.peerId)
      }
    }
    for (const i of FAR) {
      for (const id of Object.values(ids))
        expect(verdictsFor(nodes[i] as MeshNode, id)).toHaveLength(0)
    }
    for (const n of nodes) expect(n.received).toHaveLength(0)
  })

  it('a message on another chain topic reaches nobody (topic allow-list)', async () => {
    const before = nodes.map((n) => n.verdicts.length)
    const sent = await spammer.host.publishUnvalidatedForTesting(
      '/optimism/902/3/blocks',
      testBuilder(chain, 24).next().data,
    )
    expect(sent.recipients).toEqual([])
    await sleep(200)
    expect(nodes.map((n) => n.verdicts.length)).toEqual(before)
  })

  it('the neighbours push the spammer below graylist, then ban it and refuse it', async () => {
    await waitFor('every neighbour to ban the spammer', () =>
      NEIGHBOURS.every((i) => nodes[i]?.bans.some((b) => b.peerId === spammer.host.peerId)),
    )
    for (const i of NEIGHBOURS) {
      const ban = nodes[i]?.bans.find((b) => b.peerId === spammer.host.peerId)
      // Four structural failures count (three bad hashes, one bad Snappy header):
      // -14 * 4^2 = -224 (graylisted at -40, banned below -100). The other four cost nothing.
      expect(ban?.score).toBeLessThan(OP_NODE_SCORE_THRESHOLDS.graylistThreshold)
      expect(ban?.score).toBeLessThan(-100)
      expect(ban?.untilMs).toBeGreaterThan(Date.now() + 59 * 60_000)
      expect(nodes[i]?.host.bans().map((b) => b.peerId)).toContain(spammer.host.peerId)
    }
    await waitFor('the spammer to be disconnected', () => spammer.host.peers().length === 0)

    // The gater refuses the banned peer both ways. Dialling it fails at once (denyDialPeer)...
    const neighbour = nodes[1] as MeshNode
    await expect(connect(neighbour, spammer)).rejects.toThrow()
    // ...and its own dial is cut after the handshake (denyInboundEncryptedConnection): the
    // dialler may briefly think it connected, the banned side never sees a connection.
    const connectsBefore = neighbour.connects.length
    await connect(spammer, neighbour).catch(() => {})
    await waitFor('the refused connection to be gone', () => spammer.host.peers().length === 0)
    await sleep(300)
    expect(neighbour.connects.slice(connectsBefore)).not.toContain(spammer.host.peerId)
    expect(neighbour.host.peers().map((p) => p.peerId)).not.toContain(spammer.host.peerId)
  })

  it('the rest of the mesh stays in sync without the banned node', async () => {
    const builder = testBuilder(chain, 25)
    for (const sender of [3, 6]) {
      const block = builder.next()
      const before = nodes.map((n) => n.received.length)
      await nodes[sender]?.host.publish(block)
      await waitFor('the block on every node but the spammer and the sender', () =>
        nodes.every(
          (n, i) => i === 0 || i === sender || n.received.length === (before[i] as number) + 1,
        ),
      )
      expect(spammer.received).toHaveLength(0)
    }
  })
})

describe('e2e / gossip graylisting', () => {
  it('ignores every RPC of a peer below the graylist threshold (bans off)', async () => {
    const [spammer, victim] = await startNodes(2, { chain, init: { ban: { enabled: false } } })
    if (spammer === undefined || victim === undefined) throw new Error('nodes')
    try {
      await connect(spammer, victim)
      const topic = victim.host.topics[3] as string
      await waitForMesh([spammer, victim], topic, 1)
      const bad = invalidMessages()
      await spammer.host.publishUnvalidatedForTesting(topic, bad.badBlockHash as Uint8Array)
      await spammer.host.publishUnvalidatedForTesting(topic, bad.badBlockHash2 as Uint8Array)
      await waitFor('two verdicts', () => victim.verdicts.length === 2)
      await waitFor('the score below graylist', () => {
        const s = victim.host.peerScores()[spammer.host.peerId]
        return s !== undefined && s < OP_NODE_SCORE_THRESHOLDS.graylistThreshold
      })
      // gossipsub whitelists a non-negative peer for 1 s; after that, graylisting applies.
      await sleep(1200)
      await spammer.host.publishUnvalidatedForTesting(topic, bad.tooOld as Uint8Array)
      await spammer.host.publish(testBuilder(chain, 26).next())
      await sleep(800)
      expect(victim.verdicts).toHaveLength(2)
      expect(victim.received).toHaveLength(0)
      // Still connected: graylisting is not a ban.
      expect(victim.host.peers().map((p) => p.peerId)).toEqual([spammer.host.peerId])
      expect(victim.bans).toHaveLength(0)
    } finally {
      await stopAll([spammer, victim])
    }
  })
})

describe('e2e / honest disagreement costs nothing', () => {
  it('a peer relaying 10 blocks we refuse for signer or timestamp reasons stays connected, unbanned, unscored', async () => {
    const [relay, victim] = await startNodes(2, { chain })
    if (relay === undefined || victim === undefined) throw new Error('nodes')
    try {
      await connect(relay, victim)
      const topic = victim.host.topics[3] as string
      await waitForMesh([relay, victim], topic, 1)
      const rotated = createBlockBuilder({ chain, privateKey: devnetKey('next signer'), seed: 31 })
      const stale = testBuilder(chain, 32)
      for (let i = 0; i < 5; i++) {
        await relay.host.publishUnvalidatedForTesting(topic, rotated.next().data)
        await relay.host.publishUnvalidatedForTesting(
          topic,
          stale.next({ timestamp: now() - 120n }).data,
        )
      }
      await waitFor('ten verdicts', () => victim.verdicts.length === 10)
      expect(new Set(victim.verdicts.map((v) => `${v.verdict}:${v.reason}`))).toEqual(
        new Set(['reject:WRONG_SIGNER', 'reject:TIMESTAMP_TOO_OLD']),
      )
      // Past the peer monitor's round (one peer a second) and a few score decays.
      await sleep(2500)
      expect(victim.host.peerScores()[relay.host.peerId]).toBe(0)
      expect(victim.bans).toHaveLength(0)
      expect(victim.host.peers().map((p) => p.peerId)).toEqual([relay.host.peerId])
      // And it is still heard: a valid block from it is accepted.
      await relay.host.publish(testBuilder(chain, 33).next())
      await waitFor('the valid block', () => victim.received.length === 1)
    } finally {
      await stopAll([relay, victim])
    }
  })
})
