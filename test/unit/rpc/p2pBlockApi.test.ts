/**
 * op-node's address / subnet blocking, peer protection and discovery-table methods
 * (op-node/p2p/rpc_api.go, rpc_server.go) over a stub status source (the adapter that turns a
 * gossip host into that source is tested in test/unit/status/p2pStatusSource.test.ts).
 */
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { devnetKey } from '../../../src/blocks/blockBuilder.ts'
import { AddressBlockList } from '../../../src/gossip/addressBlockList.ts'
import { handleJsonRpcBody, type RpcMethods } from '../../../src/rpc/jsonRpc.ts'
import { createP2pApi } from '../../../src/rpc/p2pApi.ts'
import { ipNetFromJson, ipNetJson } from '../../../src/rpc/p2pJson.ts'
import { MANUAL_BLOCK_DURATION_MS } from '../../../src/status/p2pStatusSource.ts'
import type { P2pStatusSource } from '../../../src/status/statusSources.ts'

const CHAIN_ID = 901
const id = (label: string) => peerIdFromPrivateKey(privateKeyFromRaw(devnetKey(label))).toString()
const SELF = id('self')
const A = id('a')

// biome-ignore lint/suspicious/noExplicitAny: the tests read the JSON results freely
type JsonResult = any

async function call(methods: RpcMethods, method: string, params: unknown[] = []) {
  return (await handleJsonRpcBody(
    JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    methods,
    { signal: new AbortController().signal },
  )) as { result?: JsonResult; error?: { code: number; message: string } }
}

/** A status source with a real AddressBlockList behind the block methods. */
function source() {
  const log: string[] = []
  const blocks = new AddressBlockList()
  const forever = Date.now() + MANUAL_BLOCK_DURATION_MS
  let table: string[] | null = ['enr:-one', 'enr:-two']
  const s: P2pStatusSource = {
    self: () => ({ peerId: SELF, addresses: [], protocols: [], agentVersion: 'op-gossip/0.1.0' }),
    peers: async () => [],
    peerCount: () => 0,
    bans: () => [],
    blockPeer: () => {},
    unblockPeer: () => false,
    connectPeer: async () => {},
    disconnectPeer: async () => {},
    blockedAddrs: () => blocks.listAddrs().map((b) => b.address),
    blockAddr: (ip) => {
      log.push(`blockAddr ${ip}`)
      blocks.blockAddr(ip, forever)
    },
    unblockAddr: (ip) => {
      log.push(`unblockAddr ${ip}`)
      return blocks.unblockAddr(ip)
    },
    blockedSubnets: () => blocks.listSubnets().map((b) => b.address),
    blockSubnet: (cidr) => {
      log.push(`blockSubnet ${cidr}`)
      blocks.blockSubnet(cidr, forever)
    },
    unblockSubnet: (cidr) => {
      log.push(`unblockSubnet ${cidr}`)
      return blocks.unblockSubnet(cidr)
    },
    protectPeer: (p) => {
      log.push(`protect ${p}`)
    },
    unprotectPeer: (p) => {
      log.push(`unprotect ${p}`)
    },
    discoveryTable: () => table,
  }
  return {
    s,
    log,
    blocks,
    setTable: (t: string[] | null) => {
      table = t
    },
  }
}

