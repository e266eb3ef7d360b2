import { describe, expect, it } from 'vitest'
import {
  createConnectionTrimmer,
  DEFAULT_PEERS_GRACE_MS,
  DEFAULT_PEERS_HI,
  DEFAULT_PEERS_LO,
  selectPeersToTrim,
  type TrimCandidate,
} from '../../../src/gossip/connectionTrimmer.ts'

function peer(id: string, over: Partial<TrimCandidate> = {}): TrimCandidate {
  return { peerId: id, connectedSinceMs: 0, isProtected: false, score: 0, inMesh: false, ...over }
}

const limits = { lo: 2, hi: 4, graceMs: 1000 }

describe('gossip / connectionTrimmer', () => {
  it("uses op-node's watermarks 20/30 and 30 s grace", () => {
    expect([DEFAULT_PEERS_LO, DEFAULT_PEERS_HI, DEFAULT_PEERS_GRACE_MS]).toEqual([20, 30, 30_000])
  })

  it('does nothing at hi, trims down to lo once above hi', () => {
    const four = ['a', 'b', 'c', 'd'].map((id) => peer(id))
    expect(selectPeersToTrim(four, limits, 10_000)).toEqual([])
    const five = [...four, peer('e')]
    expect(selectPeersToTrim(five, limits, 10_000)).toHaveLength(3)
  })

  it('spares protected peers and peers inside the grace period, even if lo is then missed', () => {
    const peers = [
      peer('static', { isProtected: true, score: -50 }),
      peer('young', { connectedSinceMs: 9_500 }),
      peer('a'),
      peer('b'),
      peer('c'),
    ]
    const victims = selectPeersToTrim(peers, limits, 10_000)
    expect(victims.sort()).toEqual(['a', 'b', 'c'])
  })

  it('trims non-mesh peers first, then lower scores, then the newest', () => {
    const peers = [
      peer('mesh-low', { inMesh: true, score: -5 }),
      peer('old', { connectedSinceMs: 0 }),
      peer('new', { connectedSinceMs: 5000 }),
      peer('negative', { score: -1 }),
      peer('mesh', { inMesh: true }),
    ]
    expect(selectPeersToTrim(peers, limits, 10_000)).toEqual(['negative', 'new', 'old'])
  })

  it('trims on a new connection at most once per silence period', () => {
    let now = 10_000
    let peers = ['a', 'b', 'c', 'd', 'e'].map((id) => peer(id))
    const closed: string[] = []
    const trimmer = createConnectionTrimmer(
      { ...limits, silencePeriodMs: 5000 },
      {
        peers: () => peers,
        disconnect: (id) => {
          closed.push(id)
          peers = peers.filter((p) => p.peerId !== id)
        },
        now: () => now,
      },
    )
    trimmer.onConnection()
    expect(closed).toHaveLength(3)
    peers.push(peer('f'), peer('g'), peer('h'))
    now += 4999
    trimmer.onConnection()
    expect(closed).toHaveLength(3)
    now += 1
    trimmer.onConnection()
    expect(closed).toHaveLength(6)
  })
})
