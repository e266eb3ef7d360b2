import { describe, expect, it } from 'vitest'
import {
  formatDelay,
  formatElState,
  formatStatusLine,
  readStatusSnapshot,
  STATUS_DELAY_DECIMALS_BELOW_MS,
  STATUS_DELAY_MS_BELOW_MS,
  type StatusSnapshot,
  shouldShowStatusLine,
  startStatusLine,
} from '../../../src/cli/statusLine.ts'
import type {
  P2pPeerInfo,
  P2pStatusSource,
  SyncStatusSnapshot,
} from '../../../src/status/statusSources.ts'

const base: StatusSnapshot = {
  peers: 12,
  meshPeers: 8,
  target: 1234567,
  confirmed: 1234567,
  lastArrivalDelayMs: 843,
  syncing: false,
  gapBlocks: 0,
  elState: 'ready',
}

describe('cli / statusLine', () => {
  it('formats peers, mesh, heads, the last arrival delay and the EL state on one line', () => {
    expect(formatStatusLine(base)).toBe(
      'peers 12 (mesh 8) | head 1234567 / EL 1234567 | last block +843 ms | EL in sync',
    )
    expect(
      formatStatusLine({
        ...base,
        confirmed: 1234000,
        syncing: true,
        gapBlocks: 567,
        lastArrivalDelayMs: 12_345,
      }),
    ).toBe(
      'peers 12 (mesh 8) | head 1234567 / EL 1234000 | last block +12 s | EL syncing (gap 567)',
    )
    expect(
      formatStatusLine({
        ...base,
        peers: 0,
        meshPeers: 0,
        target: null,
        confirmed: null,
        lastArrivalDelayMs: null,
        elState: 'disabled',
      }),
    ).toBe('peers 0 (mesh 0) | head - / EL - | no block yet | no EL')
    expect(formatStatusLine({ ...base, lastArrivalDelayMs: -250 })).toContain('last block -250 ms')
    expect(formatStatusLine(base)).not.toContain('\n')
  })

  it('shows a running backup-RPC gap fill with what is left and its rate; nothing when idle', () => {
    const fill = { state: 'filling', remainingBlocks: 37, blocksPerSecond: 61.6 } as const
    expect(formatStatusLine({ ...base, gapFill: fill })).toBe(
      'peers 12 (mesh 8) | head 1234567 / EL 1234567 | last block +843 ms | EL in sync | RPC gap fill filling, 37 left at 62 blocks/s',
    )
    expect(formatStatusLine({ ...base, gapFill: { ...fill, state: 'backoff' } })).toMatch(
      /RPC gap fill backoff, 37 left$/,
    )
    expect(formatStatusLine({ ...base, gapFill: { ...fill, state: 'idle' } })).toBe(
      formatStatusLine(base),
    )
  })

  it('shows delays under a second in milliseconds, then seconds (at and past each limit)', () => {
    expect(formatDelay(0)).toBe('+0 ms')
    expect(formatDelay(84.4)).toBe('+84 ms')
    expect(formatDelay(STATUS_DELAY_MS_BELOW_MS - 1)).toBe('+999 ms')
    expect(formatDelay(STATUS_DELAY_MS_BELOW_MS - 0.4)).toBe('+1.00 s') // rounds to 1000 ms
    expect(formatDelay(STATUS_DELAY_MS_BELOW_MS)).toBe('+1.00 s')
    expect(formatDelay(-STATUS_DELAY_MS_BELOW_MS + 1)).toBe('-999 ms')
    expect(formatDelay(STATUS_DELAY_DECIMALS_BELOW_MS - 10)).toBe('+9.99 s')
    expect(formatDelay(STATUS_DELAY_DECIMALS_BELOW_MS)).toBe('+10 s')
  })

  it('names each EL state', () => {
    expect(formatElState({ ...base, elState: 'el-down' })).toBe('EL down')
    expect(formatElState({ ...base, elState: 'connecting' })).toBe('EL connecting')
    expect(formatElState({ ...base, gapBlocks: 2, confirmed: 1234565 })).toBe('EL behind (gap 2)')
  })

  it('shows only on a terminal with text logs', () => {
    expect(shouldShowStatusLine({ stdoutIsTty: true, logFormat: 'text' })).toBe(true)
    expect(shouldShowStatusLine({ stdoutIsTty: false, logFormat: 'text' })).toBe(false)
    expect(shouldShowStatusLine({ stdoutIsTty: true, logFormat: 'json' })).toBe(false)
  })

  it('reads a snapshot from the node sources', async () => {
    const peer = (meshTopics: string[]): P2pPeerInfo => ({
      peerId: 'p',
      direction: 'outbound',
      addresses: [],
      score: 0,
      isProtected: false,
      agentVersion: null,
      meshTopics,
    })
    const peers = [peer(['t']), peer([]), peer(['t', 'u'])]
    const p2p = { peers: async () => peers } as unknown as P2pStatusSource
    const status: SyncStatusSnapshot = {
      state: 'ready',
      target: { hash: '0x1', number: 50, parentHash: '0x0', timestamp: 1 },
      confirmed: { hash: '0x2', number: 40, parentHash: '0x0', timestamp: 1 },
      safe: null,
      finalized: null,
      syncing: true,
      gapBlocks: 10,
    }
    const last = { number: 50, hash: '0x1', peer: 'p', arrivalDelayMs: 700, acceptedAtMs: 0 }
    expect(
      await readStatusSnapshot({ p2p, sync: { status: () => status }, lastBlock: () => last }),
    ).toEqual({
      peers: 3,
      meshPeers: 2,
      target: 50,
      confirmed: 40,
      lastArrivalDelayMs: 700,
      syncing: true,
      gapBlocks: 10,
      elState: 'ready',
      gapFill: null,
    })
    // Without an Engine side the head is the newest accepted block.
    expect(
      await readStatusSnapshot({ p2p: null, sync: null, lastBlock: () => last }),
    ).toMatchObject({
      peers: 0,
      target: 50,
      confirmed: null,
      elState: 'disabled',
    })
  })

  it('writes a line every interval until stopped, and skips a failed read', async () => {
    const lines: string[] = []
    let n = 0
    const timer = startStatusLine(
      async () => {
        n++
        if (n === 2) throw new Error('host stopping')
        return { ...base, peers: n }
      },
      (line) => lines.push(line),
      20,
    )
    await new Promise((r) => setTimeout(r, 110))
    timer.stop()
    const count = lines.length
    await new Promise((r) => setTimeout(r, 60))
    expect(lines.length).toBe(count)
    expect(count).toBeGreaterThanOrEqual(2)
    expect(lines[0]).toMatch(/^peers 1 \(mesh 8\)/)
    expect(lines.some((l) => l.startsWith('peers 2 '))).toBe(false)
  })
})
