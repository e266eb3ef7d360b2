/**
 * The floor of one gossip hop on this machine, without libp2p: how much of the lone follower's
 * latency in `op-gossip bench latency --nodes 1` (the sequencer's publish call -> the follower's
 * first sight, when gossipsub hands the message to our message-ID function) is this machine and
 * Node.js itself. Two processes, this one the sender and a forked child the follower, share one
 * TCP connection on 127.0.0.1 (no Nagle) and one clock (performance.timeOrigin + now).
 *
 *   node_modules/.bin/node scripts/bench/hopFloor.bench.ts [--messages 40] [--interval-ms 1000,200] [--modes tcp,work]
 *
 * Modes, each sending the same ~100 KB blocks (built before timing, Snappy-compressed):
 * - `tcp`: one write of the compressed block with a 4-byte length; latency ends when the
 *   follower has all its bytes. Raw Node TCP.
 * - `work`: what the node must do on a hop with the libraries' layers removed. The sender takes
 *   the message ID and runs the whole block validation, then encrypts as noise does (frames of at
 *   most 65535 bytes with a 2-byte length, ChaCha20-Poly1305 with a counter nonce) and writes all
 *   frames at once. The follower decrypts and reassembles; latency ends right before its
 *   message-ID call (first sight, as in messageRecords.ts).
 *
 * A message is sent every interval (a setTimeout chain); the first WARM_UP_MESSAGES of each run
 * are not counted. Runs alternate modes per interval so a busy machine slows them alike. Prints
 * one JSON object: per mode and interval the p50 / p90 / p99 / max latency, and the machine.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { devnetKey } from '../../src/blocks/blockBuilder.ts'
import { hiResNow } from '../../src/devnet/ipcProtocol.ts'
import { percentiles, roundPercentiles } from '../../src/devnet/latencyStats.ts'
import { createBlockValidator } from '../../src/gossip/validator.ts'
import { exitStatusOf, OpGossipError, oneLine } from '../../src/util/errors.ts'
import { computeMessageIdWithData } from '../../src/wire/msgId.ts'
import { addressFromPrivateKey } from '../../src/wire/signing.ts'
import { benchBlockBuilder, benchChain } from './benchBlocks.ts'

const MODES = ['tcp', 'work'] as const
type Mode = (typeof MODES)[number]

/** Messages at the start of each run that are sent but not counted. */
const WARM_UP_MESSAGES = 3
/** Noise's largest frame, ciphertext and tag together. */
const NOISE_MAX_FRAME_BYTES = 65_535
const NOISE_TAG_BYTES = 16
const NOISE_MAX_PLAINTEXT_BYTES = NOISE_MAX_FRAME_BYTES - NOISE_TAG_BYTES
const NOISE_LENGTH_PREFIX_BYTES = 2
const MESSAGE_LENGTH_PREFIX_BYTES = 4

const SEQUENCER_KEY = devnetKey('hop floor bench sequencer')

/** Parent -> follower over IPC. */
type ToFollower =
  | { type: 'session'; keyHex: string }
  | { type: 'run'; mode: Mode; topic: string; count: number }
/** Follower -> parent over IPC. */
type ToParent =
  | { type: 'listening'; port: number }
  | { type: 'ready' }
  | { type: 'arrivals'; at: number[] }

function benchError(message: string): OpGossipError {
  return new OpGossipError('HOP_FLOOR_BENCH', message, { kind: 'configuration' })
}

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  if (i < 0) return fallback
  const value = Number(process.argv[i + 1])
  if (!Number.isInteger(value) || value <= 0) throw benchError(`${name}: a positive integer`)
  return value
}

function listArg(name: string, fallback: string): string[] {
  const i = process.argv.indexOf(name)
  const raw = i < 0 ? fallback : (process.argv[i + 1] ?? '')
  return raw.split(',').filter((s) => s !== '')
}

/** Noise's nonce: 4 zero bytes, then the 64-bit little-endian message counter. */
function noiseNonce(counter: bigint): Buffer {
  const nonce = Buffer.alloc(12)
  nonce.writeBigUInt64LE(counter, 4)
  return nonce
}

/**
 * Bytes received but not yet consumed, taken from the front without copying when possible. By
 * hand rather than uint8arraylist: the floor leaves out the libraries' own buffer handling.
 */
class ByteQueue {
  private chunks: Buffer[] = []
  length = 0

  push(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.length += chunk.length
  }

  take(n: number): Buffer {
    const first = this.chunks[0] as Buffer
    let out: Buffer
    if (first.length >= n) {
      out = first.subarray(0, n)
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
    } else {
      out = Buffer.allocUnsafe(n)
      let filled = 0
      while (filled < n) {
        const chunk = this.chunks[0] as Buffer
        const used = Math.min(chunk.length, n - filled)
        chunk.copy(out, filled, 0, used)
        filled += used
        if (used === chunk.length) this.chunks.shift()
        else this.chunks[0] = chunk.subarray(used)
      }
    }
    this.length -= n
    return out
  }
}