describe('rpc / p2pApi: address blocks, protection, discovery table', () => {
  it('opp2p_blockAddr / unblockAddr / listBlockedAddrs take and give Go net.IP text', async () => {
    const { s, log } = source()
    const api = createP2pApi(s, { chainId: CHAIN_ID })
    expect(await call(api, 'opp2p_blockAddr', ['192.0.2.1'])).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: null,
    })
    expect((await call(api, 'opp2p_blockAddr', ['::ffff:198.51.100.7'])).result).toBeNull()
    expect((await call(api, 'opp2p_blockAddr', ['2001:0DB8::0001'])).result).toBeNull()
    expect((await call(api, 'opp2p_listBlockedAddrs')).result).toEqual([
      '192.0.2.1',
      '198.51.100.7',
      '2001:db8::1',
    ])
    expect((await call(api, 'opp2p_unblockAddr', ['2001:db8::1'])).result).toBeNull()
    // Unblocking an address that is not blocked is not an error (op-node: a datastore delete).
    expect((await call(api, 'opp2p_unblockAddr', ['203.0.113.9'])).result).toBeNull()
    expect((await call(api, 'opp2p_listBlockedAddrs')).result).toEqual([
      '192.0.2.1',
      '198.51.100.7',
    ])
    expect((await call(api, 'opp2p_peers', [true])).result.bannedIPS).toEqual([
      '192.0.2.1',
      '198.51.100.7',
    ])
    expect(log).toEqual([
      'blockAddr 192.0.2.1',
      'blockAddr 198.51.100.7',
      'blockAddr 2001:db8::1',
      'unblockAddr 2001:db8::1',
      'unblockAddr 203.0.113.9',
    ])
  })

  it('refuses a bad IP with invalid params and a message that says what is expected', async () => {
    const { s, log } = source()
    const api = createP2pApi(s, { chainId: CHAIN_ID })
    for (const bad of ['', '1.2.3', '10.0.0.0/8', 'fe80::1%eth0', 'localhost', 42, null, {}]) {
      const { error } = await call(api, 'opp2p_blockAddr', [bad])
      expect(error?.code, JSON.stringify(bad)).toBe(-32602)
      expect(error?.message).toMatch(/^invalid argument 0: not an IP address \(like "192\.0\.2\.1"/)
    }
    const long = await call(api, 'opp2p_blockAddr', ['x'.repeat(500)])
    expect(long.error?.message.length).toBeLessThan(160) // the bad value is quoted, cut short
    expect((await call(api, 'opp2p_blockAddr', [])).error?.code).toBe(-32602)
    expect((await call(api, 'opp2p_blockAddr', ['1.2.3.4', '5.6.7.8'])).error?.code).toBe(-32602)
    expect((await call(api, 'opp2p_unblockAddr', ['nope'])).error?.code).toBe(-32602)
    expect((await call(api, 'opp2p_listBlockedAddrs', [1])).error?.code).toBe(-32602)
    expect(log).toEqual([])
  })

  it("opp2p_blockSubnet takes Go's *net.IPNet JSON or CIDR text; lists give Go's shape", async () => {
    const { s, log } = source()
    const api = createP2pApi(s, { chainId: CHAIN_ID })
    // op-node's own client sends *net.IPNet: {"IP":"10.0.0.0","Mask":"/wAAAA=="}.
    expect(
      (await call(api, 'opp2p_blockSubnet', [{ IP: '10.0.0.0', Mask: '/wAAAA==' }])).result,
    ).toBeNull()
    expect((await call(api, 'opp2p_blockSubnet', ['2001:db8::/32'])).result).toBeNull()
    expect((await call(api, 'opp2p_blockSubnet', ['172.16.5.4/12'])).result).toBeNull()
    const expected = [
      { IP: '10.0.0.0', Mask: '/wAAAA==' },
      { IP: '2001:db8::', Mask: '/////wAAAAAAAAAAAAAAAA==' },
      { IP: '172.16.0.0', Mask: '//AAAA==' },
    ]
    expect((await call(api, 'opp2p_listBlockedSubnets')).result).toEqual(expected)
    expect((await call(api, 'opp2p_peers', [true])).result.bannedSubnets).toEqual(expected)
    expect(
      (await call(api, 'opp2p_unblockSubnet', [{ IP: '172.16.0.0', Mask: '//AAAA==' }])).result,
    ).toBeNull()
    expect((await call(api, 'opp2p_unblockSubnet', ['10.0.0.0/8'])).result).toBeNull()
    expect((await call(api, 'opp2p_listBlockedSubnets')).result).toEqual([expected[1]])
    expect(log).toEqual([
      'blockSubnet 10.0.0.0/8',
      'blockSubnet 2001:db8::/32',
      'blockSubnet 172.16.0.0/12',
      'unblockSubnet 172.16.0.0/12',
      'unblockSubnet 10.0.0.0/8',
    ])
  })

  it('refuses a bad subnet with invalid params', async () => {
    const { s, log } = source()
    const api = createP2pApi(s, { chainId: CHAIN_ID })
    for (const bad of [
      '10.0.0.0',
      '10.0.0.0/33',
      '::/129',
      { IP: '10.0.0.0' },
      { IP: '10.0.0.0', Mask: '/wD/AA==' }, // not contiguous
      { IP: '10.0.0.0', Mask: 'not base64!' },
      { IP: '2001:db8::', Mask: '/wAAAA==' }, // a 4-byte mask on an IPv6 address
      { IP: 'nope', Mask: '/wAAAA==' },
      42,
      null,
    ]) {
      const { error } = await call(api, 'opp2p_blockSubnet', [bad])
      expect(error?.code, JSON.stringify(bad)).toBe(-32602)
      expect(error?.message).toMatch(/^invalid argument 0: not a subnet \(like "10\.0\.0\.0\/8"/)
    }
    expect(log).toEqual([])
  })

  it("converts between CIDR text and Go's IPNet JSON", () => {
    expect(ipNetJson('127.0.0.0/8')).toEqual({ IP: '127.0.0.0', Mask: '/wAAAA==' })
    expect(ipNetJson('0.0.0.0/0')).toEqual({ IP: '0.0.0.0', Mask: 'AAAAAA==' })
    expect(ipNetJson('bad')).toBeNull()
    // A 16-byte mask whose first 96 bits are set fits an IPv4 address, as in Go.
    const v4In16 = Buffer.from([...new Array(12).fill(255), 255, 255, 0, 0]).toString('base64')
    expect(ipNetFromJson({ IP: '10.1.2.3', Mask: v4In16 })).toEqual({
      bytes: Uint8Array.from([10, 1, 0, 0]),
      prefixLength: 16,
    })
  })

  it('opp2p_protectPeer / unprotectPeer take a peer ID', async () => {
    const { s, log } = source()
    const api = createP2pApi(s, { chainId: CHAIN_ID })
    expect((await call(api, 'opp2p_protectPeer', [A])).result).toBeNull()
    expect((await call(api, 'opp2p_unprotectPeer', [A])).result).toBeNull()
    expect((await call(api, 'opp2p_protectPeer', ['nope'])).error?.code).toBe(-32602)
    expect((await call(api, 'opp2p_unprotectPeer', [])).error?.code).toBe(-32602)
    expect(log).toEqual([`protect ${A}`, `unprotect ${A}`])
  })

  it('opp2p_discoveryTable: the records as enr: text, "discovery disabled" when off', async () => {
    const { s, setTable } = source()
    const api = createP2pApi(s, { chainId: CHAIN_ID })
    expect((await call(api, 'opp2p_discoveryTable')).result).toEqual(['enr:-one', 'enr:-two'])
    setTable([])
    expect((await call(api, 'opp2p_discoveryTable')).result).toEqual([])
    setTable(null)
    expect((await call(api, 'opp2p_discoveryTable')).error).toEqual({
      code: -32000,
      message: 'discovery disabled',
    })
    expect((await call(api, 'opp2p_discoveryTable', [true])).error?.code).toBe(-32602)
  })

  it("gives op-node's errors when the source has no gater, connection manager or discovery", async () => {
    const { s } = source()
    const bare: P2pStatusSource = {
      self: s.self,
      peers: s.peers,
      peerCount: s.peerCount,
      bans: s.bans,
      blockPeer: s.blockPeer,
      unblockPeer: s.unblockPeer,
      connectPeer: s.connectPeer,
      disconnectPeer: s.disconnectPeer,
    }
    const api = createP2pApi(bare, { chainId: CHAIN_ID })
    const gater = { code: -32000, message: 'no connection gater' }
    expect((await call(api, 'opp2p_blockAddr', ['1.2.3.4'])).error).toEqual(gater)
    expect((await call(api, 'opp2p_unblockAddr', ['1.2.3.4'])).error).toEqual(gater)
    expect((await call(api, 'opp2p_listBlockedAddrs')).error).toEqual(gater)
    expect((await call(api, 'opp2p_blockSubnet', ['1.0.0.0/8'])).error).toEqual(gater)
    expect((await call(api, 'opp2p_unblockSubnet', ['1.0.0.0/8'])).error).toEqual(gater)
    expect((await call(api, 'opp2p_listBlockedSubnets')).error).toEqual(gater)
    const manager = { code: -32000, message: 'no connection manager' }
    expect((await call(api, 'opp2p_protectPeer', [A])).error).toEqual(manager)
    expect((await call(api, 'opp2p_unprotectPeer', [A])).error).toEqual(manager)
    expect((await call(api, 'opp2p_discoveryTable')).error?.message).toBe('discovery disabled')
    const dump = (await call(api, 'opp2p_peers', [true])).result
    expect([dump.bannedIPS, dump.bannedSubnets]).toEqual([[], []])
  })

  it('a host-side failure (the block list is full) is a server error with its message', async () => {
    const { s } = source()
    s.blockAddr = () => {
      throw new Error('cannot block 1.2.3.4: 1000 IP addresses are blocked already (the limit)')
    }
    const api = createP2pApi(s, { chainId: CHAIN_ID })
    expect((await call(api, 'opp2p_blockAddr', ['1.2.3.4'])).error).toEqual({
      code: -32000,
      message: 'cannot block 1.2.3.4: 1000 IP addresses are blocked already (the limit)',
    })
  })
})
