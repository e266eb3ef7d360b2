/**
 * `op-gossip run --redis.*`: the flags reach the node, a bad URL is a configuration error (exit
 * status 2), and the password in the URL never reaches the output, not even when Redis refuses it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serializeRollupConfig } from '../../src/chains/rollupConfig.ts'
import { freshGenesis } from '../unit/metrics/observedNode.ts'
import { runCli } from '../utils/cli.ts'
import { SEQUENCER_ADDRESS, testChain } from '../utils/mesh.ts'
import { type RedisServer, skipWithoutRedis, startRedisServer } from '../utils/redisServer.ts'

const skip = skipWithoutRedis()
const SECRET = 'hunter2-not-logged'
/** Longest wait for the node to start and log a refused AUTH (it gets SIGINT once it has). */
const REFUSED_AUTH_TIMEOUT_MS = 30_000

describe.skipIf(skip)('e2e / run --redis.*', () => {
  let redis: RedisServer
  let dir: string
  let rollup: string
  beforeAll(async () => {
    redis = await startRedisServer()
    dir = mkdtempSync(join(tmpdir(), 'op-gossip-redis-run-'))
    rollup = join(dir, 'rollup.json')
    writeFileSync(rollup, serializeRollupConfig(testChain({ genesis: freshGenesis(30) })))
  })
  afterAll(async () => {
    await redis?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const baseArgs = () => [
    'run',
    '--rollup.config',
    rollup,
    '--p2p.listen.ip',
    '127.0.0.1',
    '--p2p.listen.tcp',
    '0',
    '--p2p.no-discovery',
    '--p2p.priv.path',
    join(dir, 'key.txt'),
    '--p2p.peerstore.path',
    'memory',
    '--p2p.unsafe-block-signer',
    `0x${Buffer.from(SEQUENCER_ADDRESS).toString('hex')}`,
    '--rpc.enabled=false',
    '--log.format',
    'json',
  ]

  it('logs where it reads and a refused password, never the password itself', async () => {
    // Through the environment, as docs/redis.md advises: the password stays out of `ps`.
    const env = { OP_GOSSIP_REDIS_URL: `redis://nobody:${SECRET}@127.0.0.1:${redis.port}` }
    const args = [...baseArgs(), '--redis.subscribe', '--redis.publish']
    const r = await runCli(args, {
      timeoutMs: REFUSED_AUTH_TIMEOUT_MS,
      env,
      stopWhen: (output) => /WRONGPASS/.test(output),
    })
    // Everything it printed, its shutdown after the SIGINT included.
    const text = `${r.stdout}\n${r.stderr}`
    expect(text).toContain('redis road started')
    expect(text).toContain(`redis://127.0.0.1:${redis.port}`)
    expect(text).toMatch(/WRONGPASS/)
    expect(text).not.toContain(SECRET)
  })

  // Independent processes that fail at start-up: run side by side.
  it.concurrent.each([
    [['--redis.url', `http://u:${SECRET}@127.0.0.1:1`, '--redis.publish'], '--redis.url'],
    [['--redis.subscribe'], '--redis.url'],
    [
      ['--redis.url', 'redis://127.0.0.1:1', '--redis.publish', '--redis.maxlen', '0'],
      '--redis.maxlen',
    ],
    [['--redis.sentinel', '127.0.0.1:1', '--redis.publish'], '--redis.sentinel.master'],
    [
      [
        '--redis.url',
        'redis://127.0.0.1:1',
        '--redis.cluster',
        '--redis.publish',
        '--redis.stream',
        'plain',
      ],
      '--redis.stream',
    ],
  ])('refuses %j as a configuration error (exit 2) naming %s', async (extra, flag) => {
    const result = await runCli([...baseArgs(), ...extra], { timeoutMs: 60_000 })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(flag)
    expect(result.stderr).not.toContain(SECRET)
  })
})
