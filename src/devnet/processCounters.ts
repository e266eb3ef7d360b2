/**
 * Per-process resource counters for devnet nodes: CPU, memory and network bytes.
 *
 * Network bytes come from Linux's /proc/self/io (`rchar` / `wchar`: bytes passed through read and
 * write system calls). In a devnet node process nearly all of that is TCP traffic (gossip with
 * its noise/yamux framing, plus DHT, identify and ping), because logs go to a file opened before
 * measuring starts and the process reads no files once running; the IPC channel to the parent is
 * the one other stream, and its bytes are subtracted (`IpcByteCounter`). Elsewhere (no /proc) the
 * byte counters are null.
 */
import { readFileSync } from 'node:fs'

export interface IoBytes {
  read: number
  written: number
  /** read / write system calls (`syscr` / `syscw`) */
  readCalls: number
  writeCalls: number
}

/** Parses the text of /proc/<pid>/io; null when the fields are missing. */
export function parseProcIo(text: string): IoBytes | null {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s*(\\d+)$`, 'm').exec(text)
    return m === null ? null : Number(m[1])
  }
  const [read, written, readCalls, writeCalls] = ['rchar', 'wchar', 'syscr', 'syscw'].map(field)
  if (read == null || written == null || readCalls == null || writeCalls == null) return null
  return { read, written, readCalls, writeCalls }
}

/** Bytes earlier calls of readProcessIo read from /proc/self/io themselves (counted in rchar). */
let procReadBytes = 0
let procReadCalls = 0

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
  // The kernel renders the values before this read is accounted, so only earlier reads count
  // (readFileSync: one read returning the text, one returning end of file).
  const earlier = procReadBytes
  const earlierCalls = procReadCalls
  procReadBytes += Buffer.byteLength(text)
  procReadCalls += 2
  return io === null
    ? null
    : { ...io, read: io.read - earlier, readCalls: io.readCalls - earlierCalls }
}

/**
 * Bytes this process moved over its IPC channel, so they can be taken out of the /proc totals.
 * Node's 'json' IPC serialization writes `JSON.stringify(message) + '\n'` per message.
 */
export class IpcByteCounter {
  sent = 0
  received = 0
  /** Messages sent: one write system call each */
  messagesSent = 0

  onSend(message: unknown): void {
    this.sent += Buffer.byteLength(JSON.stringify(message)) + 1
    this.messagesSent++
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
