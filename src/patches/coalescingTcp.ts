/**
 * TCP transport whose connections write each send as one socket write.
 *
 * Noise hands the TCP connection a list per send: a 2-byte length prefix and a ciphertext for
 * every frame (two frames for a 77 KB block). @libp2p/tcp writes each piece with its own
 * `socket.write`, and with Nagle off (libp2p's default) each becomes its own syscall and TCP
 * segment, waking the receiver for a 2-byte prefix. Joining the pieces first (a copy of at most
 * one send) cuts a follower's socket writes per block to about a third (strace on a devnet).
 * @libp2p/tcp has no option for this and its connection class is not exported, so
 * the wrapper replaces `sendData` on each connection as the transport hands it to the upgrader.
 *
 * Upstream: no upstream issue found (searched 2026-12-05). To be filed against libp2p/js-libp2p
 * (@libp2p/tcp): "tcp: write a multi-buffer send as one socket write" — noise hands each send to
 * the connection as [length prefix, ciphertext, ...] and `sendData` writes every piece with its
 * own `socket.write` (one syscall and TCP segment each with Nagle off); join the pieces (or cork
 * the socket) per send. Related: ChainSafe/js-libp2p-noise#387 (merged 2023) joined prefix and
 * ciphertext inside noise under the stream API of that time.
 */

import type {
  CreateListenerOptions,
  DialTransportOptions,
  MultiaddrConnection,
  Transport,
  Upgrader,
} from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { LibraryPatch } from './libraryPatch.ts'

type TcpInit = Parameters<typeof tcp>[0]
type TcpComponents = Parameters<ReturnType<typeof tcp>>[0]
type UpgradeOptions = Parameters<Upgrader['upgradeOutbound']>[1]

interface SendResult {
  sentBytes: number
  canSendMore: boolean
}

/** The part of uint8arraylist's list that a send uses. */
interface ByteList {
  readonly bufs: Uint8Array[]
  readonly byteLength: number
  subarray(): Uint8Array
  consume(bytes: number): void
  append(buf: Uint8Array): void
}

/** The part of @libp2p/utils' AbstractMessageStream this wrapper relies on. */
interface SendsData {
  sendData(data: ByteList): SendResult
}

function hasSendData(conn: unknown): conn is SendsData {
  return typeof (conn as Partial<SendsData>).sendData === 'function'
}

/** Makes `conn` write every multi-piece send as one buffer. */
export function coalesceSends(conn: MultiaddrConnection): void {
  if (!hasSendData(conn)) return
  const send = conn.sendData.bind(conn)
  conn.sendData = (data) => {
    if (data.bufs.length > 1) {
      // A fresh sublist made for this call (AbstractMessageStream keeps its own copy).
      const joined = data.subarray()
      data.consume(data.byteLength)
      data.append(joined)
    }
    return send(data)
  }
}

/** Delegates everything to `upgrader`, coalescing each connection's sends first. */
function coalescingUpgrader(upgrader: Upgrader): Upgrader {
  return {
    upgradeInbound: ((maConn: MultiaddrConnection, opts: UpgradeOptions) => {
      coalesceSends(maConn)
      return upgrader.upgradeInbound(maConn, opts as never)
    }) as Upgrader['upgradeInbound'],
    upgradeOutbound: ((maConn: MultiaddrConnection, opts: UpgradeOptions) => {
      coalesceSends(maConn)
      return upgrader.upgradeOutbound(maConn, opts as never)
    }) as Upgrader['upgradeOutbound'],
    createInboundAbortSignal: (signal) => upgrader.createInboundAbortSignal(signal),
    getStreamMuxers: () => upgrader.getStreamMuxers(),
    getConnectionEncrypters: () => upgrader.getConnectionEncrypters(),
  }
}

/** `tcp(init)` with coalesced writes (see the module comment). */
export function coalescingTcp(init?: TcpInit): (components: TcpComponents) => Transport {
  const factory = tcp(init)
  return (components) => {
    const transport = factory(components)
    const dial = transport.dial.bind(transport)
    const createListener = transport.createListener.bind(transport)
    transport.dial = (ma: Multiaddr, options: DialTransportOptions) =>
      dial(ma, { ...options, upgrader: coalescingUpgrader(options.upgrader) })
    transport.createListener = (options: CreateListenerOptions) =>
      createListener({ ...options, upgrader: coalescingUpgrader(options.upgrader) })
    return transport
  }
}

export const coalescingTcpPatch: LibraryPatch = {
  name: 'coalescingTcp',
  packageName: '@libp2p/tcp',
  writtenForVersion: '11.0.28',
  scope: 'connection',
  upstream: 'no upstream issue found (searched 2026-12-05); related ChainSafe/js-libp2p-noise#387',
  // The connection class is not exported: coalesceSends checks each connection for sendData
  // (test/e2e/transportWrites.test.ts proves the effect on real sockets).
  applies: () => typeof tcp === 'function',
  install: () => typeof tcp === 'function',
}
