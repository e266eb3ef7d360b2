/**
 * The network plans' attacker slots (`bench attack`) and the per-IP defences a devnet node runs
 * with on each plan: pure parts, no namespaces created (test/e2e/networkAttackers.test.ts sets a
 * plan up for real).
 */
import { describe, expect, it } from 'vitest'
import {
  loopbackNetwork,
  MAX_NETNS_ATTACKERS,
  NETNS_ATTACKER_SUBNET_PREFIX,
  netnsNetwork,
} from '../../../src/devnet/network.ts'
import { devnetNodeOptions } from '../../../src/devnet/nodeRunner.ts'
import {
  devnetPerIpOptions,
  LOOPBACK_INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
} from '../../../src/devnet/perIpOptions.ts'
import {
  DEFAULT_INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
  defaultGossipHostOptions,
} from '../../../src/gossip/options.ts'
import { nodeProcessConfig } from '../../utils/nodeProcessConfig.ts'

const config = nodeProcessConfig({ index: 1, bootnodes: [] })

describe('devnet / network plans with attackers', () => {
  it('loopback: every attacker is a plain process on 127.0.0.1', () => {
    const plan = loopbackNetwork()
    expect(plan.attackers).toBeGreaterThanOrEqual(64)
    expect(plan.attackerIp(7)).toBe('127.0.0.1')
    expect(plan.attackerCommand(7, ['child.ts'])).toEqual({
      command: process.execPath,
      args: ['child.ts'],
    })
  })

  it('netns: attacker a runs in its own namespace with .(a + 1) of the attacker subnet', () => {
    const plan = netnsNetwork(null, { attackers: 2 })
    expect(plan.kind).toBe('netns')
    expect(plan.attackers).toBe(2)
    expect(plan.description).toContain(`2 attackers in ${NETNS_ATTACKER_SUBNET_PREFIX}0/24`)
    expect(plan.attackerIp(0)).toBe('10.213.2.1')
    expect(plan.attackerIp(1)).toBe('10.213.2.2')
    // Attackers are outside the honest nodes' subnet (the queue's per-subnet share tells apart).
    expect(plan.listenIp(1)).toBe('10.213.1.2')
    expect(plan.attackerCommand(1, ['child.ts'])).toEqual({
      command: 'ip',
      args: ['netns', 'exec', `opg-${process.pid}-a1`, process.execPath, 'child.ts'],
    })
    expect(() => plan.attackerIp(2)).toThrow(RangeError)
    expect(() => plan.attackerCommand(-1, [])).toThrow(RangeError)
    expect(netnsNetwork(null).attackers).toBe(0)
    expect(() => netnsNetwork(null).attackerIp(0)).toThrow(RangeError)
  })

  it('holds MAX_NETNS_ATTACKERS attackers, the last at .250; one more is refused before any setup', async () => {
    const atLimit = netnsNetwork(null, { attackers: MAX_NETNS_ATTACKERS })
    expect(atLimit.attackerIp(MAX_NETNS_ATTACKERS - 1)).toBe('10.213.2.250')
    const past = netnsNetwork(null, { attackers: MAX_NETNS_ATTACKERS + 1 })
    await expect(past.setup(2)).rejects.toThrow(RangeError)
  })
})

describe('devnet / per-IP defences by network', () => {
  it('loopback (every node 127.0.0.1): colocation off, inbound connections per IP raised', () => {
    expect(devnetPerIpOptions('127.0.0.1')).toEqual({
      ipColocation: false,
      inboundConnectionsPerIpPerSecond: LOOPBACK_INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
    })
    expect(devnetPerIpOptions('::1').ipColocation).toBe(false)
  })

  it("an address of its own (netns): production's per-IP defaults", () => {
    expect(defaultGossipHostOptions.ipColocation).toBe(true)
    expect(devnetPerIpOptions('10.213.1.3')).toEqual({
      ipColocation: true,
      inboundConnectionsPerIpPerSecond: DEFAULT_INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
    })
    const gossip = devnetNodeOptions({ ...config, listenIp: '10.213.1.3' }, null).gossip
    expect(gossip.ipColocation).toBe(true)
    expect(gossip.inboundConnectionsPerIpPerSecond).toBe(
      DEFAULT_INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
    )
    expect(devnetNodeOptions(config, null).gossip.ipColocation).toBe(false)
  })
})
