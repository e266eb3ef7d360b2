import { describe, expect, it } from 'vitest'
import { type ChainConfig, FORK_NAMES, type ForkTimes } from '../../../src/chains/types.ts'
import {
  allBlocksTopics,
  blocksTopic,
  blockVersionAt,
  parseBlocksTopic,
} from '../../../src/wire/topics.ts'
import { BLOCK_VERSIONS, type BlockVersion } from '../../../src/wire/types.ts'

function chain(chainId: number, forks: Partial<ForkTimes>): ChainConfig {
  const all = Object.fromEntries(FORK_NAMES.map((f) => [f, null])) as ForkTimes
  return {
    name: `chain-${chainId}`,
    chainId,
    blockTime: 2,
    forks: { ...all, regolith: 0, ...forks },
  }
}

/** Fork times from op-gossip.md §10 (superchain registry). */
const CHAINS = {
  'op-mainnet': chain(10, { canyon: 1704992401, ecotone: 1710374401, isthmus: 1746806401 }),
  base: chain(8453, { canyon: 1704992401, ecotone: 1710374401, isthmus: 1746806401 }),
  'op-sepolia': chain(11155420, { canyon: 1699981200, ecotone: 1708534800, isthmus: 1744905600 }),
  'base-sepolia': chain(84532, { canyon: 1699981200, ecotone: 1708534800, isthmus: 1744905600 }),
}

describe('wire / topics', () => {
  it('names topics /optimism/<chainId>/<version-1>/blocks', () => {
    expect(blocksTopic(10, 1)).toBe('/optimism/10/0/blocks')
    expect(blocksTopic(10, 4)).toBe('/optimism/10/3/blocks')
    expect(blocksTopic(8453, 4)).toBe('/optimism/8453/3/blocks')
    expect(blocksTopic(11155420, 4)).toBe('/optimism/11155420/3/blocks')
    expect(blocksTopic(84532, 4)).toBe('/optimism/84532/3/blocks')
  })

  it('lists all four topics in v1..v4 order', () => {
    expect(allBlocksTopics(10)).toEqual([
      '/optimism/10/0/blocks',
      '/optimism/10/1/blocks',
      '/optimism/10/2/blocks',
      '/optimism/10/3/blocks',
    ])
  })

  it('parses exactly what blocksTopic produces', () => {
    for (const chainId of [0, 10, 8453, 11155420, 84532, Number.MAX_SAFE_INTEGER]) {
      for (const version of BLOCK_VERSIONS) {
        expect(parseBlocksTopic(blocksTopic(chainId, version))).toEqual({ chainId, version })
      }
    }
  })

  it('rejects anything else', () => {
    const bad = [
      '',
      '/optimism/10/4/blocks',
      '/optimism/10/-1/blocks',
      '/optimism/010/3/blocks',
      '/optimism/+10/3/blocks',
      '/optimism/0x0a/3/blocks',
      '/optimism/10/3/blocks/',
      '/optimism/10/3/block',
      '/optimism//3/blocks',
      'optimism/10/3/blocks',
      '/optimism/10/03/blocks',
      ' /optimism/10/3/blocks',
      '/optimism/10/3/blocks\n',
      '/optimism/9007199254740992/3/blocks',
      '/eth2/10/3/blocks',
    ]
    for (const t of bad) expect(parseBlocksTopic(t), JSON.stringify(t)).toBeNull()
  })

  for (const [name, c] of Object.entries(CHAINS)) {
    it(`${name}: Isthmus → 4, Ecotone → 3, Canyon → 2, else 1, at and around each activation`, () => {
      const { canyon, ecotone, isthmus } = c.forks as {
        canyon: number
        ecotone: number
        isthmus: number
      }
      const cases: [number, BlockVersion][] = [
        [0, 1],
        [canyon - 1, 1],
        [canyon, 2],
        [ecotone - 1, 2],
        [ecotone, 3],
        [isthmus - 1, 3],
        [isthmus, 4],
        [isthmus + 10 ** 9, 4],
      ]
      for (const [t, version] of cases) {
        expect(blockVersionAt(c, t), `t=${t}`).toBe(version)
        expect(blockVersionAt(c, BigInt(t)), `t=${t}n`).toBe(version)
      }
    })
  }

  it('unscheduled forks (null) never activate; zero means from genesis', () => {
    expect(blockVersionAt(chain(1, {}), 2 ** 40)).toBe(1)
    expect(blockVersionAt(chain(1, { canyon: 0, ecotone: 0, isthmus: 0 }), 0)).toBe(4)
    expect(blockVersionAt(chain(1, { canyon: 0, ecotone: 0 }), 0)).toBe(3)
    expect(blockVersionAt(chain(1, { canyon: 100 }), 99)).toBe(1)
  })
})
