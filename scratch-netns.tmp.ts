import { startDevnet } from './src/devnet/devnet.ts'
import { netnsNetwork, ownNamespaces } from './src/devnet/network.ts'
const d = await startDevnet({ followers: 2, blockTimeSeconds: 1, dir: '/tmp/opg-netns', network: netnsNetwork(null) })
console.log('up', d.bootnode, await ownNamespaces())
d.events.on('problem', (p) => console.log('PROBLEM', p.message))
d.events.on('block', ({ node, block }) => console.log('node', node.index, 'got', block.number, 'from', block.fromPeer.slice(-5)))
console.log('mesh', await d.waitForMesh(20000))
d.produce({ txCount: 5 })
await new Promise((r) => setTimeout(r, 3500))
await d.stop()
console.log('after stop', await ownNamespaces())
