/**
 * What the warm-up buys: the delivery latency of the first real messages over a fresh pair of
 * gossip hosts (the node's stack, 127.0.0.1), in a process that warmed up first or not. Every run
 * is its own process (V8's optimized code is per process); the variants alternate so a busy
 * machine slows them alike.
 *
 *   node_modules/.bin/node scripts/bench/warmUp.bench.ts [--runs 5] [--messages 60] [--interval-ms 100]
 *
 * Variants: `none` (no warm-up), `own` (warmUp.ts alone: our code in memory), `full` (the start
 * step: our code, then the libraries on a throwaway mesh). A message's latency is from just
 * before host A publishes it to host B's acceptance (send, noise, yamux, TCP, decode, message
 * ID, validation queue, validation). Prints one JSON object: per variant, the median over runs
 * of the p50 latency of messages 1-10, 11-30, 31-N and the last 20, and of the first message's
 * latency.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { devnetKey } from '../../src/blocks/blockBuilder.ts'
import { createGossipHost, type GossipHost } from '../../src/gossip/host.ts'
import { generatePeerKey } from '../../src/gossip/peerIdentity.ts'
import { createBlockValidator } from '../../src/gossip/validator.ts'
import { warmUp, warmUpStep } from '../../src/gossip/warmUp.ts'
import { silentLogger } from '../../src/util/logger.ts'
import { addressFromPrivateKey } from '../../src/wire/signing.ts'
import { benchBlockBuilder, benchChain } from './benchBlocks.ts'

const VARIANTS = ['none', 'own', 'full'] as const
type Variant = (typeof VARIANTS)[number]

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}

const SEQUENCER_KEY = devnetKey('warm-up bench sequencer')

/** A block as the parent process built it: the child runs no block-building code. */
interface BenchBlock {
  topic: string
  data: Uint8Array
  number: bigint
}

/** `messages` fresh blocks (stamped now: a child run ends long before they would be stale). */
function buildBlocks(messages: number): BenchBlock[] {
  const chain = benchChain()
  const builder = benchBlockBuilder(chain, SEQUENCER_KEY)
  const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000))
  return Array.from({ length: messages }, () => {
    const block = builder.next({ timestamp: nowSeconds() })
    return { topic: block.topic, data: block.data, number: block.blockNumber }
  })
}

/** One run in this process: warm up as `variant` says, then time the blocks' deliveries. */
async function runOnce(
  variant: Variant,
  blocks: readonly BenchBlock[],
  intervalMs: number,
): Promise<number[]> {
  const chain = benchChain()
  if (variant === 'own') warmUp({ chain })
  if (variant === 'full') await warmUpStep(chain, silentLogger).start()

  const hosts: GossipHost[] = [0, 1].map(() =>
    createGossipHost(
      {
        chain,
        privateKey: generatePeerKey(),
        listenIp: '127.0.0.1',
        listenTcpPort: 0,
        ipColocation: false,
      },
      {
        validator: createBlockValidator({
          chain,
          signer: () => addressFromPrivateKey(SEQUENCER_KEY),
        }),
      },
    ),
  )
  const [a, b] = hosts as [GossipHost, GossipHost]
  const topic = (blocks[0] as (typeof blocks)[number]).topic
  let waiting: { number: bigint; resolve: (at: number) => void } | null = null
  b.addConsumer({
    onBlock(block) {
      if (block.envelope.payload.blockNumber === waiting?.number) waiting.resolve(performance.now())
    },
  })
  try {
    for (const h of hosts) await h.start()
    await a.dial(b.listenAddresses()[0] as string)
    while (!(a.meshPeers()[topic]?.length && b.meshPeers()[topic]?.length)) {
      await new Promise((r) => setTimeout(r, 20))
    }
    const latencies: number[] = []
    for (const block of blocks) {
      await new Promise((r) => setTimeout(r, intervalMs))
      const accepted = new Promise<number>((resolve) => {
        waiting = { number: block.number, resolve }
      })
      const sent = performance.now()
      await a.publishUnvalidatedForTesting(block.topic, block.data)
      latencies.push((await accepted) - sent)
    }
    return latencies
  } finally {
    for (const h of hosts) await h.stop()
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

const round2 = (x: number) => Math.round(x * 100) / 100

const child = process.argv.indexOf('--child')
if (child > 0) {
  const variant = process.argv[child + 1] as Variant
  const file = process.argv[process.argv.indexOf('--blocks') + 1] as string
  const blocks = (JSON.parse(readFileSync(file, 'utf8')) as [string, string, string][]).map(
    ([topic, data, number]) => ({
      topic,
      data: new Uint8Array(Buffer.from(data, 'hex')),
      number: BigInt(number),
    }),
  )
  const latencies = await runOnce(variant, blocks, arg('--interval-ms', 100))
  process.stdout.write(JSON.stringify(latencies))
} else {
  const runs = arg('--runs', 5)
  const messages = arg('--messages', 60)
  const intervalMs = arg('--interval-ms', 100)
  const dir = mkdtempSync(join(tmpdir(), 'warm-up-bench-'))
  const file = join(dir, 'blocks.json')
  const perVariant = new Map<Variant, number[][]>(VARIANTS.map((v) => [v, []]))
  try {
    for (let run = 0; run < runs; run++) {
      for (const variant of VARIANTS) {
        const blocks = buildBlocks(messages).map((b) => [
          b.topic,
          Buffer.from(b.data).toString('hex'),
          String(b.number),
        ])
        writeFileSync(file, JSON.stringify(blocks))
        const out = spawnSync(
          process.execPath,
          [
            fileURLToPath(import.meta.url),
            '--child',
            variant,
            '--blocks',
            file,
            '--interval-ms',
            String(intervalMs),
          ],
          { encoding: 'utf8', maxBuffer: 1 << 20 },
        )
        if (out.status !== 0) throw new Error(`run ${variant} failed: ${out.stderr}`)
        perVariant.get(variant)?.push(JSON.parse(out.stdout) as number[])
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const summary: Record<string, Record<string, number>> = {}
  for (const [variant, all] of perVariant) {
    summary[variant] = {
      firstMs: round2(median(all.map((l) => l[0] as number))),
      p50Messages1to10Ms: round2(median(all.map((l) => median(l.slice(0, 10))))),
      p50Messages11to30Ms: round2(median(all.map((l) => median(l.slice(10, 30))))),
      [`p50Messages31to${messages}Ms`]: round2(median(all.map((l) => median(l.slice(30))))),
      p50Last20Ms: round2(median(all.map((l) => median(l.slice(-20))))),
    }
  }
  console.log(JSON.stringify({ runs, messages, intervalMs, summary }, null, 2))
}