/** Splits length-prefixed messages out of a byte stream. */
class LengthPrefixedReader {
  private readonly queue = new ByteQueue()
  private expected: number | null = null

  private readonly prefixBytes: 2 | 4

  constructor(prefixBytes: 2 | 4) {
    this.prefixBytes = prefixBytes
  }

  /** Every message now complete, in order. */
  push(chunk: Buffer): Buffer[] {
    this.queue.push(chunk)
    const complete: Buffer[] = []
    for (;;) {
      if (this.expected === null) {
        if (this.queue.length < this.prefixBytes) break
        const prefix = this.queue.take(this.prefixBytes)
        this.expected = this.prefixBytes === 2 ? prefix.readUInt16BE(0) : prefix.readUInt32BE(0)
      }
      if (this.queue.length < this.expected) break
      complete.push(this.queue.take(this.expected))
      this.expected = null
    }
    return complete
  }
}

function messageLengthPrefix(length: number): Buffer {
  const prefix = Buffer.alloc(MESSAGE_LENGTH_PREFIX_BYTES)
  prefix.writeUInt32BE(length)
  return prefix
}

/** One direction of a noise session: frames out, each with its own counter nonce. */
function createEncrypter(key: Buffer) {
  let counter = 0n
  return (plaintext: Buffer): Buffer => {
    const parts: Buffer[] = []
    for (let at = 0; at < plaintext.length; at += NOISE_MAX_PLAINTEXT_BYTES) {
      const piece = plaintext.subarray(at, at + NOISE_MAX_PLAINTEXT_BYTES)
      const cipher = createCipheriv('chacha20-poly1305', key, noiseNonce(counter++), {
        authTagLength: NOISE_TAG_BYTES,
      })
      const body = cipher.update(piece)
      cipher.final()
      const prefix = Buffer.alloc(NOISE_LENGTH_PREFIX_BYTES)
      prefix.writeUInt16BE(body.length + NOISE_TAG_BYTES)
      parts.push(prefix, body, cipher.getAuthTag())
    }
    return Buffer.concat(parts)
  }
}

function createDecrypter(key: Buffer) {
  let counter = 0n
  return (frame: Buffer): Buffer => {
    const decipher = createDecipheriv('chacha20-poly1305', key, noiseNonce(counter++), {
      authTagLength: NOISE_TAG_BYTES,
    })
    decipher.setAuthTag(frame.subarray(frame.length - NOISE_TAG_BYTES))
    const body = decipher.update(frame.subarray(0, frame.length - NOISE_TAG_BYTES))
    decipher.final()
    return body
  }
}

/** The follower: listens, reads each run's messages and reports their arrival times. */
function follower(): void {
  const send = (m: ToParent) => process.send?.(m)
  let decrypt: ((frame: Buffer) => Buffer) | null = null
  let run: { mode: Mode; topic: string; count: number; at: number[] } | null = null
  // One reader per layer, kept across runs: the connection's byte stream is one stream.
  const outer = { tcp: new LengthPrefixedReader(4), work: new LengthPrefixedReader(2) }
  const inner = new LengthPrefixedReader(4)

  const arrived = (at: number) => {
    if (run === null) throw new Error('a message arrived outside a run')
    run.at.push(at)
    if (run.at.length === run.count) {
      send({ type: 'arrivals', at: run.at })
      run = null
    }
  }
  const onData = (chunk: Buffer) => {
    const at = hiResNow()
    if (run?.mode === 'tcp') {
      for (const _ of outer.tcp.push(chunk)) arrived(at)
      return
    }
    if (decrypt === null || run === null) throw new Error('data before a work run started')
    for (const frame of outer.work.push(chunk)) {
      for (const message of inner.push(decrypt(frame))) {
        const firstSight = hiResNow()
        const { decompressed } = computeMessageIdWithData(run.topic, message)
        if (decompressed === null) throw new Error('the follower got a message that is not Snappy')
        arrived(firstSight)
      }
    }
  }

  const server: Server = createServer((socket) => {
    socket.setNoDelay(true)
    socket.on('data', onData)
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP port')
    send({ type: 'listening', port: address.port })
  })
  process.on('message', (m: ToFollower) => {
    if (m.type === 'session') {
      decrypt = createDecrypter(Buffer.from(m.keyHex, 'hex'))
    } else {
      run = { mode: m.mode, topic: m.topic, count: m.count, at: [] }
      send({ type: 'ready' })
    }
  })
  // The parent's end of the IPC channel closing is the signal to stop.
  process.on('disconnect', () => process.exit(0))
}

