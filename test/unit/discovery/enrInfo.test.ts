import { ENR, SignableENR } from '@chainsafe/enr'
import { describe, expect, it } from 'vitest'
import { BASE_BOOTNODE_ENRS } from '../../../src/chains/bootnodes.ts'
import {
  describeEnr,
  enrDialAddress,
  isOpStackPeerOf,
  readOpStackEntry,
} from '../../../src/discovery/enrInfo.ts'
import { createLocalEnr } from '../../../src/discovery/localEnr.ts'
import { encodeOpStackEntry } from '../../../src/discovery/opstackEntry.ts'

const KEY = new Uint8Array(32).fill(9)

describe('discovery / enrInfo', () => {
  it.each(BASE_BOOTNODE_ENRS)(
    "Base's published bootnode %# decodes to chain 8453, version 0, TCP/UDP 9222",
    (text) => {
      const enr = ENR.decodeTxt(text)
      const info = describeEnr(enr)
      expect(info.opstack).toEqual({ chainId: 8453n, version: 0n })
      expect(info.tcp).toBe(9222)
      expect(info.udp).toBe(9222)
      expect(info.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
      expect(info.peerId).toMatch(/^16Uiu2H/)
      expect(enrDialAddress(info)).toBe(`/ip4/${info.ip}/tcp/9222/p2p/${info.peerId}`)
      expect(isOpStackPeerOf(enr, 8453)).toBe(true)
      expect(isOpStackPeerOf(enr, 10)).toBe(false)
    },
  )

  it('filters like op-node: entry present and decodable, same chain, version exactly 0', () => {
    const withEntry = (content: Uint8Array | null) => {
      const e = SignableENR.createV4(KEY)
      if (content !== null) e.set('opstack', content)
      return e.toENR()
    }
    expect(isOpStackPeerOf(withEntry(encodeOpStackEntry(10)), 10)).toBe(true)
    expect(isOpStackPeerOf(withEntry(encodeOpStackEntry(10, 1)), 10)).toBe(false)
    expect(isOpStackPeerOf(withEntry(encodeOpStackEntry(11)), 10)).toBe(false)
    expect(isOpStackPeerOf(withEntry(null), 10)).toBe(false)
    expect(isOpStackPeerOf(withEntry(Uint8Array.of(0x8a)), 10)).toBe(false)
    expect(readOpStackEntry(withEntry(Uint8Array.of(0x8a)))).toBeNull()
  })

  it('dials IPv4 first, IPv6 otherwise, never a record without an IP or TCP port', () => {
    const v4 = describeEnr(
      createLocalEnr({
        privateKey: KEY,
        chainId: 10,
        ip: '10.1.2.3',
        tcp: 9222,
        udp: 9000,
      }).toENR(),
    )
    expect(enrDialAddress(v4)).toBe(`/ip4/10.1.2.3/tcp/9222/p2p/${v4.peerId}`)
    const v6 = describeEnr(
      createLocalEnr({
        privateKey: KEY,
        chainId: 10,
        ip: '2001:db8::1',
        tcp: 9222,
        udp: 9000,
      }).toENR(),
    )
    expect(v6.udp6).toBe(9000)
    expect(enrDialAddress(v6)).toBe(`/ip6/2001:db8::1/tcp/9222/p2p/${v6.peerId}`)
    expect(
      enrDialAddress(
        describeEnr(createLocalEnr({ privateKey: KEY, chainId: 10, tcp: 9222 }).toENR()),
      ),
    ).toBeNull()
    expect(
      enrDialAddress(
        describeEnr(
          createLocalEnr({ privateKey: KEY, chainId: 10, ip: '10.1.2.3', udp: 1 }).toENR(),
        ),
      ),
    ).toBeNull()
  })

  it('survives malformed port values instead of throwing', () => {
    const e = SignableENR.createV4(KEY)
    e.set('tcp', Uint8Array.of(5))
    e.set('ip', Uint8Array.of(1, 2, 3, 4))
    const info = describeEnr(e.toENR())
    expect(info.tcp).toBeNull()
    expect(enrDialAddress(info)).toBeNull()
  })
})
