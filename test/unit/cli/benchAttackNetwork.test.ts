/** `bench attack --network`: the flag's values and which plan each gives, with the probe's say. */
import { describe, expect, it } from 'vitest'
import { parseAttackNetwork, resolveAttackNetwork } from '../../../src/cli/commands/benchAttack.ts'
import { UsageError } from '../../../src/cli/usageError.ts'
import { OpGossipError } from '../../../src/util/errors.ts'

const works = async () => null
const noRoot = async () => 'an address per process needs root (network namespaces)'

describe('cli / bench attack --network', () => {
  it('accepts netns and loopback, leaves it open when not given, refuses anything else', () => {
    expect(parseAttackNetwork('netns')).toBe('netns')
    expect(parseAttackNetwork('loopback')).toBe('loopback')
    expect(parseAttackNetwork(undefined)).toBeUndefined()
    expect(() => parseAttackNetwork('wan')).toThrow(UsageError)
    expect(() => parseAttackNetwork('wan')).toThrow(/--network must be one of netns, loopback/)
  })

  it('default: netns with a slot per attacker when namespaces work', async () => {
    const warned: string[] = []
    const plan = await resolveAttackNetwork(undefined, 3, (l) => warned.push(l), works)
    expect(plan.kind).toBe('netns')
    expect(plan.attackers).toBe(3)
    expect(warned).toEqual([])
  })

  it('default: loopback with one line saying why when namespaces do not work', async () => {
    const warned: string[] = []
    const plan = await resolveAttackNetwork(undefined, 3, (l) => warned.push(l), noRoot)
    expect(plan.kind).toBe('loopback')
    expect(warned).toHaveLength(1)
    expect(warned[0]).toContain('needs root')
    expect(warned[0]).not.toContain('\n')
  })

  it('an explicit netns that cannot work is a runtime error; loopback never probes', async () => {
    const err = await resolveAttackNetwork('netns', 1, () => {}, noRoot).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpGossipError)
    expect((err as OpGossipError).kind).toBe('runtime')
    expect((err as OpGossipError).message).toContain('needs root')
    let probed = false
    const plan = await resolveAttackNetwork(
      'loopback',
      1,
      () => {},
      async () => {
        probed = true
        return null
      },
    )
    expect(plan.kind).toBe('loopback')
    expect(probed).toBe(false)
  })
})
