/**
 * `op-gossip run` wired to an execution client, through the real CLI: real `run` processes with
 * `--l2` / `--l2.jwt-secret` against el-sim (real HTTP, real JWT) and an in-process sequencer
 * gossiping real signed blocks over TCP. What the Engine driver, the RPC and the metrics do on
 * their own is tested elsewhere (engine, rpc, metrics e2e); here: that `run` connects them.
 *
 * One story, in order: a follower applies each block on its EL and answers /metrics, the RPC and
 * /healthz → restarted, it resumes from the EL's heads → a second follower that missed the first
 * blocks closes the gap through EL sync from an upstream el-sim (no req-resp) → start-up errors.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BuiltBlock, createBlockBuilder } from '../../src/blocks/blockBuilder.ts'
import { serializeRollupConfig } from '../../src/chains/rollupConfig.ts'
import { type ElSim, startElSim } from '../../src/engine/elSim.ts'
import type { Hex } from '../../src/engine/schema.ts'
import { BLOCK_LOG_MESSAGE } from '../../src/metrics/blockLog.ts'
import { bytesToHex } from '../../src/metrics/blockTimeline.ts'
import { freshGenesis, rpcCall } from '../unit/metrics/observedNode.ts'
import { CLI, NODE } from '../utils/cli.ts'
import {
  type MeshNode,
  SEQUENCER_ADDRESS,
  SEQUENCER_KEY,
  startNode,
  stopAll,
  testChain,
  waitFor,
} from '../utils/mesh.ts'

const chain = testChain({ blockTime: 1, genesis: freshGenesis(30) })
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

// biome-ignore lint/suspicious/noExplicitAny: the tests read JSON log lines and results freely
type Json = any

/** A `run` process with its stderr parsed as JSON log lines. */
interface RunProcess {
  child: ChildProcess
  lines: Json[]
  stderr(): string
  exit: Promise<number | null>
  /** From the 'op-gossip node started' line */
  started: { peerId: string; listen: string[]; rpc: string | null; metrics: string | null }
}

function spawnRun(args: string[]): { child: ChildProcess; lines: Json[]; stderr: () => string } {
  const child = spawn(NODE, [CLI, 'run', ...args])
  const lines: Json[] = []
  let text = ''
  let buffer = ''
  child.stderr?.on('data', (d) => {
    text += String(d)
    buffer += String(d)
    const parts = buffer.split('\n')
    buffer = parts.pop() ?? ''
    for (const line of parts) if (line.startsWith('{')) lines.push(JSON.parse(line))
  })
  return { child, lines, stderr: () => text }
}

async function startRun(args: string[]): Promise<RunProcess> {
  const { child, lines, stderr } = spawnRun(args)
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve))
  let exited = false
  void exit.then(() => {
    exited = true
  })
  await waitFor(
    'the node to start',
    () => {
      if (exited) throw new Error(`run exited early: ${stderr()}`)
      return lines.some((l) => l.msg === 'op-gossip node started')
    },
    40_000,
  )
  const started = lines.find((l) => l.msg === 'op-gossip node started')
  return { child, lines, stderr, exit, started }
}

async function stopRun(run: RunProcess): Promise<number | null> {
  run.child.kill('SIGTERM')
  return run.exit
}

/** Blocks whose line `run` logged: block number → how many times. */
function acceptedLines(run: RunProcess): Json[] {
  return run.lines.filter((l) => l.msg === BLOCK_LOG_MESSAGE)
}

/** newPayload calls (any version) in order: block hash and the EL's answer. */
function newPayloads(sim: ElSim): Array<{ hash: string; status: string | undefined }> {
  return sim.calls
    .filter((c) => c.method.startsWith('engine_newPayload'))
    .map((c) => ({
      hash: String((c.params[0] as { blockHash: string }).blockHash).toLowerCase(),
      status: (c.result as { status?: string } | undefined)?.status,
    }))
}

const newPayloadHashes = (sim: ElSim) => newPayloads(sim).map((p) => p.hash)

