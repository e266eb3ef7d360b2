/**
 * What the transport wrappers change on a real TCP connection between two libp2p nodes (noise,
 * yamux): every send reaches the socket as one write, never as a lone 2-byte noise length
 * prefix; and the receiver of a stream answers data with window updates only once half the
 * window is used (go-yamux's rule), not once per data frame.
 */
import { Socket } from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { coalescingTcp } from '../../src/patches/coalescingTcp.ts'
import { deferYamuxWindowUpdates } from '../../src/patches/yamuxWindowUpdates.ts'
import { sleep, waitFor } from '../utils/mesh.ts'

const PROTOCOL = '/op-gossip-test/sink/1.0.0'
/** Two noise frames per message: more than one 65,519-byte noise payload. */
const MESSAGE_BYTES = 100_000

type Transport = typeof tcp | typeof coalescingTcp

async function startNode(transport: Transport): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [transport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
}

/** Socket writes between the two nodes' ports, by the local port of the writing socket. */
function recordWrites(ports: Set<number>): { sizes: Map<number, number[]>; stop(): void } {
  const sizes = new Map<number, number[]>()
  const write = Socket.prototype.write
  const spy = vi.spyOn(Socket.prototype, 'write').mockImplementation(function (
    this: Socket,
    ...args: Parameters<Socket['write']>
  ) {
    const chunk = args[0]
    if (ports.has(this.localPort ?? -1) || ports.has(this.remotePort ?? -1)) {
      const list = sizes.get(this.localPort ?? -1) ?? []
      list.push(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength)
      sizes.set(this.localPort ?? -1, list)
    }
    return write.apply(this, args)
  })
  return { sizes, stop: () => spy.mockRestore() }
}

function tcpPort(node: Libp2p): number {
  const addr = node.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('node has no address')
  return Number(addr.toString().split('/tcp/')[1]?.split('/')[0])
}

describe('e2e / transport writes (coalesced sends, half-window yamux updates)', () => {
  const nodes: Libp2p[] = []
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()))
  })

  /** Sends messages of these sizes from a new node to another one; returns the writes seen. */
  async function exchange(transport: Transport, messages: number[]) {
    const sender = await startNode(transport)
    const receiver = await startNode(transport)
    nodes.push(sender, receiver)
    let received = 0
    await receiver.handle(PROTOCOL, (stream: Stream) => {
      stream.addEventListener('message', (evt) => {
        received += evt.data.byteLength
      })
    })
    const stream = await sender.dialProtocol(receiver.getMultiaddrs(), PROTOCOL)
    const recorder = recordWrites(new Set([tcpPort(receiver)]))
    try {
      let expected = 0
      for (const [i, size] of messages.entries()) {
        stream.send(new Uint8Array(size).fill(i))
        expected += size
        await waitFor('the message to arrive', () => received >= expected)
      }
      // Let any window update the last frame triggers reach the socket.
      await sleep(50)
    } finally {
      recorder.stop()
    }
    const receiverPort = tcpPort(receiver)
    const fromSender = [...recorder.sizes].filter(([port]) => port !== receiverPort)
    return {
      received,
      senderWrites: fromSender.flatMap(([, sizes]) => sizes),
      receiverWrites: recorder.sizes.get(receiverPort) ?? [],
    }
  }

  it('plain @libp2p/tcp writes each noise length prefix on its own (the cost this removes)', async () => {
    const { senderWrites } = await exchange(tcp, [MESSAGE_BYTES])
    expect(senderWrites.filter((size) => size === 2).length).toBeGreaterThanOrEqual(2)
  })

  it('coalescingTcp writes every send as one buffer: no lone 2-byte prefixes', async () => {
    const { received, senderWrites, receiverWrites } = await exchange(coalescingTcp, [
      MESSAGE_BYTES,
      MESSAGE_BYTES,
      MESSAGE_BYTES,
    ])
    expect(received).toBe(3 * MESSAGE_BYTES)
    expect(senderWrites.filter((size) => size === 2)).toEqual([])
    // Each 100 KB message (two noise frames and a yamux header) leaves as one write.
    expect(senderWrites.filter((size) => size > MESSAGE_BYTES).length).toBe(3)
    // The library's own yamux answers each data frame with an encrypted window update.
    expect(receiverWrites).toEqual([30, 30, 30])
  })

  it('a receiver with deferred window updates answers half a window, not every frame', async () => {
    deferYamuxWindowUpdates()
    // 256 KiB initial window: the first message leaves more than half free, the second does not.
    const { received, receiverWrites } = await exchange(coalescingTcp, [
      MESSAGE_BYTES,
      MESSAGE_BYTES,
    ])
    expect(received).toBe(2 * MESSAGE_BYTES)
    // One encrypted window update (2 + 12 + 16 bytes), after the second message only.
    expect(receiverWrites).toEqual([30])
  })

  it('the first deferred update goes out exactly when half the 256 KiB window is used', async () => {
    deferYamuxWindowUpdates()
    const half = 128 * 1024
    const below = await exchange(coalescingTcp, [half - 1])
    expect(below.receiverWrites).toEqual([])
    const at = await exchange(coalescingTcp, [half - 1, 1])
    expect(at.receiverWrites).toEqual([30])
  })
})
