/**
 * A real Redis Cluster for tests, from Debian's `redis-server` (`--cluster-enabled yes`) and
 * `redis-cli --cluster create`: three masters, no replicas, each on a free 127.0.0.1 port, all in
 * one temporary directory, no persistence.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './freePort.ts'
import { redisCommand as command, until as untilReady } from './redisAdmin.ts'

const MASTERS = 3

export interface RedisClusterSetup {
  readonly ports: readonly number[]
  /** The port of the master that owns `key`'s slot */
  ownerOf(key: string): Promise<number>
  /** Any command on one node (no redirection) */
  command(port: number, args: string[]): Promise<unknown>
  stop(): Promise<void>
}

export async function startRedisCluster(): Promise<RedisClusterSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'op-gossip-cluster-'))
  const ports: number[] = []
  for (let i = 0; i < MASTERS; i++) ports.push(await freePort())
  const children: ChildProcess[] = []
  try {
    for (const port of ports) {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly']
      const cluster = ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`]
      children.push(
        spawn('redis-server', [...args, 'no', ...cluster, '--dir', dir], { stdio: 'ignore' }),
      )
    }
    for (const port of ports)
      await untilReady(
        'redis cluster setup',
        `node ${port} up`,
        async () => (await command(port, ['PING'])) === 'PONG',
      )
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ])
    for (const port of ports) {
      await untilReady('redis cluster setup', `node ${port} in a healthy cluster`, async () =>
        String(await command(port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'),
      )
    }
  } catch (err) {
    for (const child of children) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw err
  }

  return {
    ports,
    command,
    async ownerOf(key) {
      const slot = Number(await command(ports[0] as number, ['CLUSTER', 'KEYSLOT', key]))
      const ranges = (await command(ports[0] as number, ['CLUSTER', 'SLOTS'])) as unknown[][]
      for (const range of ranges) {
        const [start, end, master] = range as [number, number, unknown[]]
        if (slot >= Number(start) && slot <= Number(end)) return Number(master[1])
      }
      throw new Error(`no node owns slot ${slot}`)
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
