/**
 * The sync target at start: the trusted source's `latest` goes to the driver once the EL's head
 * is known and only when it is newer; an answer that says the source serves no blocks ends it,
 * a failed read is retried up to HEAD_AT_START_MAX_ATTEMPTS.
 */
import { describe, expect, it } from 'vitest'
import { EngineError } from '../../../src/engine/errors.ts'
import { createHeadAtStart } from '../../../src/engine/gapFill/headAtStart.ts'
import { GapFillError, type TrustedRpc } from '../../../src/engine/gapFill/trustedRpc.ts'
import type { RpcBlockPayload } from '../../../src/engine/rpcBlock.ts'
import type { BlockRef } from '../../../src/engine/schema.ts'
import { samplePayload } from './helpers.ts'

const headAt = (number: number): BlockRef => ({
  number,
  hash: `0x${'ab'.repeat(32)}`,
  parentHash: `0x${'cd'.repeat(32)}`,
  timestamp: 0,
})
const latest = (n: number): RpcBlockPayload => {
  const payload = samplePayload(4)
  payload.blockNumber = BigInt(n)
  return { version: 4, payload }
}

function setup(answer: () => Promise<RpcBlockPayload | null>, elHead: () => BlockRef | null) {
  const offered: number[] = []
  let reads = 0
  const rpc: TrustedRpc = {
    url: 'http://127.0.0.1:1',
    async checkChainId() {},
    async block() {
      reads++
      return answer()
    },
  }
  const part = createHeadAtStart(
    { source: 'backup-rpc', retryIntervalMs: 5, maxAttempts: 3 },
    {
      host: {
        confirmedHead: elHead,
        offerFetchedBlock: (b) => offered.push(Number(b.payload.blockNumber)),
      },
      rpc,
    },
  )
  return { part, offered, reads: () => reads }
}

const settle = () => new Promise((r) => setTimeout(r, 100))

describe('engine / headAtStart', () => {
  it('waits for the EL head, then hands over the source head when it is newer', async () => {
    let head: BlockRef | null = null
    const s = setup(
      async () => latest(40),
      () => head,
    )
    s.part.start()
    await new Promise((r) => setTimeout(r, 20))
    expect(s.reads()).toBe(0)
    head = headAt(10)
    await settle()
    expect(s.offered).toEqual([40])
    await s.part.stop()
  })

  it('an EL already at the source head gets nothing', async () => {
    const s = setup(
      async () => latest(10),
      () => headAt(10),
    )
    s.part.start()
    await settle()
    expect(s.offered).toEqual([])
    expect(s.reads()).toBe(1)
  })

  it('a source that answers with a JSON-RPC error (an op-node) is asked once', async () => {
    const s = setup(
      async () => {
        throw new GapFillError(
          'unavailable',
          'method not found',
          new EngineError('ENGINE_RPC_ERROR', 'eth_getBlockByNumber: the method does not exist'),
        )
      },
      () => headAt(10),
    )
    s.part.start()
    await settle()
    expect(s.reads()).toBe(1)
  })

  it('a source that cannot be reached is tried at most maxAttempts times', async () => {
    const s = setup(
      async () => {
        throw new GapFillError('unavailable', 'ECONNREFUSED')
      },
      () => headAt(10),
    )
    s.part.start()
    await settle()
    expect(s.reads()).toBe(3)
    expect(s.offered).toEqual([])
  })
})
