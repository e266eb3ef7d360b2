/**
 * Per-process resource counters for devnet nodes: CPU, memory and network bytes.
 *
 * Network bytes come from Linux's /proc/self/io (`rchar` / `wchar`: bytes passed through read and
 * write system calls). In a devnet node process nearly all of that is TCP traffic (gossip with
 * its noise/yamux framing, plus DHT, identify and ping), because logs go to a file opened before
 * measuring starts and the process reads no files once running; the IPC channel to the parent is
 * the one other stream, and its bytes are subtracted (`IpcByteCounter`). One more, small, source:
 * libuv wakes the event loop by writing 8 bytes to an eventfd when a thread-pool job ends (a
 * burst of a few thousand, ~20 KB, shows up a few seconds after a node starts).
 * /proc's system-call counts (syscr / syscw) are dominated by those wakeups, so they are not used.
 * Elsewhere (no /proc) the byte counters are null.
 */
import { readFileSync } from 'node:fs'

export interface IoBytes {
  read: number
  written: number
}

/** Parses the text of /proc/<pid>/io; null when the fields are missing. */
export function parseProcIo(text: string): IoBytes | null {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s*(\\d+)$`, 'm').exec(text)
    return m === null ? null : Number(m[1])
  }
  const read = field('rchar')
  const written = field('wchar')
  if (read === null || written === null) return null
  return { read, written }
}

/** Bytes earlier calls of readProcessIo read from /proc/self/io themselves (counted in rchar). */
let procReadBytes = 0

/**
 * This process's read/written bytes (minus what reading /proc/self/io itself cost), or null
 * where /proc/self/io is unavailable.
 */
export function readProcessIo(): IoBytes | null {
  let text: string
  try {
    text = readFileSync('/proc/self/io', 'utf8')
  } catch {
    return null
  }
  const io = parseProcIo(text)
  // The kernel renders the values before this read is accounted, so only earlier reads count.
  const earlier = procReadBytes
  procReadBytes += Buffer.byteLength(text)
  return io === null ? null : { read: io.read - earlier, written: io.written }
}

/**
 * Bytes this process moved over its IPC channel, so they can be taken out of the /proc totals.
 * Node's 'json' IPC serialization writes `JSON.stringify(message) + '\n'` per message.
 */
export class IpcByteCounter {
  sent = 0
  received = 0

  onSend(message: unknown): void {
    this.sent += Buffer.byteLength(JSON.stringify(message)) + 1
  }

  onReceive(message: unknown): void {
    this.received += Buffer.byteLength(JSON.stringify(message)) + 1
  }
}

/** User + system CPU seconds of this process since it started. */
export function cpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
