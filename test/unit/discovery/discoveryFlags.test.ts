import { describe, expect, it } from 'vitest'
import { OP_NODE_DEFAULT_BOOTNODES } from '../../../src/chains/bootnodes.ts'
import { getBuiltinChain } from '../../../src/chains/builtin.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { BootnodeError } from '../../../src/discovery/bootnodes.ts'
import {
  DEFAULT_DISCOVERY_PATH,
  DiscoveryFlagError,
  parseDiscoveryFlags,
} from '../../../src/discovery/discoveryFlags.ts'

const op = getBuiltinChain('op-mainnet')!
const devnet = createDevnetChain()
const ENODE =
  'enode://869d07b5932f17e8490990f75a3f94195e9504ddb6b85f7189e5a9c0a8fff8b00aecf6f3ac450ecba6cdabdb5858788a94bde2b613e0f2d82e9b395355f76d1a@127.0.0.1:30305'

describe('discovery / discoveryFlags', () => {
  it('defaults: enabled, OS-chosen UDP port, table file, the chain bootnodes', () => {
    expect(parseDiscoveryFlags({}, op)).toEqual({
      enabled: true,
      options: {
        listenUdpPort: 0,
        tablePath: DEFAULT_DISCOVERY_PATH,
        bootnodes: [...OP_NODE_DEFAULT_BOOTNODES],
      },
    })
    expect(parseDiscoveryFlags({}, devnet).options.bootnodes).toEqual([])
  })

  it('maps every flag', () => {
    const parsed = parseDiscoveryFlags(
      {
        'p2p.listen.udp': '9222',
        'p2p.advertise.ip': '203.0.113.9',
        'p2p.advertise.tcp': '19222',
        'p2p.advertise.udp': '19223',
        'p2p.noDiscovery': true,
        'p2p.discovery.path': 'memory',
        'p2p.bootnodes': `${ENODE},default`,
      },
      devnet,
    )
    expect(parsed.enabled).toBe(false)
    expect(parsed.options).toEqual({
      listenUdpPort: 9222,
      advertiseIp: '203.0.113.9',
      advertiseTcpPort: 19222,
      advertiseUdpPort: 19223,
      bootnodes: [ENODE, ...OP_NODE_DEFAULT_BOOTNODES],
    })
  })

  it.each([
    [{ 'p2p.listen.udp': '65536' }, '--p2p.listen.udp'],
    [{ 'p2p.listen.udp': '-1' }, '--p2p.listen.udp'],
    [{ 'p2p.advertise.tcp': 'x' }, '--p2p.advertise.tcp'],
    [{ 'p2p.advertise.ip': 'example.com' }, '--p2p.advertise.ip'],
  ])('%j is an error naming %s', (flags, name) => {
    expect(() => parseDiscoveryFlags(flags, op)).toThrow(DiscoveryFlagError)
    expect(() => parseDiscoveryFlags(flags, op)).toThrow(name)
  })

  it('checks bootnode syntax without DNS', () => {
    expect(() => parseDiscoveryFlags({ 'p2p.bootnodes': 'enode://abc@1.2.3.4:1' }, op)).toThrow(
      BootnodeError,
    )
  })
})
