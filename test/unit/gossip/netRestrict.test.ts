import { describe, expect, it } from 'vitest'
import { createNetRestriction } from '../../../src/gossip/netRestrict.ts'

describe('gossip / netRestrict (--p2p.netrestrict)', () => {
  it('no networks: no restriction at all (null, so callers skip the check)', () => {
    expect(createNetRestriction([])).toBeNull()
  })

  it('allows exactly the addresses inside one of the networks, IPv4 and IPv6', () => {
    const allowed = createNetRestriction(['10.0.0.0/8', '192.168.1.0/24', '2001:db8::/32'])
    expect(allowed).not.toBeNull()
    const inside = allowed as (ip: string) => boolean
    expect(inside('10.0.0.0')).toBe(true)
    expect(inside('10.255.255.255')).toBe(true)
    expect(inside('11.0.0.0')).toBe(false)
    expect(inside('9.255.255.255')).toBe(false)
    // At and past the edge of a /24.
    expect(inside('192.168.1.255')).toBe(true)
    expect(inside('192.168.2.0')).toBe(false)
    expect(inside('2001:db8::1')).toBe(true)
    expect(inside('2001:db9::1')).toBe(false)
    // An IPv4-mapped IPv6 address is its IPv4 address (as Go sees it).
    expect(inside('::ffff:10.1.2.3')).toBe(true)
    // Not an IP: outside every network.
    expect(inside('example.com')).toBe(false)
    expect(inside('')).toBe(false)
  })

  it('host bits in an entry are cleared, as Go’s net.ParseCIDR does', () => {
    const inside = createNetRestriction(['10.1.2.3/8']) as (ip: string) => boolean
    expect(inside('10.200.0.1')).toBe(true)
  })

  it('0.0.0.0/0 allows every IPv4 address and no IPv6 one', () => {
    const inside = createNetRestriction(['0.0.0.0/0']) as (ip: string) => boolean
    expect(inside('8.8.8.8')).toBe(true)
    expect(inside('2001:db8::1')).toBe(false)
  })

  it('an entry that is not a CIDR throws (options are checked before)', () => {
    expect(() => createNetRestriction(['10.0.0.0'])).toThrow(RangeError)
    expect(() => createNetRestriction(['10.0.0.0/33'])).toThrow(/'10.0.0.0\/33' is not a CIDR/)
  })
})
