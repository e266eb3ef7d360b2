import { describe, expect, it } from 'vitest'
import {
  type AddressBlock,
  AddressBlockList,
  BlockListError,
  MAX_BLOCKED_ADDRS,
  MAX_BLOCKED_SUBNETS,
} from '../../../src/gossip/addressBlockList.ts'

function errorCode(fn: () => unknown): string | null {
  try {
    fn()
    return null
  } catch (err) {
    return err instanceof BlockListError ? err.code : `not a BlockListError: ${err}`
  }
}

describe('gossip / addressBlockList', () => {
  it('bounds both lists', () => {
    expect(MAX_BLOCKED_ADDRS).toBe(1000)
    expect(MAX_BLOCKED_SUBNETS).toBe(1000)
  })

  it('blocks an IP in any spelling, until its end, and lifts it', () => {
    let now = 1000
    const list = new AddressBlockList({ now: () => now })
    expect(list.blockAddr('::ffff:10.0.0.1', 5000)).toEqual({ address: '10.0.0.1', untilMs: 5000 })
    expect(list.isBlocked('10.0.0.1')).toBe(true)
    expect(list.isBlocked('::ffff:a00:1')).toBe(true)
    expect(list.isBlocked('10.0.0.2')).toBe(false)
    expect(list.isBlocked('not an ip')).toBe(false)
    expect(list.listAddrs()).toEqual([{ address: '10.0.0.1', untilMs: 5000 }])
    now = 5000
    expect(list.isBlocked('10.0.0.1')).toBe(false)
    expect(list.size).toBe(0)
    list.blockAddr('2001:DB8::1', 9000)
    expect(list.unblockAddr('2001:db8:0::1')).toBe(true)
    expect(list.unblockAddr('2001:db8::1')).toBe(false)
    expect(list.unblockAddr('nope')).toBe(false)
  })

  it('blocks every address of a subnet, stored by its network address', () => {
    const list = new AddressBlockList({ now: () => 0 })
    list.blockSubnet('127.1.2.3/8', 100)
    expect(list.listSubnets()).toEqual([{ address: '127.0.0.0/8', untilMs: 100 }])
    expect(list.isBlocked('127.0.0.1')).toBe(true)
    expect(list.isBlocked('127.255.255.255')).toBe(true)
    expect(list.isBlocked('128.0.0.1')).toBe(false)
    expect(list.isBlocked('::1')).toBe(false)
    list.blockSubnet('::1/128', 100)
    expect(list.isBlocked('::1')).toBe(true)
    expect(list.unblockSubnet('127.0.0.0/8')).toBe(true)
    expect(list.isBlocked('127.0.0.1')).toBe(false)
  })

  it('keeps the later of two ends', () => {
    const list = new AddressBlockList({ now: () => 0 })
    list.blockAddr('1.2.3.4', 500)
    expect(list.blockAddr('1.2.3.4', 300).untilMs).toBe(500)
    expect(list.blockAddr('1.2.3.4', 900).untilMs).toBe(900)
    expect(list.listAddrs()).toHaveLength(1)
  })

  it('refuses bad input with typed errors', () => {
    const list = new AddressBlockList()
    expect(errorCode(() => list.blockAddr('1.2.3.4/32', 1))).toBe('BLOCKLIST_BAD_ADDRESS')
    expect(errorCode(() => list.blockSubnet('1.2.3.4', 1))).toBe('BLOCKLIST_BAD_SUBNET')
    expect(errorCode(() => list.blockSubnet('1.2.3.0/33', 1))).toBe('BLOCKLIST_BAD_SUBNET')
  })

  it('holds exactly the limit, refuses one more, and makes room as blocks end', () => {
    let now = 0
    const list = new AddressBlockList({ maxAddrs: 3, maxSubnets: 2, now: () => now })
    list.blockAddr('10.0.0.1', 10)
    list.blockAddr('10.0.0.2', 20)
    list.blockAddr('10.0.0.3', 30)
    expect(list.listAddrs()).toHaveLength(3)
    expect(errorCode(() => list.blockAddr('10.0.0.4', 40))).toBe('BLOCKLIST_FULL')
    // Renewing an existing block at the limit is fine.
    expect(errorCode(() => list.blockAddr('10.0.0.3', 35))).toBeNull()
    list.blockSubnet('10.1.0.0/16', 10)
    list.blockSubnet('10.2.0.0/16', 10)
    expect(errorCode(() => list.blockSubnet('10.3.0.0/16', 10))).toBe('BLOCKLIST_FULL')
    now = 10 // the first block ended: room for one more
    expect(errorCode(() => list.blockAddr('10.0.0.4', 40))).toBeNull()
    expect(list.listAddrs().map((b) => b.address)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4'])
  })

  it('reports blocks and changes to its modules', () => {
    const blocked: AddressBlock[] = []
    let changes = 0
    const list = new AddressBlockList(
      { now: () => 0 },
      { onBlock: (b) => blocked.push(b), onChange: () => changes++ },
    )
    list.blockAddr('1.1.1.1', 10)
    list.blockAddr('1.1.1.1', 5) // no change: the later end stays
    list.blockSubnet('2.0.0.0/8', 10)
    list.unblockAddr('1.1.1.1')
    list.unblockAddr('1.1.1.1') // nothing to lift
    expect(blocked.map((b) => b.address)).toEqual(['1.1.1.1', '2.0.0.0/8'])
    expect(changes).toBe(3)
  })
})
