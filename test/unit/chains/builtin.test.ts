import { describe, expect, it } from 'vitest'
import { base } from '../../../src/chains/base.ts'
import { BASE_BOOTNODE_ENRS, OP_NODE_DEFAULT_BOOTNODES } from '../../../src/chains/bootnodes.ts'
import {
  BUILTIN_CHAINS,
  getBuiltinChain,
  getBuiltinChainById,
} from '../../../src/chains/builtin.ts'
import { createDevnetChain, DEVNET_CHAIN_ID } from '../../../src/chains/devnet.ts'
import { FORK_NAMES } from '../../../src/chains/types.ts'
import { blockVersionAt } from '../../../src/wire/topics.ts'

describe('chains / builtin', () => {
  it('has the four chains with their ids, by name and by id', () => {
    expect(BUILTIN_CHAINS.map((c) => [c.name, c.chainId])).toEqual([
      ['op-mainnet', 10],
      ['base', 8453],
      ['op-sepolia', 11155420],
      ['base-sepolia', 84532],
    ])
    for (const c of BUILTIN_CHAINS) {
      expect(getBuiltinChain(c.name)).toBe(c)
      expect(getBuiltinChainById(c.chainId)).toBe(c)
    }
    expect(getBuiltinChain('optimism')).toBeUndefined()
    expect(getBuiltinChainById(1)).toBeUndefined()
  })

  it.each(BUILTIN_CHAINS)(
    '$name: fork times never go backwards and none is unset before a set one',
    (chain) => {
      let last = -1
      let sawNull = false
      for (const fork of FORK_NAMES) {
        const t = chain.forks[fork]
        if (t === null) {
          sawNull = true
          continue
        }
        expect(sawNull, `${fork} set after an unset fork`).toBe(false)
        expect(t).toBeGreaterThanOrEqual(last)
        last = t
      }
    },
  )

  it.each(BUILTIN_CHAINS)(
    '$name: addresses and hashes are well formed, unconfirmed paths exist',
    (chain) => {
      expect(chain.blockTime).toBe(2)
      expect(chain.systemConfig).toMatch(/^0x[0-9a-fA-F]{40}$/)
      expect(chain.unsafeBlockSigner).toMatch(/^0x[0-9a-fA-F]{40}$/)
      expect(chain.genesis?.l2Hash).toMatch(/^0x[0-9a-f]{64}$/)
      expect(chain.genesis?.l1?.hash).toMatch(/^0x[0-9a-f]{64}$/)
      expect(chain.bootnodes).toEqual(OP_NODE_DEFAULT_BOOTNODES)
      expect(chain.unconfirmed).toContain('unsafeBlockSigner')
      for (const path of chain.unconfirmed ?? []) {
        const value = path
          .split('.')
          .reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], chain)
        expect(value, path).not.toBeUndefined()
      }
    },
  )

  it('OP Mainnet topic windows match the spec example (op-gossip.md §10)', () => {
    const op = getBuiltinChain('op-mainnet')!
    expect(blockVersionAt(op, 1704992400)).toBe(1)
    expect(blockVersionAt(op, 1704992401)).toBe(2)
    expect(blockVersionAt(op, 1710374400)).toBe(2)
    expect(blockVersionAt(op, 1710374401)).toBe(3)
    expect(blockVersionAt(op, 1746806400)).toBe(3)
    expect(blockVersionAt(op, 1746806401)).toBe(4)
  })

  it('Base marks the unknown Karst time and its block time as unconfirmed', () => {
    expect(base.forks.karst).toBeNull()
    expect(base.unconfirmed).toEqual(expect.arrayContaining(['forks.karst', 'blockTime']))
  })

  it('Base and Base Sepolia say which of their forks are not verified; OP chains say nothing', () => {
    for (const name of ['base', 'base-sepolia']) {
      const warning = BUILTIN_CHAINS.find((c) => c.name === name)?.verificationWarning ?? ''
      for (const word of [
        'left the OP Stack',
        'through Jovian',
        'Azul',
        'Beryl',
        'Denim',
        'BaseTime',
      ])
        expect(warning, name).toContain(word)
    }
    expect(base.verificationWarning).toContain('2026-06-25T18:00:00Z')
    for (const chain of BUILTIN_CHAINS.filter((c) => !c.name.startsWith('base'))) {
      expect(chain.verificationWarning, chain.name).toBeUndefined()
    }
  })

  it("takes op-node's network names as well as its own", () => {
    for (const [name, ours] of [
      ['op-mainnet', 'op-mainnet'],
      ['op-sepolia', 'op-sepolia'],
      ['base-mainnet', 'base'],
      ['base-sepolia', 'base-sepolia'],
      ['base', 'base'],
    ]) {
      expect(getBuiltinChain(name as string)?.name, name).toBe(ours)
    }
    expect(getBuiltinChain('base-goerli')).toBeUndefined()
  })

  it('the default bootnode list carries five Base ENRs and eight enodes', () => {
    expect(BASE_BOOTNODE_ENRS).toHaveLength(5)
    expect(OP_NODE_DEFAULT_BOOTNODES.filter((b) => b.startsWith('enode://'))).toHaveLength(8)
  })
})

describe('chains / devnet', () => {
  it('activates every fork through Isthmus at genesis and nothing later', () => {
    const chain = createDevnetChain()
    expect(chain.chainId).toBe(DEVNET_CHAIN_ID)
    expect(chain.bootnodes).toEqual([])
    for (const fork of FORK_NAMES) {
      expect(chain.forks[fork]).toBe(['jovian', 'karst'].includes(fork) ? null : 0)
    }
    expect(blockVersionAt(chain, 0)).toBe(4)
  })

  it('takes overrides', () => {
    const chain = createDevnetChain({
      chainId: 902,
      blockTime: 1,
      forks: { jovian: 0 },
      unsafeBlockSigner: '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
    })
    expect(chain).toMatchObject({
      chainId: 902,
      blockTime: 1,
      unsafeBlockSigner: '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
    })
    expect(chain.forks.jovian).toBe(0)
    expect(chain.forks.karst).toBeNull()
  })
})