/** The follower's next message of `type`, or its exit as an error. */
function nextMessage<T extends ToParent['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<ToParent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ToParent) => {
      if (m.type !== type) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(m as Extract<ToParent, { type: T }>)
    }
    const onExit = (code: number | null) => {
      child.off('message', onMessage)
      reject(new Error(`the follower exited (status ${code}) while waiting for '${type}'`))
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

interface RunResult {
  mode: Mode
  intervalMs: number
  messages: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
}

/** The sender: builds blocks, times each run and turns the follower's arrivals into latencies. */
async function sender(): Promise<void> {
  const measured = numberArg('--messages', 40)
  const intervals = listArg('--interval-ms', '1000,200').map((s) => {
    const ms = Number(s)
    if (!Number.isInteger(ms) || ms <= 0) throw benchError('--interval-ms: positive integers')
    return ms
  })
  const modes = listArg('--modes', MODES.join(',')).map((s) => {
    if (!(MODES as readonly string[]).includes(s)) throw benchError(`--modes: unknown mode ${s}`)
    return s as Mode
  })
  const count = WARM_UP_MESSAGES + measured

  const chain = benchChain()
  const builder = benchBlockBuilder(chain, SEQUENCER_KEY)
  const validator = createBlockValidator({
    chain,
    signer: () => addressFromPrivateKey(SEQUENCER_KEY),
  })
  const key = randomBytes(32)
  const encrypt = createEncrypter(key)

  const child = fork(fileURLToPath(import.meta.url), ['--follower'], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  const { port } = await nextMessage(child, 'listening')
  child.send({ type: 'session', keyHex: key.toString('hex') } satisfies ToFollower)
  const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.setNoDelay(true)

  const results: RunResult[] = []
  let blockBytes: { decompressed: number; wire: number } | null = null
  try {
    for (const intervalMs of intervals) {
      for (const mode of modes) {
        // Built right before the run, each stamped with the second it is due, so none is stale.
        const dueFrom = Date.now() + intervalMs
        const blocks = Array.from({ length: count }, (_, i) =>
          builder.next({ timestamp: BigInt(Math.floor((dueFrom + i * intervalMs) / 1000)) }),
        )
        const first = blocks[0] as (typeof blocks)[number]
        const topic = first.topic
        blockBytes ??= { decompressed: first.decompressed.length, wire: first.data.length }
        const ready = nextMessage(child, 'ready')
        child.send({ type: 'run', mode, topic, count } satisfies ToFollower)
        await ready
        const arrivals = nextMessage(child, 'arrivals')
        // Awaited below; a failed send first must not leave it rejecting unobserved.
        arrivals.catch(() => {})

        const sentAt: number[] = []
        const sendOne = (data: Uint8Array) => {
          const t0 = hiResNow()
          sentAt.push(t0)
          if (mode === 'tcp') {
            socket.write(Buffer.concat([messageLengthPrefix(data.length), data]))
            return
          }
          const { decompressed } = computeMessageIdWithData(topic, data)
          const verdict = validator.validate(topic, data, { decompressed })
          if (verdict.verdict !== 'accept') {
            throw new Error(`the sender's validation refused a block: ${verdict.reason}`)
          }
          socket.write(encrypt(Buffer.concat([messageLengthPrefix(data.length), data])))
        }
        await new Promise<void>((resolve, reject) => {
          let next = 0
          const tick = () => {
            try {
              sendOne((blocks[next++] as (typeof blocks)[number]).data)
            } catch (err) {
              reject(err)
              return
            }
            if (next < blocks.length) setTimeout(tick, intervalMs)
            else resolve()
          }
          setTimeout(tick, intervalMs)
        })
        const { at } = await arrivals
        const latencies = at.map((t, i) => t - (sentAt[i] as number)).slice(WARM_UP_MESSAGES)
        const p = roundPercentiles(percentiles(latencies), 3)
        results.push({
          mode,
          intervalMs,
          messages: latencies.length,
          p50Ms: p.p50,
          p90Ms: p.p90,
          p99Ms: p.p99,
          maxMs: p.max,
        })
      }
    }
  } finally {
    socket.destroy()
    child.disconnect()
  }
  console.log(
    JSON.stringify(
      {
        machine: {
          cpus: cpus().length,
          node: process.version,
          loadAvg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
        },
        blockBytes,
        warmUpMessages: WARM_UP_MESSAGES,
        results,
      },
      null,
      2,
    ),
  )
}

if (process.argv.includes('--follower')) {
  follower()
} else {
  try {
    await sender()
  } catch (err) {
    console.error(oneLine(err))
    process.exitCode = exitStatusOf(err)
  }
}
