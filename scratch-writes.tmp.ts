import net from 'node:net'
import { createDevnetChain } from './src/chains/devnet.ts'
import { createBlockBuilder, devnetKey } from './src/devnet/blockBuilder.ts'
import { createGossipHost } from './src/gossip/host.ts'
import { createBlockValidator } from './src/gossip/validator.ts'
import { generatePeerKey } from './src/gossip/peerIdentity.ts'
const sizes: number[] = []
const orig = net.Socket.prototype.write
net.Socket.prototype.write = function (chunk: any, ...rest: any[]) { sizes.push(chunk.length ?? chunk.byteLength); return orig.call(this, chunk, ...rest) } as any
const origv = (net.Socket.prototype as any)._writev
const chain = createDevnetChain({ blockTime: 1 })
const b = createBlockBuilder({ chain, privateKey: devnetKey('x') })
const mk = () => createGossipHost({ chain, privateKey: generatePeerKey(), listenIp: '127.0.0.1', listenTcpPort: 0, ipColocation: false }, { validator: createBlockValidator({ chain, signer: () => b.signer }) })
const A = mk(), B = mk()
await A.start(); await B.start()
await B.dial(A.listenAddresses()[0]!)
await new Promise((r) => setTimeout(r, 2000))
let got = 0
B.events.on('block', () => got++)
for (let i = 0; i < 3; i++) {
  const blk = b.next({ targetBytes: 100_000 })
  sizes.length = 0
  await A.publish(blk)
  await new Promise((r) => setTimeout(r, 500))
  const tot = sizes.reduce((a, c) => a + c, 0)
  console.log('block', i, 'compressed', blk.data.length, 'writes', sizes.length, 'bytes', tot, 'sizes', JSON.stringify(sizes.slice(0, 30)))
}
console.log('got', got, A.routerSettings().D)
await A.stop(); await B.stop()
