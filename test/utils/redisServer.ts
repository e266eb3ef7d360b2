/**
 * A real Redis for tests: Debian's `redis-server` on 127.0.0.1, a free port and a temporary
 * directory, with no persistence (`--save '' --appendonly no`). `restart()` kills the process and
 * starts a new one on the same port (an empty server, as after a crash without persistence).
 *
 * Without the binary: `redisServerMissing()` says so; tests skip with one line, except when
 * CI=true, where they must fail (.ci/run installs it).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './freePort.ts'

/** How long redis-server may take to accept connections. */
const REDIS_START_TIMEOUT_MS = 10_000
const REDIS_PROBE_INTERVAL_MS = 25
const REDIS_BINARY = 'redis-server'

/** True when redis-server is not on PATH. */
export function redisServerMissing(): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${REDIS_BINARY}`], { stdio: 'ignore' })
    return false
  } catch {
    return true
  }
}

/** Skip (with one line saying how to get it) unless CI=true, where a missing server fails. */
export function skipWithoutRedis(): boolean {
  if (!redisServerMissing()) return false
  if (process.env.CI === 'true')
    throw new Error('redis-server missing: apt-get install redis-server')
  console.warn('skipping Redis tests: redis-server missing (apt-get install redis-server)')
  return true
}

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Kills the server (SIGKILL) and waits for it to exit */
  kill(): Promise<void>
  /** Starts it again on the same port (empty) */
  start(): Promise<void>
  /** kill() then start() */
  restart(): Promise<void>
  /** Stops the server and removes its directory */
  stop(): Promise<void>
}

async function accepts(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'op-gossip-redis-'))
  let child: ChildProcess | null = null

  async function start(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
    const proc = spawn(REDIS_BINARY, [...args, '--dir', dir], { stdio: 'ignore' })
    child = proc
    const deadline = Date.now() + REDIS_START_TIMEOUT_MS
    while (!(await accepts(port))) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode})`)
      if (Date.now() > deadline) throw new Error(`redis-server not up on ${port}`)
      await new Promise((r) => setTimeout(r, REDIS_PROBE_INTERVAL_MS))
    }
  }

  async function kill(): Promise<void> {
    const proc = child
    child = null
    if (proc === null || proc.exitCode !== null) return
    const exited = new Promise((r) => proc.once('exit', r))
    proc.kill('SIGKILL')
    await exited
  }

  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async restart() {
      await kill()
      await start()
    },
    async stop() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
