import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { opSepolia } from '../../../src/chains/opSepolia.ts'
import {
  loadRollupConfigFile,
  MAX_ROLLUP_CONFIG_SIZE_BYTES,
  parseRollupConfig,
  RollupConfigError,
  serializeRollupConfig,
} from '../../../src/chains/rollupConfig.ts'

const FIXTURE = new URL('../../fixtures/op-sepolia-rollup.json', import.meta.url).pathname
const fixture = (): Record<string, unknown> => JSON.parse(readFileSync(FIXTURE, 'utf8'))

/** Runs fn and returns the RollupConfigError it throws. */
function rollupError(fn: () => unknown): RollupConfigError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(RollupConfigError)
    return err as RollupConfigError
  }
  throw new Error('expected a RollupConfigError')
}

function without(obj: Record<string, unknown>, path: string): Record<string, unknown> {
  const keys = path.split('.')
  let o = obj
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>
  delete o[keys[keys.length - 1]!]
  return obj
}

function withValue(
  obj: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const keys = path.split('.')
  let o = obj
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>
  o[keys[keys.length - 1]!] = value
  return obj
}

describe('chains / rollupConfig', () => {
  it('reads OP Sepolia rollup.json into the same forks, genesis and addresses as the built-in chain', () => {
    const chain = loadRollupConfigFile(FIXTURE)
    expect(chain.name).toBe('op-sepolia')
    expect(chain.chainId).toBe(11155420)
    expect(chain.l1ChainId).toBe(11155111)
    expect(chain.blockTime).toBe(2)
    expect(chain.forks).toEqual({ ...opSepolia.forks, karst: null })
    expect(chain.genesis).toEqual(opSepolia.genesis)
    expect(chain.systemConfig).toBe(opSepolia.systemConfig!.toLowerCase())
    // Inherited from the built-in chain of the same id.
    expect(chain.unsafeBlockSigner).toBe(opSepolia.unsafeBlockSigner)
    expect(chain.bootnodes).toEqual(opSepolia.bootnodes)
  })

  it('a chain id that is not built in is "custom" with no bootnodes or signer', () => {
    const chain = parseRollupConfig(withValue(fixture(), 'l2_chain_id', 4242))
    expect(chain.name).toBe('custom')
    expect(chain.bootnodes).toBeUndefined()
    expect(chain.unsafeBlockSigner).toBeUndefined()
    expect(
      parseRollupConfig(withValue(fixture(), 'l2_chain_id', 4242), { name: 'mine' }).name,
    ).toBe('mine')
  })

  it('ignores fields it does not use, including unknown ones', () => {
    const json = {
      ...fixture(),
      alt_da: { da_commitment_type: 'KeccakCommitment' },
      something_new: [1, 2],
    }
    expect(parseRollupConfig(json).chainId).toBe(11155420)
  })

  it('treats absent and null fork times as unscheduled, and a zero SystemConfig as unknown', () => {
    const json = without(fixture(), 'jovian_time')
    json.isthmus_time = null
    json.l1_system_config_address = `0x${'0'.repeat(40)}`
    const chain = parseRollupConfig(json)
    expect(chain.forks.isthmus).toBeNull()
    expect(chain.forks.jovian).toBeNull()
    expect(chain.systemConfig).toBeUndefined()
  })

  it.each([
    'l2_chain_id',
    'block_time',
    'genesis',
    'genesis.l2',
    'genesis.l2.hash',
    'genesis.l2.number',
    'genesis.l2_time',
  ])('missing %s is an error naming it', (field) => {
    const err = rollupError(() => parseRollupConfig(without(fixture(), field)))
    expect(err.code).toBe('ROLLUP_CONFIG_MISSING_FIELD')
    expect(err.field).toBe(field)
    expect(err.message).toContain(field)
  })

  it.each([
    ['l2_chain_id', '11155420'],
    ['l2_chain_id', 0],
    ['l2_chain_id', -1],
    ['l2_chain_id', 1.5],
    ['block_time', 0],
    ['block_time', '2'],
    ['canyon_time', 'soon'],
    ['canyon_time', 2 ** 60],
    ['genesis', 'x'],
    ['genesis.l2.hash', '0x1234'],
    ['genesis.l2.number', '0'],
    ['genesis.l2_time', 0],
    ['genesis.l1.hash', 42],
    ['l1_chain_id', 'sepolia'],
    ['l1_system_config_address', '0x034edd2a'],
  ])('%s = %j is an error naming the field', (field, value) => {
    const err = rollupError(() => parseRollupConfig(withValue(fixture(), field, value)))
    expect(err.code).toBe('ROLLUP_CONFIG_BAD_FIELD')
    expect(err.field).toBe(field)
  })

  it('rejects a fork scheduled after an unset earlier fork or before an earlier one', () => {
    let err = rollupError(() => parseRollupConfig(withValue(fixture(), 'ecotone_time', null)))
    expect(err.field).toBe('fjord_time')
    expect(err.message).toContain('ecotone_time')
    err = rollupError(() => parseRollupConfig(withValue(fixture(), 'delta_time', 1708534801)))
    expect(err.field).toBe('ecotone_time')
  })

  it('rejects non-objects', () => {
    expect(rollupError(() => parseRollupConfig([1])).code).toBe('ROLLUP_CONFIG_BAD_JSON')
    expect(rollupError(() => parseRollupConfig(null)).code).toBe('ROLLUP_CONFIG_BAD_JSON')
  })

  it('file errors: unreadable, not JSON, and the size limit at and past MAX_ROLLUP_CONFIG_SIZE_BYTES', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollup-'))
    expect(rollupError(() => loadRollupConfigFile(join(dir, 'nope.json'))).code).toBe(
      'ROLLUP_CONFIG_READ_FAILED',
    )
    writeFileSync(join(dir, 'bad.json'), '{"l2_chain_id": ')
    expect(rollupError(() => loadRollupConfigFile(join(dir, 'bad.json'))).code).toBe(
      'ROLLUP_CONFIG_BAD_JSON',
    )

    const text = JSON.stringify(fixture())
    const atLimit = `${text.slice(0, -1)}${' '.repeat(MAX_ROLLUP_CONFIG_SIZE_BYTES - text.length)}}`
    expect(Buffer.byteLength(atLimit)).toBe(MAX_ROLLUP_CONFIG_SIZE_BYTES)
    writeFileSync(join(dir, 'at.json'), atLimit)
    expect(loadRollupConfigFile(join(dir, 'at.json')).chainId).toBe(11155420)
    writeFileSync(join(dir, 'past.json'), `${atLimit} `)
    expect(rollupError(() => loadRollupConfigFile(join(dir, 'past.json'))).code).toBe(
      'ROLLUP_CONFIG_TOO_LARGE',
    )
  })

  it('serializes a devnet chain into a rollup.json that reads back to the same chain', () => {
    const chain = createDevnetChain({
      genesis: { l2Time: 1_700_000_000, l2Number: 0, l2Hash: `0x${'ab'.repeat(32)}` },
      systemConfig: '0x1111111111111111111111111111111111111111',
    })
    const json = JSON.parse(serializeRollupConfig(chain))
    // The fields op-node's Config.Check() requires are present and non-zero.
    expect(json.block_time).toBe(2)
    expect(json.seq_window_size).toBeGreaterThanOrEqual(2)
    expect(json.channel_timeout).toBeGreaterThan(0)
    expect(json.max_sequencer_drift).toBeGreaterThan(0)
    expect(json.genesis.system_config.gasLimit).toBeGreaterThan(0)
    expect(json.genesis.l1.hash).not.toBe(json.genesis.l2.hash)
    expect(json.batch_inbox_address).toBe('0xff00000000000000000000000000000000000901')
    expect(json.deposit_contract_address).not.toBe(`0x${'0'.repeat(40)}`)
    expect(json.l1_chain_id).not.toBe(json.l2_chain_id)
    expect(json.isthmus_time).toBe(0)
    expect('jovian_time' in json).toBe(false)
    expect('karst_time' in json).toBe(false)
    expect('minBaseFee' in json.genesis.system_config).toBe(false)

    const back = parseRollupConfig(json, { name: 'devnet' })
    expect(back).toEqual({
      name: 'devnet',
      chainId: 901,
      l1ChainId: 900,
      blockTime: 2,
      forks: chain.forks,
      genesis: { ...chain.genesis, l1: json.genesis.l1 },
      systemConfig: chain.systemConfig,
    })
  })

  it('writes Jovian fields only when Jovian is scheduled, and needs a genesis', () => {
    const chain = createDevnetChain({
      forks: { jovian: 0 },
      genesis: { l2Time: 1, l2Number: 0, l2Hash: `0x${'cd'.repeat(32)}` },
    })
    const json = JSON.parse(serializeRollupConfig(chain, { gasLimit: 60_000_000 }))
    expect(json.jovian_time).toBe(0)
    expect(json.genesis.system_config.minBaseFee).toBe(0)
    expect(json.genesis.system_config.gasLimit).toBe(60_000_000)
    expect(rollupError(() => serializeRollupConfig(createDevnetChain())).field).toBe('genesis')
  })
})
