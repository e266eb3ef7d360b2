import { afterEach, describe, expect, it } from 'vitest'
import {
  ADMIN_SINK_MAX_QUEUED_BLOCKS,
  createAdminRpcSink,
} from '../../../src/engine/adminRpcSink.ts'
import { rpcError, rpcResult, sampleEnvelope, startCaptureServer } from './helpers.ts'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

async function until(cond: () => boolean) {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(cond()).toBe(true)
}

describe('engine / adminRpcSink', () => {
  it('posts op-node envelopes in order; an answered error is counted and not retried', async () => {
    const s = await startCaptureServer((req, n) =>
      n === 2 ? rpcError(req.id, -32000, 'payload has bad block hash') : rpcResult(req.id, null),
    )
    closers.push(s.close)
    const sink = createAdminRpcSink({ url: s.url })
    closers.push(() => sink.stop())
    for (const v of [2, 3, 4] as const) sink.post(sampleEnvelope(v))
    await until(() => sink.status().posted + sink.status().rejected === 3)
    expect(sink.status()).toMatchObject({ posted: 2, rejected: 1, dropped: 0, queued: 0 })
    expect(sink.status().lastError).toMatch(/bad block hash/)
    const sent = s.requests.map(
      (r) =>
        JSON.parse(r.body) as {
          method: string
          params: [{ executionPayload: { timestamp: string } }]
        },
    )
    expect(sent.map((b) => b.method)).toEqual(Array(3).fill('admin_postUnsafePayload'))
    expect(sent.map((b) => b.params[0].executionPayload.timestamp)).toEqual([
      '0x5dc',
      '0x9c4',
      '0x1194',
    ])
  })

  it('retries a dropped connection; the queue keeps at most its limit, oldest dropped', async () => {
    let up = false
    const s = await startCaptureServer((req) => (up ? rpcResult(req.id, null) : 'destroy'))
    closers.push(s.close)
    const sink = createAdminRpcSink({
      url: s.url,
      maxQueuedBlocks: 3,
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 20,
    })
    closers.push(() => sink.stop())
    for (let i = 0; i < 5; i++) sink.post(sampleEnvelope(4))
    // The first block is in flight (retried); four wait in a queue of 3: one (the oldest) dropped.
    expect(sink.status()).toMatchObject({ queued: 3, dropped: 1 })
    await until(() => s.requests.length >= 2) // refused twice
    expect(sink.status().posted).toBe(0)
    up = true
    await until(() => sink.status().posted === 4)
    expect(sink.status().queued).toBe(0)
    expect(s.requests.length).toBeGreaterThanOrEqual(6) // the in-flight block was retried
    expect(ADMIN_SINK_MAX_QUEUED_BLOCKS).toBe(64)
  })
})
