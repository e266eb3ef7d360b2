import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import {
  parseGenesisFlag,
  resolveElSimChain,
  resolveElSimPeers,
} from '../../../src/cli/commands/elSim.ts'
import { UsageError } from '../../../src/cli/usageError.ts'
import { createEngineClient } from '../../../src/engine/engineClient.ts'
import { buildTestChain, hashOf, JWT_SECRET } from './helpers.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const dir = mkdtempSync(join(tmpdir(), 'elsim-cli-'))
const secretFile = join(dir, 'jwt.hex')
writeFileSync(secretFile, `0x${Buffer.from(JWT_SECRET).toString('hex')}\n`)

const children: ChildProcessWithoutNullStreams[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGTERM')
})

function spawnCli(args: string[]) {
  const child = spawn(
    join(ROOT, 'node_modules/.bin/node'),
    [join(ROOT, 'bin/op-gossip.js'), 'el-sim', ...args],
    { cwd: ROOT },
  )
  children.push(child)
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)))
  return { child, stderr: () => stderr, exited }
}

describe('engine / op-gossip el-sim (CLI)', () => {
  it('serves the Engine API with JWT on the port it logs, and stops on SIGTERM', async () => {
    const t = buildTestChain(2)
    const genesis = `${t.genesis.hash}:0:${t.genesis.timestamp}`
    const run = spawnCli([
      '--port',
      '0',
      '--jwt-secret',
      secretFile,
      '--chain-id',
      '901',
      '--genesis',
      genesis,
      '--log-format',
      'json',
    ])
    let ready: { engine: string } | undefined
    for (let i = 0; i < 200 && ready === undefined; i++) {
      await new Promise((r) => setTimeout(r, 25))
      const line = run
        .stderr()
        .split('\n')
        .find((l) => l.includes('el-sim ready'))
      if (line !== undefined) ready = JSON.parse(line)
    }
    expect(ready?.engine).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const client = createEngineClient({ url: ready!.engine, jwtSecret: JWT_SECRET, chain: t.chain })
    expect(await client.chainId()).toBe(901)
    expect((await client.newPayload(t.blocks[0]!.envelope)).status).toBe('VALID')
    const fcu = await client.forkchoiceUpdated({
      headBlockHash: hashOf(t.blocks[0]!),
      safeBlockHash: t.genesis.hash,
      finalizedBlockHash: t.genesis.hash,
    })
    expect(fcu.payloadStatus.status).toBe('VALID')
    expect(run.stderr()).not.toContain(Buffer.from(JWT_SECRET).toString('hex'))
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
  })

  it('usage errors are one line with exit 2', async () => {
    const bad = join(dir, 'bad.hex')
    writeFileSync(bad, 'nothex')
    const cases: Array<[string[], RegExp]> = [
      [['--chain-id', '901'], /needs --jwt-secret FILE/],
      [
        ['--jwt-secret', bad, '--chain-id', '901'],
        /--jwt-secret: JWT secret file .* must be 64 hex characters/,
      ],
      [['--jwt-secret', secretFile, '--chain-id', '901', '--genesis', '0x12'], /--genesis hash/],
      [
        ['--jwt-secret', secretFile, '--chain-id', '901', '--no-peers', '--upstream', 'http://x:1'],
        /--no-peers cannot be used with --upstream/,
      ],
    ]
    const runs = cases.map(([args]) => spawnCli(args))
    const codes = await Promise.all(runs.map((r) => r.exited))
    cases.forEach(([, message], i) => {
      expect(codes[i]).toBe(2)
      expect(runs[i]!.stderr()).toMatch(message)
      expect(runs[i]!.stderr().trim().split('\n')).toHaveLength(1)
    })
  })

  it('chain from --chain-id (devnet forks), --chain or --rollup.config, checked against each other', () => {
    const devnet = resolveElSimChain({ chainId: '901' })
    expect(devnet.chainId).toBe(901)
    expect(devnet.forks.isthmus).toBe(0)
    expect(resolveElSimChain({ chain: 'op-mainnet' }).chainId).toBe(10)
    expect(resolveElSimChain({ chain: 'op-mainnet', chainId: '10' }).chainId).toBe(10)
    expect(() => resolveElSimChain({})).toThrow(
      /needs --chain-id ID, --chain NAME or --rollup.config FILE/,
    )
    expect(() => resolveElSimChain({ chain: 'nope' })).toThrow(/unknown chain nope/)
    expect(() => resolveElSimChain({ chain: 'op-mainnet', chainId: '5' })).toThrow(
      /--chain-id 5 differs/,
    )
    expect(() => resolveElSimChain({ 'rollup.config': join(dir, 'missing.json') })).toThrow(
      UsageError,
    )
  })

  it('--no-peers, or no --upstream: an EL without peers; both together are a usage error', () => {
    expect(resolveElSimPeers({ peers: false })).toEqual({ noPeers: true })
    expect(resolveElSimPeers({ peers: true })).toEqual({ noPeers: true })
    expect(resolveElSimPeers({ peers: true, upstream: 'http://127.0.0.1:8551' })).toEqual({
      upstream: 'http://127.0.0.1:8551',
    })
    expect(() => resolveElSimPeers({ peers: false, upstream: 'http://127.0.0.1:8551' })).toThrow(
      expect.objectContaining({ flag: '--no-peers', kind: 'configuration' }),
    )
    expect(() => resolveElSimPeers({ peers: true, upstream: 'ftp://x' })).toThrow(
      /--upstream must be an http/,
    )
  })

  it('--genesis HASH[:NUMBER[:TIMESTAMP]]', () => {
    const hash = `0x${'ab'.repeat(32)}`
    expect(parseGenesisFlag(hash)).toEqual({ hash, number: 0, timestamp: 0 })
    expect(parseGenesisFlag(`${hash}:7:99`)).toEqual({ hash, number: 7, timestamp: 99 })
    expect(() => parseGenesisFlag(`${hash}:x`)).toThrow(/--genesis number/)
    expect(() => parseGenesisFlag(`${hash}:1:2:3`)).toThrow(/HASH\[:NUMBER/)
  })
})
