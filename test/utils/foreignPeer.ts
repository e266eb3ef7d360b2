/**
 * A bare libp2p node that speaks gossipsub by hand (length-prefixed protobuf RPCs on one
 * meshsub protocol), for tests that need to see or shape exactly what goes over the wire.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { RPC } from '@libp2p/gossipsub/message'
import { identify } from '@libp2p/identify'
import type { Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { decode as lpDecode, encode as lpEncode } from 'it-length-prefixed'
import { createLibp2p, type Libp2p } from 'libp2p'

export interface ForeignPeer {
  node: Libp2p
  /** Every RPC the host sent us, in order */
  inbox: RPC[]
  /** Sends one RPC to the host (empty subscription and message lists by default) */
  send(rpc: Partial<RPC>): void
}

/**
 * Starts the peer, opens `protocol` to the host at `hostAddress` and subscribes to `topic`.
 * The host's RPCs arrive on the stream it opens to our handler, so `protocol` is also the only
 * one we offer it.
 */
export async function startForeignPeer(
  hostAddress: string,
  protocol: string,
  topic: string,
): Promise<ForeignPeer> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  })
  const inbox: RPC[] = []
  await node.handle(protocol, (stream: Stream) => {
    void (async () => {
      for await (const frame of lpDecode(stream)) inbox.push(RPC.decode(frame.subarray()))
    })().catch(() => {})
  })
  const toHost = await node.dialProtocol(multiaddr(hostAddress), protocol)
  const send = (rpc: Partial<RPC>) =>
    toHost.send(lpEncode.single(RPC.encode({ subscriptions: [], messages: [], ...rpc })))
  send({ subscriptions: [{ subscribe: true, topic }] })
  return { node, inbox, send }
}
