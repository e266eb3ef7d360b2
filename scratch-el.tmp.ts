import { startDevnet } from './src/devnet/devnet.ts'
const d = await startDevnet({ followers: 1, blockTimeSeconds: 1, dir: '/tmp/opg-el2', withEl: true, logLevel: 'info' })
console.log([d.sequencer, ...d.followers].map((n) => n.elUrl))
d.events.on('el', (e) => console.log('el', e.node.index, e.head, e.status))
d.events.on('problem', (p) => console.log('PROBLEM', p.message))
await d.waitForMesh(20000)
d.produce({ txCount: 3 })
await new Promise((r) => setTimeout(r, 4000))
await d.stop()
