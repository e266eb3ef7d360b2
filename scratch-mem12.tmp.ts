import { startDevnet } from './src/devnet/devnet.ts'
const d = await startDevnet({ followers: 6, blockTimeSeconds: 1, dir: '/tmp/opg-mem12' })
await d.waitForMesh(60000)
await new Promise((r) => setTimeout(r, 3000))
const show = (label: string, m: Map<number, any>) => { const f = [...m.entries()].filter(([i]) => i > 0).map(([, s]) => s.counters); console.log(label, 'rss max', Math.max(...f.map((c) => c.rssBytes)) / 1e6, 'heap max', (Math.max(...f.map((c) => c.heapUsedBytes)) / 1e6).toFixed(1), 'ext max', (Math.max(...f.map((c) => c.externalBytes)) / 1e6).toFixed(1), 'peers', [...m.values()].map((s) => s.peers).join(',')) }
show('idle', await d.snapshot())
d.produce({ blockBytes: 100_000 })
for (let i = 0; i < 11; i++) { await new Promise((r) => setTimeout(r, 10000)); show(`blocks ${(i + 1) * 10}s`, await d.snapshot()) }
await d.stop()
