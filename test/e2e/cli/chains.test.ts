import { describe, expect, it } from 'vitest'
import { FORK_NAMES } from '../../../src/chains/types.ts'
import { runCli } from '../../utils/cli.ts'

describe('e2e / cli / chains', () => {
  it('--json prints the four chains with topics, forks, signer and SystemConfig', async () => {
    const { code, stdout } = await runCli(['chains', '--json'])
    expect(code).toBe(0)
    const chains = JSON.parse(stdout) as Array<Record<string, unknown>>
    expect(chains.map((c) => [c.name, c.chainId])).toEqual([
      ['op-mainnet', 10],
      ['base', 8453],
      ['op-sepolia', 11155420],
      ['base-sepolia', 84532],
    ])
    const base = chains[1]!
    expect(base.blockTime).toBe(2)
    expect(base.topics).toEqual([
      '/optimism/8453/0/blocks',
      '/optimism/8453/1/blocks',
      '/optimism/8453/2/blocks',
      '/optimism/8453/3/blocks',
    ])
    expect(Object.keys(base.forks as object)).toEqual([...FORK_NAMES])
    expect((base.forks as Record<string, unknown>).isthmus).toBe(1746806401)
    expect((base.forks as Record<string, unknown>).karst).toBeNull()
    expect(base.unsafeBlockSigner).toBe('0xAf6E19BE0F9cE7f8afd49a1824851023A8249e8a')
    expect(base.systemConfig).toBe('0x73a79Fab69143498Ed3712e519A88a918e1f4072')
    expect(base.unconfirmed).toContain('forks.karst')
  })

  it('without --json prints a readable listing that flags unconfirmed values', async () => {
    const { code, stdout } = await runCli(['chains'])
    expect(code).toBe(0)
    expect(stdout).toContain('op-sepolia  chain id 11155420')
    expect(stdout).toContain('/optimism/11155420/3/blocks')
    expect(stdout).toMatch(/karst\s+not scheduled\s+\(unconfirmed\)/)
  })
})
