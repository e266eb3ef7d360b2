import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENR } from '@chainsafe/enr'
import { describe, expect, it } from 'vitest'
import { BASE_BOOTNODE_ENRS } from '../../../src/chains/bootnodes.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { serializeRollupConfig } from '../../../src/chains/rollupConfig.ts'
import { runCli } from '../../utils/cli.ts'

describe('e2e / cli / enr', () => {
  it("decodes Base's bootnode ENR: chain 8453, version 0, TCP 9222", async () => {
    const { code, stdout } = await runCli(['enr', BASE_BOOTNODE_ENRS[0]!])
    expect(code).toBe(0)
    const out = JSON.parse(stdout)
    expect(out).toMatchObject({
      chainId: 8453,
      version: 0,
      ip: '3.231.138.188',
      tcp: 9222,
      udp: 9222,
      peerId: '16Uiu2HAm4wN4epAyuj82ix2QC1Uc2vQd833szwvsNpLqhubPz8xa',
      multiaddr:
        '/ip4/3.231.138.188/tcp/9222/p2p/16Uiu2HAm4wN4epAyuj82ix2QC1Uc2vQd833szwvsNpLqhubPz8xa',
    })
  })

  it('rejects a broken record with exit status 2 and one line', async () => {
    const { code, stdout, stderr } = await runCli([
      'enr',
      `${BASE_BOOTNODE_ENRS[0]!.slice(0, -4)}AAAA`,
    ])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toBe(
      'op-gossip: not a valid ENR: its signature does not match its contents (the record was altered)\n',
    )
  })

  it("prints this node's ENR from the key file (created 0600), the chain and the address flags", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enr-cli-'))
    const args = ['enr', '--network', 'op-sepolia', '--p2p.priv.path', 'key.txt']
    const addr = [
      '--p2p.advertise.ip',
      '203.0.113.7',
      '--p2p.listen.tcp',
      '9333',
      '--p2p.listen.udp',
      '9334',
    ]
    const first = await runCli([...args, ...addr], { cwd: dir })
    expect(first.code).toBe(0)
    expect(first.stderr).toContain('created a new node key')
    expect(statSync(join(dir, 'key.txt')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(dir, 'key.txt'), 'utf8')).toMatch(/^[0-9a-f]{64}$/)
    const enr = ENR.decodeTxt(first.stdout.trim())
    expect(enr.ip).toBe('203.0.113.7')
    expect(enr.tcp).toBe(9333)
    expect(enr.udp).toBe(9334)
    expect(Buffer.from(enr.kvs.get('opstack')!).toString('hex')).toBe('dcefa80500')

    // Same key on the next run; --json decodes it.
    const second = await runCli([...args, ...addr, '--json'], { cwd: dir })
    expect(second.code).toBe(0)
    const json = JSON.parse(second.stdout)
    expect(json).toMatchObject({
      chainId: 11155420,
      version: 0,
      ip: '203.0.113.7',
      tcp: 9333,
      udp: 9334,
    })
    expect(json.peerId).toBe(enr.peerId.toString())
  })

  it('takes the chain from --rollup.config and refuses a missing or unknown chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enr-cli-'))
    writeFileSync(
      join(dir, 'rollup.json'),
      serializeRollupConfig(
        createDevnetChain({ genesis: { l2Time: 1, l2Number: 0, l2Hash: `0x${'11'.repeat(32)}` } }),
      ),
    )
    const ok = await runCli(
      ['enr', '--rollup.config', 'rollup.json', '--p2p.priv.path', 'k', '--json'],
      { cwd: dir },
    )
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({
      chainId: 901,
      version: 0,
      tcp: 9222,
      udp: null,
      ip: null,
    })

    const none = await runCli(['enr', '--p2p.priv.path', 'k'], { cwd: dir })
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('--network')
    const unknown = await runCli(['enr', '--network', 'optimism', '--p2p.priv.path', 'k'], {
      cwd: dir,
    })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown --network optimism')
  })
})
