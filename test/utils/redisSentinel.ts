/**
 * A real Redis Sentinel setup for tests, from Debian's `redis-server` (`--sentinel` mode): a
 * master, one replica and one sentinel (quorum 1), each on a free 127.0.0.1 port, all in one
 * temporary directory, no persistence. `failover()` asks the sentinel for a manual failover and
 * resolves once the replica is the master.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './freePort.ts'
import { redisCommand as command, until as untilReady } from './redisAdmin.ts'

const BINARY = 'redis-server'
/** How long the sentinel waits before it calls a silent master down (a failover is manual here). */
const DOWN_AFTER_MS = 2000
const FAILOVER_TIMEOUT_MS = 10_000

export const SENTINEL_MASTER_NAME = 'op-gossip-master'

export interface RedisSentinelSetup {
  readonly masterPort: number
  readonly replicaPort: number
  readonly sentinelPort: number
  /** The port of the server that is master now (changes with failover()) */
  currentMasterPort(): Promise<number>
  /** SENTINEL FAILOVER; resolves once the old replica reports role:master */
  failover(): Promise<void>
  /** Any command on one server (e.g. XRANGE on the new master) */
  command(port: number, args: string[]): Promise<unknown>
  stop(): Promise<void>
}

/** A SENTINEL REPLICAS item's flags: a map in RESP3, a flat field / value list in RESP2. */
function flagsOf(replica: unknown): string | undefined {
  if (Array.isArray(replica)) {
    const flat = replica.map(String)
    return flat[flat.indexOf('flags') + 1]
  }
  if (replica instanceof Map) return String(replica.get('flags'))
  if (typeof replica === 'object' && replica !== null) {
    return String((replica as Record<string, unknown>).flags)
  }
  return undefined
}

export async function startRedisSentinel(): Promise<RedisSentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'op-gossip-sentinel-'))
  const [masterPort, replicaPort, sentinelPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ]
  const children: ChildProcess[] = []
  const serverArgs = (port: number) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--dbfilename',
    `dump-${port}.rdb`,
  ]
  const spawnServer = (args: string[]) => {
    const child = spawn(BINARY, args, { stdio: 'ignore' })
    children.push(child)
    return child
  }

  const info = async (port: number) => String(await command(port, ['INFO', 'replication']))

  try {
    spawnServer(serverArgs(masterPort))
    spawnServer([...serverArgs(replicaPort), '--replicaof', '127.0.0.1', String(masterPort)])
    await untilReady('redis sentinel setup', 'replica in sync', async () =>
      (await info(replicaPort)).includes('master_link_status:up'),
    )
    // The sentinel rewrites its configuration file: it lives in the temporary directory.
    const conf = join(dir, 'sentinel.conf')
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${SENTINEL_MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
        '',
      ].join('\n'),
    )
    spawnServer([conf, '--sentinel'])
    // A manual failover needs a replica the sentinel knows and considers healthy.
    await untilReady('redis sentinel setup', 'the sentinel sees the replica', async () => {
      const replicas = (await command(sentinelPort, [
        'SENTINEL',
        'REPLICAS',
        SENTINEL_MASTER_NAME,
      ])) as unknown[]
      return replicas.some((r) => flagsOf(r) === 'slave')
    })
  } catch (err) {
    for (const child of children) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw err
  }

  async function currentMasterPort(): Promise<number> {
    const reply = (await command(sentinelPort, [
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      SENTINEL_MASTER_NAME,
    ])) as unknown[]
    return Number(reply[1])
  }

  return {
    masterPort,
    replicaPort,
    sentinelPort,
    currentMasterPort,
    command,
    async failover() {
      const before = await currentMasterPort()
      const promoted = before === masterPort ? replicaPort : masterPort
      await command(sentinelPort, ['SENTINEL', 'FAILOVER', SENTINEL_MASTER_NAME])
      await untilReady('redis sentinel setup', 'the replica promoted', async () =>
        (await info(promoted)).includes('role:master'),
      )
      await untilReady('redis sentinel setup', 'the sentinel names the new master', async () => {
        return (await currentMasterPort()) === promoted
      })
    },
    async stop() {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return
          const exited = new Promise((r) => child.once('exit', r))
          child.kill('SIGKILL')
          await exited
        }),
      )
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
