import { startDevnet } from './src/devnet/devnet.ts'
const t0 = Date.now()
const d = await startDevnet({ followers: 3, blockTimeSeconds: 1, dir: '/tmp/opg-devnet-test' })
console.log('started in', Date.now() - t0, 'ms')
const ok = await d.waitForMesh(20000)
console.log('mesh', ok, Date.now() - t0)
const t1 = Date.now()
await d.stop()
console.log('stopped in', Date.now() - t1)
