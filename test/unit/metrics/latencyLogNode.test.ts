/**
 * `op-gossip run --p2p.latency.log FILE --p2p.latency.region NAME`: the flags reach the node, and
 * a node built by createNode writes one row per accepted block (first sight, delivering peer),
 * none for a duplicate.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addRunOptions, type RunFlags } from '../../../src/cli/run/flags.ts'
import { parseRunFlags } from '../../../src/cli/run/parse.ts'
import { UsageError } from '../../../src/cli/usageError.ts'
import type { AcceptedBlock } from '../../../src/gossip/types.ts'
import {
  DEFAULT_LATENCY_LOG_REGION,
  LATENCY_LOG_CSV_HEADER,
} from '../../../src/metrics/latencyLog.ts'
import { createNode } from '../../../src/node.ts'
import { parseFlags } from '../../utils/cli.ts'
import {
  SEQUENCER_ADDRESS,
  startNode,
  stopAll,
  testBuilder,
  testChain,
  waitFor,
} from '../../utils/mesh.ts'

const parse = (args: string[], env: Record<string, string> = {}) =>
  parseFlags<RunFlags>(addRunOptions, ['--network', 'op-sepolia', ...args], env)

describe('metrics / latencyLog in the node', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'latency-log-node-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('--p2p.latency.log and --p2p.latency.region become the node option', async () => {
    expect((await parseRunFlags(await parse([]))).node.latencyLog).toBeNull()
    const given = await parseRunFlags(
      await parse(['--p2p.latency.log', '/tmp/l.csv', '--p2p.latency.region', 'eu-west']),
    )
    expect(given.node.latencyLog).toEqual({ path: '/tmp/l.csv', region: 'eu-west' })
    const byEnv = await parseRunFlags(await parse([], { OP_GOSSIP_P2P_LATENCY_LOG: '/tmp/e.csv' }))
    expect(byEnv.node.latencyLog).toEqual({
      path: '/tmp/e.csv',
      region: DEFAULT_LATENCY_LOG_REGION,
    })
    const bad = parseRunFlags(
      await parse(['--p2p.latency.log', '/tmp/l.csv', '--p2p.latency.region', 'a,b']),
    )
    await expect(bad).rejects.toBeInstanceOf(UsageError)
    await expect(bad).rejects.toMatchObject({ flag: '--p2p.latency.region' })
  })

  it('writes one row per accepted block: first-seen time, number, hash, delivering peer', async () => {
    const chain = testChain()
    const path = join(dir, 'latency.csv')
    const seen: AcceptedBlock[] = []
    const node = createNode(
      {
        chain,
        peerKeyPath: join(dir, 'key.txt'),
        gossip: { listenIp: '127.0.0.1', listenTcpPort: 0, ipColocation: false },
        signer: { configuredSigner: `0x${Buffer.from(SEQUENCER_ADDRESS).toString('hex')}` },
        discovery: null,
        // The warm-up has its own tests; here it would only add seconds.
        warmUp: false,
        logBlocks: false,
        latencyLog: { path, region: 'lab' },
      },
      { consumers: [{ onBlock: (b) => void seen.push(b) }] },
    )
    const sender = await startNode({ chain })
    try {
      await node.start()
      expect(readFileSync(path, 'utf8')).toBe(`${LATENCY_LOG_CSV_HEADER}\n`)
      await sender.host.dial(node.host.listenAddresses()[0] as string)
      const topic = sender.host.topics[3] as string
      await waitFor('meshed', () => (sender.host.meshPeers()[topic]?.length ?? 0) === 1)
      const block = testBuilder(chain, 71).next()
      await sender.host.publish(block)
      await waitFor('accepted', () => seen.length === 1)
      // the same block again is a duplicate: no second row
      await sender.host.publish(block).catch(() => {})
      await waitFor('the row', () => readFileSync(path, 'utf8').split('\n').length === 3)
    } finally {
      await node.stop()
      await stopAll([sender])
    }
    const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1)
    expect(rows).toHaveLength(1)
    const [recvNs, number, hash, producedSec, millis, region, peer] = (rows[0] as string).split(',')
    const first = seen[0] as AcceptedBlock
    expect(BigInt(recvNs as string) / 1_000_000n).toBe(BigInt(Math.floor(first.firstSeenMs)))
    expect(number).toBe(String(first.envelope.payload.blockNumber))
    expect(hash).toBe(`0x${Buffer.from(first.envelope.payload.blockHash).toString('hex')}`)
    expect(producedSec).toBe(String(first.envelope.payload.timestamp))
    expect(millis).toBe('0')
    expect(region).toBe('lab')
    expect(peer).toBe(sender.host.peerId)
  })
})
