import { describe, expect, it } from 'vitest'
import {
  createStaticPeers,
  STATIC_PEER_REDIAL_MAX_MS,
  STATIC_PEER_REDIAL_MIN_MS,
  type StaticPeer,
} from '../../../src/gossip/staticPeers.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const A: StaticPeer = { peerId: 'A', address: '/ip4/127.0.0.1/tcp/1/p2p/A' }

describe('gossip / staticPeers', () => {
  it("redials at most every minute, like op-node's static-peer loop", () => {
    expect(STATIC_PEER_REDIAL_MIN_MS).toBe(1000)
    expect(STATIC_PEER_REDIAL_MAX_MS).toBe(60_000)
  })

  it('dials at start, redials after a drop, and backs off while dials fail', async () => {
    const connected = new Set<string>()
    const dialTimes: number[] = []
    let failDials = false
    const peers = createStaticPeers(
      [A],
      { redialMinMs: 20, redialMaxMs: 80 },
      {
        isConnected: (id) => connected.has(id),
        dial: async (p) => {
          dialTimes.push(Date.now())
          if (failDials) throw new Error('refused')
          connected.add(p.peerId)
        },
      },
    )
    expect(peers.isStatic('A')).toBe(true)
    expect(peers.isStatic('B')).toBe(false)
    peers.start()
    await sleep(5)
    expect(dialTimes).toHaveLength(1)

    // The peer drops and stays unreachable: redials at 20, 40, 80, 80 ms intervals.
    failDials = true
    connected.delete('A')
    const dropAt = Date.now()
    peers.onDisconnected('A')
    await sleep(260)
    const gaps = dialTimes.slice(1).map((t, i) => t - (i === 0 ? dropAt : (dialTimes[i] as number)))
    expect(gaps.length).toBeGreaterThanOrEqual(3)
    expect(gaps[0]).toBeGreaterThanOrEqual(15)
    expect(gaps[1]).toBeGreaterThanOrEqual(35)
    expect(gaps[2]).toBeGreaterThanOrEqual(70)

    // It comes back: the next redial succeeds and the loop stops.
    failDials = false
    for (let i = 0; i < 200 && !connected.has('A'); i++) await sleep(10)
    expect(connected.has('A')).toBe(true)
    peers.onConnected('A')
    const count = dialTimes.length
    await sleep(150)
    expect(dialTimes.length).toBe(count)
    peers.stop()
  })

  it('stop() cancels pending redials', async () => {
    let dials = 0
    const peers = createStaticPeers(
      [A],
      { redialMinMs: 10, redialMaxMs: 10 },
      {
        isConnected: () => false,
        dial: async () => {
          dials++
          throw new Error('down')
        },
      },
    )
    peers.start()
    await sleep(35)
    peers.stop()
    const count = dials
    expect(count).toBeGreaterThanOrEqual(2)
    await sleep(40)
    expect(dials).toBe(count)
  })
})
