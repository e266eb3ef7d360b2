/**
 * Raw HTTP clients for server limit tests: a real request that writes its whole body before
 * reading (as curl does), and bare TCP connections that stall or just hold a place.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** POSTs `size` bytes with a content-length; resolves with the status or the socket error. */
export function postBody(url: string, size: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(size) },
    })
    req.on('response', (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    let left = size
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, chunk.length)
        left -= n
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once('drain', pump)
          return
        }
      }
      req.end()
    }
    pump()
  })
}

export interface HeldConnection {
  socket: Socket
  /** Everything the server sent */
  received(): string
  /** Resolves with the ms from connecting until the server closed the connection */
  closed: Promise<number>
}

/** Opens a TCP connection to `url`'s host and port and writes `preamble` (then nothing). */
export function holdConnection(url: string, preamble = ''): Promise<HeldConnection> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const start = Date.now()
    let data = ''
    const socket = connect(Number(port), hostname)
    const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now() - start)))
    socket.on('data', (d) => {
      data += d.toString('latin1')
    })
    socket.on('error', () => {})
    socket.once('connect', () => {
      if (preamble !== '') socket.write(preamble)
      resolve({ socket, received: () => data, closed })
    })
    socket.once('error', reject)
  })
}

/**
 * POSTs `size` bytes with curl, another process that writes the whole body before reading (no
 * `Expect: 100-continue`): the client that saw resets. Resolves with the status or curl's error.
 */
export async function curlPostBody(url: string, size: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'op-gossip-http-'))
  const file = join(dir, 'body')
  try {
    await writeFile(file, Buffer.alloc(size, 0x20))
    const { stdout } = await run('curl', [
      '-s',
      '-S',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      'Expect:',
      '--data-binary',
      `@${file}`,
      url,
    ])
    return stdout
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err).trim()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
