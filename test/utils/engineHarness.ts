/**
 * What the Engine API end-to-end tests share: fast driver timings, el-sims and drivers that are
 * cleaned up after each test, a JSON log capture, and small waits and reads on the EL.
 */
import { PassThrough } from 'node:stream'
import type { BuiltBlock } from '../../src/blocks/blockBuilder.ts'
import type { BlockMeta } from '../../src/engine/blockBuffer.ts'
import { type ElSim, type ElSimOptions, startElSim } from '../../src/engine/elSim.ts'
import {
  createEngineDriver,
  type EngineDriver,
  type EngineDriverOptions,
} from '../../src/engine/engineDriver.ts'
import type { Hex } from '../../src/engine/schema.ts'
import { createLogger, type Logger } from '../../src/util/logger.ts'
import { elSimPayload, JWT_SECRET, type TestChain } from '../unit/engine/helpers.ts'

/** Driver timings for tests: fast polls and reconnects. */
export const FAST_SYNC = {
  syncPollIntervalMs: 25,
  headPollIntervalMs: 100,
  fcuRefreshIntervalMs: 100,
  reconnectBaseDelayMs: 20,
  reconnectMaxDelayMs: 200,
} as const

export type Cleanups = Array<() => Promise<void>>

/** A JSON logger whose lines are collected, parsed, in `lines`. */
export function logCapture(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const stream = new PassThrough()
  const lines: Array<Record<string, unknown>> = []
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n'))
      if (line.trim() !== '') lines.push(JSON.parse(line))
  })
  return { log: createLogger({ format: 'json', level: 'debug', destination: stream }), lines }
}

/** el-sims and drivers registered in `cleanups` (the test file's afterEach runs them). */
export function engineHarness(
  cleanups: Cleanups,
  defaults: { sync?: Partial<EngineDriverOptions['sync']> } & Partial<EngineDriverOptions> = {},
) {
  async function el(t: TestChain, opts: Partial<ElSimOptions> = {}): Promise<ElSim> {
    const sim = await startElSim({
      chain: t.chain,
      jwtSecret: JWT_SECRET,
      genesis: t.genesis,
      syncDelayMs: 100,
      ...opts,
    })
    cleanups.push(() => sim.stop())
    return sim
  }

  /** An el-sim holding `blocks` as its canonical chain, with its unauthenticated eth_* port. */
  async function elWithChain(t: TestChain, blocks: BuiltBlock[]): Promise<ElSim> {
    const sim = await el(t, { httpPort: 0 })
    for (const b of blocks) {
      const status = sim.chainState.insertCanonical(elSimPayload(b)).status
      if (status !== 'VALID') throw new Error(`el-sim refused block ${b.blockNumber}: ${status}`)
    }
    return sim
  }

  function driverFor(
    t: TestChain,
    url: string,
    extra: Partial<EngineDriverOptions> = {},
    log = logCapture().log,
  ): EngineDriver {
    const driver = createEngineDriver(
      {
        chain: t.chain,
        engineUrl: url,
        jwtSecret: JWT_SECRET,
        ...defaults,
        ...extra,
        sync: { ...FAST_SYNC, ...defaults.sync, ...extra.sync },
      },
      { log },
    )
    cleanups.push(() => driver.stop())
    return driver
  }

  return { el, elWithChain, driverFor }
}

let messageCounter = 0
/** Gossip metadata for a block handed to the driver directly. */
export function meta(): BlockMeta {
  const now = Date.now()
  return {
    messageId: new Uint8Array(20).fill(++messageCounter % 256),
    fromPeer: 'peer-a',
    firstSeenMs: now,
    validatedMs: now,
  }
}

export function feed(driver: EngineDriver, blocks: BuiltBlock[]): void {
  for (const b of blocks) driver.onBlock(b.envelope, meta())
}

export async function waitUntil(
  what: string,
  cond: () => boolean,
  timeoutMs = 8_000,
): Promise<void> {
  const start = Date.now()
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export const confirmedHash = (d: EngineDriver) => d.status().confirmed?.hash

/** engine_newPayload calls the EL received (any version), in order. */
function newPayloadParams(sim: ElSim): Array<{ blockHash: Hex; blockNumber: Hex }> {
  return sim.calls
    .filter((c) => c.method.startsWith('engine_newPayload'))
    .map((c) => c.params[0] as { blockHash: Hex; blockNumber: Hex })
}

export const newPayloadHashes = (sim: ElSim): Hex[] =>
  newPayloadParams(sim).map((p) => p.blockHash.toLowerCase() as Hex)

export const newPayloadNumbers = (sim: ElSim): number[] =>
  newPayloadParams(sim).map((p) => Number.parseInt(p.blockNumber, 16))
