import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { devnetKey } from '../../../src/blocks/blockBuilder.ts'
import { AddressBlockList } from '../../../src/gossip/addressBlockList.ts'
import { BanList } from '../../../src/gossip/banList.ts'
import {
  BAN_FILE_LIMITS,
  BAN_FILE_NAME,
  BAN_STORE_SAVE_DELAY_MS,
  type BanSnapshot,
  BanStoreError,
  createBanStore,
  DEFAULT_PEERSTORE_PATH,
  emptyBanSnapshot,
  IN_MEMORY_PEERSTORE_PATH,
  MAX_BAN_FILE_SIZE_BYTES,
  parseBanFile,
  serializeBanFile,
} from '../../../src/gossip/banStore.ts'
import { captureLogs } from '../metrics/logCapture.ts'

const id = (label: string) => peerIdFromPrivateKey(privateKeyFromRaw(devnetKey(label))).toString()
const A = id('ban-a')
const B = id('ban-b')
const NOW = 1_700_000_000_000

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'op-gossip-bans-'))
}

function snapshot(): BanSnapshot {
  return {
    peers: [
      { peerId: A, untilMs: NOW + 60_000, score: -120.5 },
      { peerId: B, untilMs: NOW + 3_600_000, score: null },
    ],
    addrs: [{ address: '192.0.2.1', untilMs: NOW + 1000 }],
    subnets: [{ address: '2001:db8::/32', untilMs: NOW + 2000 }],
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function codeOf(fn: () => unknown): string | null {
  try {
    fn()
    return null
  } catch (err) {
    return err instanceof BanStoreError ? err.code : String(err)
  }
}

describe('gossip / banStore', () => {
  it("mirrors op-node's flag: a directory, 'memory' keeps nothing", () => {
    expect(DEFAULT_PEERSTORE_PATH).toBe('opgossip_peerstore_db')
    expect(IN_MEMORY_PEERSTORE_PATH).toBe('memory')
    expect(BAN_FILE_NAME).toBe('bans.json')
    expect(BAN_STORE_SAVE_DELAY_MS).toBe(1000)
    expect(BAN_FILE_LIMITS).toEqual({ peers: 10_000, addrs: 1000, subnets: 1000 })
  })

  it('round-trips a snapshot through the file', () => {
    const dir = join(tempDir(), 'nested', 'peerstore') // created on the first save
    const store = createBanStore({ dir }, { now: () => NOW })
    expect(store.path).toBe(join(dir, BAN_FILE_NAME))
    expect(store.load()).toEqual(emptyBanSnapshot()) // no file yet
    store.scheduleSave(snapshot)
    store.flush()
    const file = JSON.parse(readFileSync(store.path, 'utf8'))
    expect(file).toMatchObject({ version: 1, savedAt: NOW })
    expect(file.peers[0]).toEqual({ peerId: A, untilMs: NOW + 60_000, score: -120.5 })
    expect(createBanStore({ dir }, { now: () => NOW }).load()).toEqual(snapshot())
    // Nothing but the file is left behind (the temporary file was renamed).
    expect(readdirSync(dir)).toEqual([BAN_FILE_NAME])
  })

  it('drops expired entries on load', () => {
    const dir = tempDir()
    const store = createBanStore({ dir }, { now: () => NOW })
    store.scheduleSave(snapshot)
    store.flush()
    const later = createBanStore({ dir }, { now: () => NOW + 1500 }).load()
    expect(later.peers.map((p) => p.peerId)).toEqual([A, B])
    expect(later.addrs).toEqual([]) // ended at NOW + 1000
    expect(later.subnets).toHaveLength(1)
    const muchLater = createBanStore({ dir }, { now: () => NOW + 60_000 }).load()
    expect(muchLater.peers.map((p) => p.peerId)).toEqual([B])
    expect(muchLater.subnets).toEqual([])
  })

  it('sets a corrupt file aside with a warning and starts empty', async () => {
    const dir = tempDir()
    const path = join(dir, BAN_FILE_NAME)
    writeFileSync(path, '{"version":1,"peers":[')
    const logs = captureLogs()
    const store = createBanStore({ dir }, { logger: logs.log, now: () => NOW })
    expect(store.load()).toEqual(emptyBanSnapshot())
    await tick()
    const warning = logs.lines.find((l) => l.level === 40)
    expect(warning).toMatchObject({
      msg: 'ban file unreadable: starting without saved bans',
      code: 'BAN_STORE_CORRUPT',
      movedTo: `${path}.corrupt`,
    })
    expect(readFileSync(`${path}.corrupt`, 'utf8')).toBe('{"version":1,"peers":[')
    expect(existsSync(path)).toBe(false)
    // The next save writes a fresh file and leaves the damaged copy alone.
    store.scheduleSave(snapshot)
    store.flush()
    expect(createBanStore({ dir }, { now: () => NOW }).load()).toEqual(snapshot())
    expect(existsSync(`${path}.corrupt`)).toBe(true)
  })

  it('types what is wrong with a file', () => {
    expect(codeOf(() => parseBanFile('nope', NOW))).toBe('BAN_STORE_CORRUPT')
    expect(codeOf(() => parseBanFile('[]', NOW))).toBe('BAN_STORE_CORRUPT')
    expect(codeOf(() => parseBanFile('{"version":1,"peers":{}}', NOW))).toBe('BAN_STORE_CORRUPT')
    expect(
      codeOf(() => parseBanFile('{"version":2,"peers":[],"addrs":[],"subnets":[]}', NOW)),
    ).toBe('BAN_STORE_UNSUPPORTED_VERSION')
    expect(
      codeOf(() => parseBanFile('{"version":1,"peers":[],"addrs":[],"subnets":[]}', NOW)),
    ).toBe(null)
  })

  it('treats an oversized file as damaged', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, BAN_FILE_NAME), ' '.repeat(MAX_BAN_FILE_SIZE_BYTES + 1))
    const logs = captureLogs()
    expect(createBanStore({ dir }, { logger: logs.log }).load()).toEqual(emptyBanSnapshot())
    await tick()
    expect(logs.lines.find((l) => l.level === 40)?.code).toBe('BAN_STORE_TOO_LARGE')
  })

  it('skips malformed entries and keeps the rest, canonicalising addresses', () => {
    const text = JSON.stringify({
      version: 1,
      peers: [
        { peerId: A, untilMs: NOW + 10, score: null },
        { peerId: 'not a peer id', untilMs: NOW + 10, score: null },
        { peerId: B, untilMs: 'soon', score: null },
        { peerId: B, untilMs: NOW + 10, score: 'bad' },
        42,
      ],
      addrs: [
        { address: '::ffff:192.0.2.7', untilMs: NOW + 10 },
        { address: '192.0.2.300', untilMs: NOW + 10 },
      ],
      subnets: [
        { address: '10.9.9.9/8', untilMs: NOW + 10 },
        { address: '10.0.0.0', untilMs: NOW + 10 },
        { address: '11.0.0.0/8', untilMs: NOW - 1 }, // expired: dropped, not malformed
      ],
    })
    const parsed = parseBanFile(text, NOW)
    expect(parsed.skipped).toBe(6)
    expect(parsed.overLimit).toBe(0)
    expect(parsed.snapshot).toEqual({
      peers: [{ peerId: A, untilMs: NOW + 10, score: null }],
      addrs: [{ address: '192.0.2.7', untilMs: NOW + 10 }],
      subnets: [{ address: '10.0.0.0/8', untilMs: NOW + 10 }],
    })
  })

  describe('limits', () => {
    const limits = { peers: 3, addrs: 2, subnets: 1 }
    const many = (n: number): BanSnapshot => ({
      peers: Array.from({ length: n }, (_, i) => ({
        peerId: id(`limit-${i}`),
        untilMs: NOW + 1000 + i,
        score: null,
      })),
      addrs: Array.from({ length: n }, (_, i) => ({
        address: `192.0.2.${i + 1}`,
        untilMs: NOW + 1000 + i,
      })),
      subnets: Array.from({ length: n }, (_, i) => ({
        address: `10.${i}.0.0/16`,
        untilMs: NOW + 1000 + i,
      })),
    })

    it('loads everything at the limits', () => {
      const text = serializeBanFile(
        { ...many(3), addrs: many(2).addrs, subnets: many(1).subnets },
        NOW,
      )
      const parsed = parseBanFile(text, NOW, limits)
      expect(parsed.overLimit).toBe(0)
      expect(parsed.snapshot.peers).toHaveLength(3)
      expect(parsed.snapshot.addrs).toHaveLength(2)
      expect(parsed.snapshot.subnets).toHaveLength(1)
    })

    it('keeps the entries that end last past the limits, on load and on save', () => {
      const text = serializeBanFile(many(4), NOW) // default limits: all four of each kept
      const parsed = parseBanFile(text, NOW, limits)
      expect(parsed.overLimit).toBe(1 + 2 + 3)
      expect(parsed.snapshot.peers.map((p) => p.untilMs)).toEqual([
        NOW + 1001,
        NOW + 1002,
        NOW + 1003,
      ])
      expect(parsed.snapshot.addrs.map((a) => a.address)).toEqual(['192.0.2.3', '192.0.2.4'])
      expect(parsed.snapshot.subnets.map((s) => s.address)).toEqual(['10.3.0.0/16'])

      const saved = JSON.parse(serializeBanFile(many(4), NOW, limits))
      expect(saved.peers).toHaveLength(3)
      expect(saved.addrs).toHaveLength(2)
      expect(saved.subnets).toHaveLength(1)
    })

    it('warns when a file holds more than the store keeps', async () => {
      const dir = tempDir()
      writeFileSync(join(dir, BAN_FILE_NAME), serializeBanFile(many(4), NOW))
      const logs = captureLogs()
      const loaded = createBanStore({ dir, limits }, { logger: logs.log, now: () => NOW }).load()
      expect(loaded.peers).toHaveLength(3)
      await tick()
      expect(logs.lines.find((l) => l.level === 40)).toMatchObject({
        msg: 'left out entries of the ban file',
        overLimit: 6,
      })
    })
  })

  it('debounces saves: many changes, one write after the delay', async () => {
    const dir = tempDir()
    const store = createBanStore({ dir, saveDelayMs: 40 }, { now: () => NOW })
    let reads = 0
    const read = () => {
      reads++
      return snapshot()
    }
    for (let i = 0; i < 5; i++) store.scheduleSave(read)
    await sleep(10)
    expect(existsSync(store.path)).toBe(false)
    await sleep(80)
    expect(reads).toBe(1)
    expect(existsSync(store.path)).toBe(true)
    store.flush() // nothing pending: no second write
    expect(reads).toBe(1)
  })

  it('logs a failed save instead of throwing', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, BAN_FILE_NAME)) // a directory where the file should go
    const logs = captureLogs()
    const store = createBanStore({ dir }, { logger: logs.log, now: () => NOW })
    store.scheduleSave(snapshot)
    expect(() => store.flush()).not.toThrow()
    await tick()
    expect(logs.lines.some((l) => l.msg === 'cannot save the ban file')).toBe(true)
    expect(readdirSync(dir)).toEqual([BAN_FILE_NAME]) // no temporary file left
  })

  it('BanList and AddressBlockList report every stored change', () => {
    let changes = 0
    const bans = new BanList({ now: () => 0 }, { onChange: () => changes++ })
    bans.ban(A, 100)
    bans.ban(A, 50) // the later ban stays: no change
    bans.unban(A)
    bans.unban(A)
    expect(changes).toBe(2)
    const blocks = new AddressBlockList({ now: () => 0 }, { onChange: () => changes++ })
    blocks.blockSubnet('10.0.0.0/8', 100)
    blocks.unblockSubnet('10.0.0.0/8')
    expect(changes).toBe(4)
  })
})
