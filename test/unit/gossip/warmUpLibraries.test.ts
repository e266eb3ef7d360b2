/**
 * The library warm-up sends real blocks through a throwaway mesh of gossip hosts over TCP on
 * 127.0.0.1, stops at its round and time bounds, and leaves nothing behind: the hosts are
 * stopped, their ports closed and the process holds the same sockets, servers and timers as
 * before. A failure of the mesh is one warn line; the step still logs its line and returns.
 */
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { GossipHost } from '../../../src/gossip/host.ts'
import {
  WARM_UP_BLOCK_BYTES,
  WARM_UP_SIGNER_ADDRESS,
  WARM_UP_SIGNER_KEY,
  WARMED_UP_MESSAGE,
  warmUpStep,
} from '../../../src/gossip/warmUp.ts'
import {
  WARM_UP_CHAIN_ID,
  WARM_UP_LIBRARY_HOSTS,
  WARM_UP_LIBRARY_MAX_MS,
  WARM_UP_LIBRARY_ROUNDS,
  WARM_UP_LIBRARY_SETUP_MAX_MS,
  WARM_UP_LIBRARY_STOP_MAX_MS,
  warmUpLibraries,
} from '../../../src/gossip/warmUpLibraries.ts'
import { logCapture } from '../../utils/engineHarness.ts'
import { testChain } from '../../utils/mesh.ts'

const SMALL_BLOCK_BYTES = 20_000
/** Starting three hosts on a loaded 2-core machine, before the setup bound is first checked. */
const START_SLACK_MS = 5_000
/** One round of a 100 KB block on a loaded 2-core machine, begun just before the bound. */
const ROUND_SLACK_MS = 1_000

function base(blockBytes = SMALL_BLOCK_BYTES) {
  return {
    chain: testChain(),
    signerKey: WARM_UP_SIGNER_KEY,
    signerAddress: WARM_UP_SIGNER_ADDRESS,
    blockBytes,
  }
}

/** Sockets, servers and timers of this thread (vitest's own stay the same throughout). */
function resources(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'TTYWrap')
    .sort()
}

/**
 * libp2p's own timers run out within this after a node stops (its address manager's 1 s
 * debounce, gossipsub's last heartbeat timer) and a closed server says so on the next tick.
 */
const LIBP2P_AFTER_STOP_MS = 3000

/** What `now` holds beyond `before` (counting each type). */
function beyond(before: string[], now: string[]): string[] {
  const left = [...before]
  return now.filter((r) => {
    const i = left.indexOf(r)
    if (i < 0) return true
    left.splice(i, 1)
    return false
  })
}

/** The resources held beyond `before` once they are none, or at LIBP2P_AFTER_STOP_MS. */
async function leftBeyond(before: string[]): Promise<string[]> {
  const until = performance.now() + LIBP2P_AFTER_STOP_MS
  let extra = beyond(before, resources())
  while (extra.length > 0 && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    extra = beyond(before, resources())
  }
  return extra
}

/** True when nothing accepts a TCP connection on 127.0.0.1:`port`. */
function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })
}

function tcpPort(address: string): number {
  return Number(/\/tcp\/(\d+)/.exec(address)?.[1])
}

