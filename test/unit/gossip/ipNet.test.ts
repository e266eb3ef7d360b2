import { describe, expect, it } from 'vitest'
import {
  canonicalCidr,
  canonicalIp,
  ipNetContains,
  ipNetMask,
  parseCidr,
  parseIp,
  prefixLengthOfMask,
} from '../../../src/gossip/ipNet.ts'

describe('gossip / ipNet', () => {
  it("prints addresses as Go's net.IP.String() does", () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.1', '127.0.0.1'],
      ['::ffff:127.0.0.1', '127.0.0.1'], // IPv4-mapped: the same address as IPv4
      ['::FFFF:7f00:1', '127.0.0.1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group is not shortened
      ['::', '::'],
      ['::1', '::1'],
      ['fe80::', 'fe80::'],
      ['::1.2.3.4', '::102:304'], // IPv4-compatible is not IPv4-mapped
    ]
    for (const [input, expected] of cases) expect(canonicalIp(input), input).toBe(expected)
    expect(parseIp('10.1.2.3')).toEqual(Uint8Array.from([10, 1, 2, 3]))
    expect(parseIp('::1')?.length).toBe(16)
  })

  it('refuses anything but a plain IP address', () => {
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.256',
      '01.2.3.4',
      '1.2.3.4/32',
      '[::1]',
      'fe80::1%eth0',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      'localhost',
      ' 1.2.3.4',
      `1.2.3.4${' '.repeat(50)}`,
    ]) {
      expect(parseIp(bad), bad).toBeNull()
    }
  })

  it("parses CIDR like Go's net.ParseCIDR: network address, canonical text", () => {
    expect(canonicalCidr('10.1.2.3/8')).toBe('10.0.0.0/8')
    expect(canonicalCidr('127.0.0.1/32')).toBe('127.0.0.1/32')
    expect(canonicalCidr('0.0.0.0/0')).toBe('0.0.0.0/0')
    expect(canonicalCidr('2001:db8::1/32')).toBe('2001:db8::/32')
    expect(canonicalCidr('::ffff:10.0.0.0/104')).toBe('10.0.0.0/8') // Go folds it to IPv4
    expect(canonicalCidr('::ffff:0:0/80')).toBe('::/80')
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '::/129', '10.0.0.0/08', '10.0.0.0/-1', '/8']) {
      expect(parseCidr(bad), bad).toBeNull()
    }
  })

  it('matches addresses of the same family only, as IPNet.Contains', () => {
    const net = parseCidr('127.0.0.0/8')
    if (net === null) throw new Error('unreachable')
    expect(ipNetContains(net, parseIp('127.9.9.9') as Uint8Array)).toBe(true)
    expect(ipNetContains(net, parseIp('::ffff:127.0.0.1') as Uint8Array)).toBe(true)
    expect(ipNetContains(net, parseIp('128.0.0.1') as Uint8Array)).toBe(false)
    expect(ipNetContains(net, parseIp('::1') as Uint8Array)).toBe(false)
    const all6 = parseCidr('::/0')
    if (all6 === null) throw new Error('unreachable')
    expect(ipNetContains(all6, parseIp('::1') as Uint8Array)).toBe(true)
    expect(ipNetContains(all6, parseIp('1.2.3.4') as Uint8Array)).toBe(false)
  })

  it('converts masks to prefix lengths and back', () => {
    const net = parseCidr('10.0.0.0/12')
    if (net === null) throw new Error('unreachable')
    expect(ipNetMask(net)).toEqual(Uint8Array.from([255, 240, 0, 0]))
    expect(prefixLengthOfMask(Uint8Array.from([255, 240, 0, 0]))).toBe(12)
    expect(prefixLengthOfMask(Uint8Array.from([255, 0, 255, 0]))).toBeNull()
    expect(prefixLengthOfMask(new Uint8Array(16).fill(255))).toBe(128)
    expect(prefixLengthOfMask(new Uint8Array(4))).toBe(0)
  })
})
