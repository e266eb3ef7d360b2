import { describe, expect, it } from 'vitest'
import {
  createFloodingAddresses,
  FLOOD_BAN_WINDOW_MS,
  FLOOD_BANS_TO_REFUSE_ADDRESS,
  MAX_REFUSED_FLOODING_ADDRESSES,
  MAX_TRACKED_FLOODING_ADDRESSES,
} from '../../../src/gossip/floodingAddresses.ts'

const REFUSE_FOR_MS = 3_600_000

function setup() {
  let t = 1_000_000
  const flooding = createFloodingAddresses({ refuseForMs: REFUSE_FOR_MS, now: () => t })
  return {
    flooding,
    advance: (ms: number) => {
      t += ms
    },
    /** Notes `n` flood bans of `ip`; the last answer */
    bans(ip: string, n: number): boolean {
      let last = false
      for (let i = 0; i < n; i++) last = flooding.noteFloodBan(ip)
      return last
    },
  }
}

describe('gossip / flooding addresses', () => {
  it('refuses an address at FLOOD_BANS_TO_REFUSE_ADDRESS flood bans, not one before', () => {
    const { flooding, bans } = setup()
    expect(bans('10.0.0.1', FLOOD_BANS_TO_REFUSE_ADDRESS - 1)).toBe(false)
    expect(flooding.isRefused('10.0.0.1')).toBe(false)
    expect(flooding.noteFloodBan('10.0.0.1')).toBe(true)
    expect(flooding.isRefused('10.0.0.1')).toBe(true)
    expect(flooding.isRefused('10.0.0.2')).toBe(false)
    // Already refused: another ban changes nothing and is not a new refusal.
    expect(flooding.noteFloodBan('10.0.0.1')).toBe(false)
  })

  it('counts only bans within FLOOD_BAN_WINDOW_MS of each other', () => {
    const { flooding, advance, bans } = setup()
    bans('10.0.0.1', FLOOD_BANS_TO_REFUSE_ADDRESS - 1)
    advance(FLOOD_BAN_WINDOW_MS)
    expect(flooding.noteFloodBan('10.0.0.1')).toBe(false)
    advance(FLOOD_BAN_WINDOW_MS - 1)
    expect(bans('10.0.0.1', FLOOD_BANS_TO_REFUSE_ADDRESS - 1)).toBe(true)
  })

  it('refuses for refuseForMs, then forgets', () => {
    const { flooding, advance, bans } = setup()
    bans('10.0.0.1', FLOOD_BANS_TO_REFUSE_ADDRESS)
    advance(REFUSE_FOR_MS - 1)
    expect(flooding.isRefused('10.0.0.1')).toBe(true)
    expect(flooding.refused()).toHaveLength(1)
    advance(1)
    expect(flooding.isRefused('10.0.0.1')).toBe(false)
    expect(flooding.refused()).toEqual([])
    // A fresh start: one ban is not enough again.
    expect(bans('10.0.0.1', FLOOD_BANS_TO_REFUSE_ADDRESS - 1)).toBe(false)
  })

  it('keeps at most MAX_REFUSED_FLOODING_ADDRESSES, dropping the refusal that ends first', () => {
    const { flooding, advance, bans } = setup()
    for (let i = 0; i < MAX_REFUSED_FLOODING_ADDRESSES; i++) {
      bans(`10.1.${i >> 8}.${i & 255}`, FLOOD_BANS_TO_REFUSE_ADDRESS)
      advance(1)
    }
    expect(flooding.refused()).toHaveLength(MAX_REFUSED_FLOODING_ADDRESSES)
    expect(flooding.isRefused('10.1.0.0')).toBe(true)
    bans('10.2.0.0', FLOOD_BANS_TO_REFUSE_ADDRESS)
    expect(flooding.refused()).toHaveLength(MAX_REFUSED_FLOODING_ADDRESSES)
    expect(flooding.isRefused('10.1.0.0')).toBe(false)
    expect(flooding.isRefused('10.1.0.1')).toBe(true)
    expect(flooding.isRefused('10.2.0.0')).toBe(true)
  })

  it('remembers the bans of MAX_TRACKED_FLOODING_ADDRESSES addresses, forgetting the oldest', () => {
    const { flooding, bans } = setup()
    const ip = (i: number) => `10.3.${i >> 8}.${i & 255}`
    for (let i = 0; i <= MAX_TRACKED_FLOODING_ADDRESSES; i++) {
      bans(ip(i), FLOOD_BANS_TO_REFUSE_ADDRESS - 1)
    }
    // The first address was forgotten when the last came: its earlier bans no longer count.
    expect(flooding.noteFloodBan(ip(0))).toBe(false)
    // The second is still remembered.
    expect(flooding.noteFloodBan(ip(2))).toBe(true)
  })
})