describe('gossip / warm-up of the libraries', () => {
  it('runs exactly its rounds, each block accepted by every other host, and leaves nothing', async () => {
    const before = resources()

    let hosts: readonly GossipHost[] = []
    let ports: number[] = []
    const result = await warmUpLibraries(
      { ...base(), rounds: 6, maxMs: 30_000 },
      {
        onHosts(h) {
          hosts = h
          ports = h.map((host) => tcpPort(host.listenAddresses()[0] as string))
          for (const host of h) {
            // A private chain: the hosts' topics are no real network's.
            expect(host.topics.every((t) => t.startsWith(`/optimism/${WARM_UP_CHAIN_ID}/`))).toBe(
              true,
            )
            expect(host.listenAddresses()[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
          }
        },
      },
    )
    // At the round limit: six rounds, not a seventh; every block reached both other hosts.
    expect(result).toMatchObject({ rounds: 6, messages: 6 * (WARM_UP_LIBRARY_HOSTS - 1) })
    expect(result.timedOut).toBe(false)
    // Through each host's own message pipeline: received, validated and accepted there.
    expect(hosts).toHaveLength(WARM_UP_LIBRARY_HOSTS)
    const counted = hosts.map((host) => host.counters())
    expect(counted.reduce((sum, c) => sum + c.accepted, 0)).toBe(result.messages)
    for (const c of counted) {
      expect(c.accepted).toBe(4)
      expect(c.received).toBeGreaterThanOrEqual(c.accepted)
      expect(c.rejected + c.ignored).toBe(0)
    }

    for (const host of hosts) expect(() => host.listenAddresses()).toThrow(/not running/)
    for (const port of ports) expect(await portClosed(port)).toBe(true)
    expect(await leftBeyond(before)).toEqual([])
  })

  it('stops at its time bound with rounds left, and does nothing with no time or no rounds', async () => {
    const maxMs = 400
    const stopMaxMs = 1000
    const result = await warmUpLibraries({
      ...base(WARM_UP_BLOCK_BYTES),
      rounds: 1e9,
      maxMs,
      stopMaxMs,
    })
    expect(result.timedOut).toBe(true)
    expect(result.rounds).toBeGreaterThan(0)
    expect(result.rounds).toBeLessThan(1e9)
    // The rounds end at the bound (plus the round under way); stopping comes after.
    expect(result.elapsedMs - result.setupMs).toBeGreaterThanOrEqual(maxMs)
    expect(result.elapsedMs - result.setupMs).toBeLessThan(maxMs + ROUND_SLACK_MS + stopMaxMs)

    let started = false
    const onHosts = () => {
      started = true
    }
    expect(await warmUpLibraries({ ...base(), maxMs: 0 }, { onHosts })).toMatchObject({
      rounds: 0,
      messages: 0,
      timedOut: true,
    })
    expect(await warmUpLibraries({ ...base(), setupMaxMs: 0 }, { onHosts })).toMatchObject({
      rounds: 0,
      timedOut: true,
    })
    expect(await warmUpLibraries({ ...base(), rounds: 0 }, { onHosts })).toMatchObject({
      rounds: 0,
      timedOut: false,
    })
    expect(started).toBe(false)
  })

  it('gives up when the mesh is not up within its setup bound, and stops what it started', async () => {
    const before = resources()
    let started = false
    // Past the setup bound: 1 ms is too short to start three hosts, connect them and mesh.
    const result = await warmUpLibraries(
      { ...base(), setupMaxMs: 1 },
      {
        onHosts() {
          started = true
        },
      },
    )
    expect(started).toBe(true)
    expect(result).toMatchObject({ rounds: 0, messages: 0, timedOut: true })
    expect(result.setupMs).toBeGreaterThanOrEqual(1)
    expect(await leftBeyond(before)).toEqual([])

    // At the default bound the mesh forms and the rounds run.
    const atDefault = await warmUpLibraries({ ...base(), rounds: 2 })
    expect(atDefault).toMatchObject({ rounds: 2, timedOut: false })
    expect(atDefault.setupMs).toBeLessThan(WARM_UP_LIBRARY_SETUP_MAX_MS)
  })

  it('waits for the hosts to stop up to its stop bound, then goes on with a warning', async () => {
    const stopMaxMs = 300
    const slowStopMs = stopMaxMs + 700
    const before = resources()
    // At the bound: hosts that stop at once are waited for, without a warning.
    const atBound = logCapture()
    await warmUpLibraries({ ...base(), rounds: 1, stopMaxMs }, { log: atBound.log })
    expect(atBound.lines.filter((l) => l.level === 40)).toEqual([])

    // Past it: one host takes longer to stop; the warm-up returns at the bound, and the host
    // still stops afterwards.
    const past = logCapture()
    let slowStopped: Promise<void> = Promise.resolve()
    let returnedAt = 0
    let stopCalledAt = 0
    await warmUpLibraries(
      { ...base(), rounds: 1, stopMaxMs },
      {
        log: past.log,
        onHosts(hosts) {
          const slow = hosts[0] as GossipHost
          const realStop = slow.stop
          slow.stop = () => {
            stopCalledAt = performance.now()
            slowStopped = new Promise((resolve) => setTimeout(resolve, slowStopMs)).then(realStop)
            return slowStopped
          }
        },
      },
    )
    returnedAt = performance.now()
    expect(returnedAt - stopCalledAt).toBeGreaterThanOrEqual(stopMaxMs - 1)
    expect(returnedAt - stopCalledAt).toBeLessThan(slowStopMs)
    const warns = past.lines.filter((l) => l.level === 40)
    expect(warns).toMatchObject([
      { msg: 'warm-up gossip hosts did not stop in time', boundMs: stopMaxMs },
    ])
    await slowStopped
    expect(await leftBeyond(before)).toEqual([])
  })

  it('stays within its default bounds with realistic blocks', async () => {
    const result = await warmUpLibraries(base(WARM_UP_BLOCK_BYTES))
    expect(result.rounds).toBeGreaterThan(0)
    expect(result.rounds).toBeLessThanOrEqual(WARM_UP_LIBRARY_ROUNDS)
    expect(result.messages).toBeGreaterThanOrEqual(result.rounds * (WARM_UP_LIBRARY_HOSTS - 1))
    expect(result.setupMs).toBeLessThan(WARM_UP_LIBRARY_SETUP_MAX_MS + START_SLACK_MS)
    expect(result.elapsedMs - result.setupMs).toBeLessThan(
      WARM_UP_LIBRARY_MAX_MS + ROUND_SLACK_MS + WARM_UP_LIBRARY_STOP_MAX_MS,
    )
    if (!result.timedOut) expect(result.rounds).toBe(WARM_UP_LIBRARY_ROUNDS)
  })

  it('as part of the start step: one line with both parts; a failed mesh is one warn line and stopped', async () => {
    const before = resources()
    const { log, lines } = logCapture()
    await warmUpStep(testChain(), log).start()
    const line = lines.find((l) => l.msg === WARMED_UP_MESSAGE)
    expect(line?.gossipRounds as number).toBeGreaterThan(0)
    expect(line?.gossipMessages as number).toBeGreaterThan(0)
    expect(line?.gossipMs as number).toBeGreaterThan(0)
    expect(lines.filter((l) => l.level === 40)).toEqual([])

    const failing = logCapture()
    let ports: number[] = []
    await warmUpStep(testChain(), failing.log, {
      onHosts(hosts) {
        ports = hosts.map((host) => tcpPort(host.listenAddresses()[0] as string))
        throw new Error('injected start failure')
      },
    }).start()
    const warns = failing.lines.filter((l) => l.level === 40)
    expect(warns).toHaveLength(1)
    expect(String(warns[0]?.err)).toContain('injected start failure')
    const step = failing.lines.find((l) => l.msg === WARMED_UP_MESSAGE)
    expect(step?.rounds as number).toBeGreaterThan(0)
    expect(step?.gossipRounds).toBeNull()
    expect(ports).toHaveLength(WARM_UP_LIBRARY_HOSTS)
    for (const port of ports) expect(await portClosed(port)).toBe(true)
    expect(await leftBeyond(before)).toEqual([])
  })
})
