/** Setup helpers shared by the multi-server Redis fixtures (redisCluster.ts, redisSentinel.ts). */
import { createClient } from 'redis'

const READY_TIMEOUT_MS = 20_000
const POLL_MS = 50

/** One command on one server at `port` of 127.0.0.1, over a client of its own (no redirection). */
export async function redisCommand(port: number, args: string[]): Promise<unknown> {
  const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false } })
  client.on('error', () => {})
  await client.connect()
  try {
    return await client.sendCommand(args)
  } finally {
    client.destroy()
  }
}

/** Polls `check` until it holds (a throw counts as not yet); `setup: what` errors past the time. */
export async function until(
  setup: string,
  what: string,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`${setup}: ${what} timed out`)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}
