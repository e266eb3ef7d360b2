import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { loadRollupConfigFile } from '../../../src/chains/rollupConfig.ts'
import { writeDevnetDirectory } from '../../../src/devnet/devnetDirectory.ts'
import { devnetGenesis } from '../../../src/devnet/devnetPlan.ts'
import { parsePeerKey } from '../../../src/gossip/peerIdentity.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('devnet / devnetDirectory', () => {
  it('writes a rollup.json op-gossip reads back, the peer list, keys (0600) and a manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opg-devnetdir-'))
    dirs.push(dir)
    const genesis = devnetGenesis(901, 1_800_000_000)
    const chain = createDevnetChain({
      blockTime: 1,
      genesis: genesis!,
      unsafeBlockSigner: `0x${'12'.repeat(20)}`,
    })
    const key = (b: number) => new Uint8Array(32).fill(b)
    // an old key file with loose permissions is tightened
    const keysDir = join(dir, 'keys')
    writeDevnetDirectory(dir, {
      chain,
      signer: '0x00',
      signerKey: key(9),
      bootnode: 'x',
      nodes: [],
      jwtSecret: null,
    })
    chmodSync(join(keysDir, 'sequencer.key'), 0o644)
    writeFileSync(join(keysDir, 'sequencer.key'), 'old')
    const written = writeDevnetDirectory(dir, {
      chain,
      signer: `0x${'12'.repeat(20)}`,
      signerKey: key(7),
      bootnode: '/ip4/127.0.0.1/tcp/1000/p2p/A',
      nodes: [
        {
          index: 0,
          role: 'sequencer',
          peerId: 'A',
          address: '/ip4/127.0.0.1/tcp/1000/p2p/A',
          pid: 10,
          peerKey: key(1),
          elUrl: null,
        },
        {
          index: 1,
          role: 'follower',
          peerId: 'B',
          address: '/ip4/127.0.0.1/tcp/1001/p2p/B',
          pid: 11,
          peerKey: key(2),
          elUrl: null,
        },
      ],
      jwtSecret: `0x${'33'.repeat(32)}`,
    })
    expect(written.length).toBe(9)
    const back = loadRollupConfigFile(join(dir, 'rollup.json'))
    expect(back.chainId).toBe(901)
    expect(back.blockTime).toBe(1)
    expect(back.genesis?.l2Hash).toBe(genesis?.l2Hash)
    expect(back.forks.isthmus).toBe(0)
    expect(readFileSync(join(dir, 'peers.txt'), 'utf8')).toBe(
      '/ip4/127.0.0.1/tcp/1000/p2p/A\n/ip4/127.0.0.1/tcp/1001/p2p/B\n',
    )
    const manifest = JSON.parse(readFileSync(join(dir, 'devnet.json'), 'utf8'))
    expect(manifest).toMatchObject({
      chainId: 901,
      bootnode: '/ip4/127.0.0.1/tcp/1000/p2p/A',
      topic: '/optimism/901/3/blocks',
    })
    expect(manifest.nodes[1]).toEqual({
      index: 1,
      role: 'follower',
      peerId: 'B',
      address: '/ip4/127.0.0.1/tcp/1001/p2p/B',
      pid: 11,
      elUrl: null,
    })
    expect(JSON.stringify(manifest)).not.toContain('0202020202')
    expect(parsePeerKey(readFileSync(join(keysDir, 'node-1.key'), 'utf8'))).toEqual(key(2))
    expect(readFileSync(join(keysDir, 'sequencer.key'), 'utf8')).toBe('07'.repeat(32))
    for (const f of ['sequencer.key', 'node-0.key', 'node-1.key', 'jwt.hex']) {
      expect(statSync(join(keysDir, f)).mode & 0o777).toBe(0o600)
    }
    expect(readFileSync(join(dir, 'JOIN.md'), 'utf8')).toContain('/ip4/127.0.0.1/tcp/1000/p2p/A')
  })
})
