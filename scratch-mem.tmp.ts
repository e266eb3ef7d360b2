import { readFileSync } from 'node:fs'
import { createDevnetChain } from './src/chains/devnet.ts'
import { createGossipHost } from './src/gossip/host.ts'
import { createBlockValidator } from './src/gossip/validator.ts'
import { generatePeerKey } from './src/gossip/peerIdentity.ts'
const chain = createDevnetChain()
const host = createGossipHost({ chain, privateKey: generatePeerKey(), listenIp: '127.0.0.1', listenTcpPort: 0, dht: true }, { validator: createBlockValidator({ chain, signer: () => null }) })
await host.start()
await new Promise((r) => setTimeout(r, 2000))
const m = process.memoryUsage()
console.log(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, (v / 1e6).toFixed(1)])))
console.log(readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n').filter((l) => /^(Rss|Pss|Shared|Private|Anon)/.test(l)).join('\n'))
await host.stop()