function fcuCalls(sim: ElSim): Array<{ head: string; status: string | undefined }> {
  return sim.callsOf('engine_forkchoiceUpdatedV3').map((c) => ({
    head: String((c.params[0] as { headBlockHash: string }).headBlockHash).toLowerCase(),
    status: (c.result as { payloadStatus?: { status: string } } | undefined)?.payloadStatus?.status,
  }))
}

describe('e2e / run with an execution client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'op-gossip-run-engine-'))
  const rollup = join(dir, 'rollup.json')
  const jwtPath = join(dir, 'jwt.hex')
  const jwtSecret = new Uint8Array(randomBytes(32))
  const keyPath = join(dir, 'opnode_p2p_priv.txt')
  const runs: RunProcess[] = []
  const sims: ElSim[] = []
  const published: BuiltBlock[] = []
  let sequencer: MeshNode
  let el: ElSim
  let first: RunProcess
  const builder = createBlockBuilder({
    chain,
    privateKey: SEQUENCER_KEY,
    seed: 77,
    txCount: 2,
    startTimestamp: BigInt(Math.floor(Date.now() / 1000) - 10),
  })

  /** The flags every follower here runs with; `extra` adds / overrides. */
  function runArgs(engineUrl: string, extra: string[] = []): string[] {
    return [
      '--rollup.config',
      rollup,
      '--l2',
      engineUrl,
      '--l2.jwt-secret',
      jwtPath,
      '--p2p.listen.ip',
      '127.0.0.1',
      '--p2p.listen.tcp',
      '0',
      '--p2p.no-discovery',
      '--p2p.scoring.ip-colocation=false',
      '--p2p.priv.path',
      keyPath,
      '--p2p.unsafe-block-signer',
      `0x${hex(SEQUENCER_ADDRESS)}`,
      '--rpc.port',
      '0',
      '--log.format',
      'json',
      ...extra,
    ]
  }

  /** Next block: timestamps follow the wall clock (blocks older than 60 s are refused). */
  function nextBlock(): BuiltBlock {
    const prev = published.at(-1)?.timestamp ?? 0n
    const now = BigInt(Math.floor(Date.now() / 1000) - 5)
    const block = builder.next({ timestamp: prev + 1n > now ? prev + 1n : now })
    published.push(block)
    return block
  }

  async function meshWith(run: RunProcess): Promise<void> {
    await sequencer.host.dial(run.started.listen[0] as string)
    const topic = sequencer.host.topics[3] as string
    await waitFor('the follower in the sequencer mesh', () =>
      (sequencer.host.meshPeers()[topic] ?? []).includes(run.started.peerId),
    )
  }

  async function publish(count: number): Promise<BuiltBlock[]> {
    const out: BuiltBlock[] = []
    for (let i = 0; i < count; i++) {
      const block = nextBlock()
      await sequencer.host.publish(block)
      out.push(block)
    }
    return out
  }

  const headOf = (sim: ElSim) => sim.chainState.head

  beforeAll(async () => {
    writeFileSync(rollup, serializeRollupConfig(chain))
    writeFileSync(jwtPath, `0x${hex(jwtSecret)}\n`)
    el = await startElSim({ chain, jwtSecret, syncDelayMs: 100 })
    sims.push(el)
    sequencer = await startNode({ chain })
    first = await startRun(
      runArgs(el.url, ['--metrics.enabled', '--metrics.port', '0', '--rpc.health-window', '30s']),
    )
    runs.push(first)
  })

  afterAll(async () => {
    for (const r of runs) r.child.kill('SIGKILL')
    await stopAll([sequencer].filter(Boolean))
    await Promise.all(sims.map((s) => s.stop()))
    rmSync(dir, { recursive: true, force: true })
  })

  it('hands each gossiped block to the EL: newPayload, then FCU with it as head', async () => {
    expect(first.started.peerId).toMatch(/^16Uiu2H/)
    const connected = first.lines.find((l) => l.msg === 'EL connected')
    expect(connected?.latest?.number).toBe(0)
    await meshWith(first)
    // One block at a time, as a sequencer produces them (blocks in a burst share one FCU).
    const blocks: BuiltBlock[] = []
    for (let i = 0; i < 3; i++) {
      const [block] = await publish(1)
      blocks.push(block as BuiltBlock)
      const hash = bytesToHex((block as BuiltBlock).blockHash)
      await waitFor(`the EL head at block ${i + 1}`, () => headOf(el).hash === hash)
    }
    expect(newPayloads(el)).toEqual(
      blocks.map((b) => ({ hash: bytesToHex(b.blockHash), status: 'VALID' })),
    )
    const fcus = fcuCalls(el)
    for (const b of blocks) {
      expect(fcus).toContainEqual({ head: bytesToHex(b.blockHash), status: 'VALID' })
    }
  })

  it('serves /metrics, the status RPC (opp2p_self, optimism_syncStatus) and /healthz', async () => {
    const last = published.at(-1) as BuiltBlock
    expect(first.started.metrics).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/)
    expect(first.started.rpc).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/)
    expect(first.lines.some((l) => l.msg === 'status RPC listening')).toBe(true)

    const metrics = await fetch(`${first.started.metrics}/metrics`)
    expect(metrics.status).toBe(200)
    const text = await metrics.text()
    expect(text).toMatch(/^op_gossip_engine_new_payload_total\{status="VALID"\} 3$/m)
    expect(text).toMatch(/^op_gossip_engine_target_block_number 3$/m)
    expect(text).toMatch(/^op_gossip_gossip_messages_total\{.*verdict="accept".*\} 3$/m)
    // The host got the libp2p / gossipsub hooks too.
    expect(text).toMatch(/^op_gossip_gossipsub_/m)
    expect(text).toMatch(/^libp2p_/m)

    const rpc = first.started.rpc as string
    const self: Json = await rpcCall(rpc, 'opp2p_self')
    expect(self.result.peerID).toBe(first.started.peerId)
    expect(self.result.chainID).toBe(chain.chainId)
    const sync: Json = await rpcCall(rpc, 'optimism_syncStatus')
    expect(sync.result.unsafe_l2.hash).toBe(bytesToHex(last.blockHash))
    expect(sync.result.unsafe_l2.number).toBe(Number(last.blockNumber))

    const health = await fetch(`${rpc}/healthz`)
    expect(health.status).toBe(200)
    expect(((await health.json()) as Json).healthy).toBe(true)
  })

  it('logs one "accepted block" line per block, with the EL outcome, and no secret', async () => {
    await waitFor('a line per block', () => acceptedLines(first).length >= 3)
    const lines = acceptedLines(first)
    expect(lines.map((l) => l.number)).toEqual([1, 2, 3])
    for (const [i, line] of lines.entries()) {
      const block = published[i] as BuiltBlock
      expect(line.level).toBe(30)
      expect(line.hash).toBe(bytesToHex(block.blockHash))
      expect(line.peer).toBe(sequencer.host.peerId)
      expect(typeof line.arrivalDelayMs).toBe('number')
      expect(line.engine).toBe('VALID')
    }
    // No other line of the run says "block accepted" (the old relay line is gone).
    expect(first.lines.filter((l) => /block/i.test(l.msg) && /accept/i.test(l.msg))).toHaveLength(3)
    const peerKeyHex = readFileSync(keyPath, 'utf8').trim().replace(/^0x/, '')
    expect(peerKeyHex).toMatch(/^[0-9a-f]{64}$/)
    expect(first.stderr()).not.toContain(hex(jwtSecret))
    expect(first.stderr()).not.toContain(peerKeyHex)
  })

  it('restarted, it resumes from the EL heads: the next blocks are adjacent and VALID', async () => {
    expect(await stopRun(first)).toBe(0)
    expect(first.lines.some((l) => l.msg === 'op-gossip node stopped')).toBe(true)
    const headBefore = headOf(el)
    el.clearCalls()
    const again = await startRun(runArgs(el.url))
    runs.push(again)
    expect(again.started.peerId).toBe(first.started.peerId) // same key file
    const connected = again.lines.find((l) => l.msg === 'EL connected')
    expect(connected?.latest).toEqual({ number: headBefore.number, hash: headBefore.hash })
    await meshWith(again)
    const blocks = await publish(2)
    const last = blocks.at(-1) as BuiltBlock
    await waitFor(
      'the EL head at the last block',
      () => headOf(el).hash === bytesToHex(last.blockHash),
    )
    // Only the new blocks were sent, each accepted at once (parent known): no sync, no replay.
    expect(newPayloads(el)).toEqual(
      blocks.map((b) => ({ hash: bytesToHex(b.blockHash), status: 'VALID' })),
    )
    expect(fcuCalls(el).every((f) => f.status === 'VALID')).toBe(true)
    await waitFor('its block lines', () => acceptedLines(again).length === 2)
    expect(acceptedLines(again).map((l) => l.number)).toEqual(
      blocks.map((b) => Number(b.blockNumber)),
    )
  })

  it('a follower that missed blocks closes the gap by EL sync from an upstream, no req-resp', async () => {
    // The first follower's EL has every block so far: it is the network the new EL syncs from.
    const lagging = await startElSim({ chain, jwtSecret, upstream: el.url, syncDelayMs: 100 })
    sims.push(lagging)
    const missed = published.length
    expect(missed).toBe(5)
    const follower = await startRun(
      runArgs(lagging.url, ['--p2p.priv.path', join(dir, 'follower_priv.txt')]),
    )
    runs.push(follower)
    expect(headOf(lagging).number).toBe(0)
    await meshWith(follower)
    const [gapBlock] = await publish(1)
    const gapHash = bytesToHex((gapBlock as BuiltBlock).blockHash)
    await waitFor(
      'the lagging EL synced to the head',
      () => headOf(lagging).hash === gapHash,
      20_000,
    )
    // It never got the missed blocks from op-gossip: only the gossiped one, which it synced to.
    expect(newPayloadHashes(lagging)).toEqual([gapHash])
    for (const b of published.slice(0, missed)) {
      expect(lagging.chainState.isCanonical(bytesToHex(b.blockHash) as Hex)).toBe(true)
    }
    // The next block is adjacent again.
    const [next] = await publish(1)
    const nextHash = bytesToHex((next as BuiltBlock).blockHash)
    await waitFor('the lagging EL at the next block', () => headOf(lagging).hash === nextHash)
    expect(newPayloads(lagging).at(-1)).toEqual({ hash: nextHash, status: 'VALID' })
    await waitFor('its block lines', () => acceptedLines(follower).length === 2)
    expect(acceptedLines(follower).map((l) => l.number)).toEqual([6, 7])
    expect(follower.stderr()).not.toContain(hex(jwtSecret))
  })

  it('a wrong JWT secret or a malformed secret file stops start: one line, exit status 2', async () => {
    const wrongPath = join(dir, 'wrong.hex')
    writeFileSync(wrongPath, hex(randomBytes(32)))
    const malformedPath = join(dir, 'malformed.hex')
    writeFileSync(malformedPath, `0x${hex(jwtSecret).slice(0, 40)}zz\n`)
    const cases: Array<[string, RegExp]> = [
      [wrongPath, /^op-gossip: --l2\.jwt-secret: .*HTTP 401.*JWT/],
      [
        malformedPath,
        /^op-gossip: --l2\.jwt-secret: JWT secret file .*malformed\.hex must be 64 hex/,
      ],
    ]
    const results = await Promise.all(
      cases.map(([secretFile]) => {
        const { child, stderr } = spawnRun([
          ...runArgs(el.url, ['--p2p.priv.path', join(dir, 'err_priv.txt')]),
          '--l2.jwt-secret',
          secretFile,
          '--log.level',
          'silent',
        ])
        return new Promise<{ code: number | null; stderr: string }>((resolve) =>
          child.on('exit', (code) => resolve({ code, stderr: stderr() })),
        )
      }),
    )
    for (const [i, r] of results.entries()) {
      const [file, pattern] = cases[i] as (typeof cases)[number]
      expect(r.code, file).toBe(2)
      expect(r.stderr.trimEnd().split('\n'), file).toHaveLength(1)
      expect(r.stderr, file).toMatch(pattern)
      expect(r.stderr).not.toMatch(/\n\s+at /)
      expect(r.stderr).not.toContain(readFileSync(file, 'utf8').trim().replace(/^0x/, ''))
    }
  })
})
