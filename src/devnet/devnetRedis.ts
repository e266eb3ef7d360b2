/**
 * The devnet's own Redis (devnet --redis): Debian's `redis-server` on 127.0.0.1, a free port,
 * its files in <devnet dir>/redis, no persistence. Stopped with the devnet.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { join } from 'node:path'
import { OpGossipError } from '../util/errors.ts'

export const REDIS_SERVER_BINARY = 'redis-server'
/** What to tell a user without the binary. */
export const REDIS_SERVER_INSTALL_HINT = 'apt-get install redis-server'
/** How long redis-server may take to accept connections. */
export const DEVNET_REDIS_START_TIMEOUT_MS = 10_000
const REDIS_PROBE_INTERVAL_MS = 25
/** redis-server gets this long to exit on SIGTERM before it is killed. */
export const DEVNET_REDIS_STOP_TIMEOUT_MS = 5000
const LOOPBACK = '127.0.0.1'

export interface DevnetRedis {
  /** redis://127.0.0.1:<port> */
  readonly url: string
  readonly pid: number
  stop(): Promise<void>
}

/** True when redis-server is on PATH. */
export function redisServerAvailable(): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${REDIS_SERVER_BINARY}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

async function freeLoopbackPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, LOOPBACK, () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

async function accepts(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createConnection({ host: LOOPBACK, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  const exited = new Promise((resolve) => proc.once('exit', resolve))
  proc.kill('SIGTERM')
  const timer = setTimeout(() => proc.kill('SIGKILL'), DEVNET_REDIS_STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

/**
 * Starts redis-server for the devnet in `dir`/redis.
 * @throws OpGossipError DEVNET_REDIS_START_FAILED when it exits or does not listen in time
 */
export async function startDevnetRedis(dir: string): Promise<DevnetRedis> {
  const redisDir = join(dir, 'redis')
  mkdirSync(redisDir, { recursive: true })
  const port = await freeLoopbackPort()
  const args = ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no']
  const proc = spawn(REDIS_SERVER_BINARY, [...args, '--dir', redisDir], { stdio: 'ignore' })
  const fail = async (message: string): Promise<never> => {
    await stopProcess(proc)
    throw new OpGossipError('DEVNET_REDIS_START_FAILED', message, { kind: 'runtime' })
  }
  const deadline = Date.now() + DEVNET_REDIS_START_TIMEOUT_MS
  while (!(await accepts(port))) {
    if (proc.exitCode !== null) await fail(`redis-server exited (code ${proc.exitCode})`)
    if (Date.now() > deadline) {
      await fail(`redis-server not listening on ${port} after ${DEVNET_REDIS_START_TIMEOUT_MS} ms`)
    }
    await new Promise((r) => setTimeout(r, REDIS_PROBE_INTERVAL_MS))
  }
  return {
    url: `redis://${LOOPBACK}:${port}`,
    pid: proc.pid ?? -1,
    stop: () => stopProcess(proc),
  }
}
