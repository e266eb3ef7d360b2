import { describe, expect, it } from 'vitest'
import type { PublishedEvent } from '../../../src/devnet/devnet.ts'
import {
  BlockProgress,
  blockReportJson,
  formatBlockLine,
  formatMeshLine,
  MAX_TRACKED_BLOCKS,
} from '../../../src/devnet/liveView.ts'
import type { DevnetNode } from '../../../src/devnet/nodeChild.ts'

function published(number: number, publishedMs = 1000): PublishedEvent {
  return {
    blockHash: `0x${number.toString(16).padStart(64, '0')}`,
    number,
    timestamp: number,
    publishedMs,
    publishCallMs: 2,
    validationMs: 1,
    buildMs: 50,
    bytes: 100_000,
    compressedBytes: 77_000,
    txs: 376,
    recipients: 3,
  }
}

function node(
  index: number,
  peers: number,
  mesh: number,
  rssMb: number,
  exited = false,
): DevnetNode {
  return {
    index,
    role: index === 0 ? 'sequencer' : 'follower',
    road: 'gossip',
    peerId: `p${index}`,
    addresses: [],
    pid: 1,
    elUrl: null,
    elHead: null,
    peakRssBytes: rssMb * 1e6,
    exited,
    stopped: false,
    stats: {
      peers,
      mesh,
      backlog: 0,
      counters: {
        atMs: 0,
        bytesSent: 0,
        bytesReceived: 0,
        duplicates: 0,
        messagesReceived: 0,
        accepted: 0,
        rejected: 0,
        ignored: 0,
        cpuSeconds: 0,
        rssBytes: rssMb * 1e6,
        heapUsedBytes: 0,
        externalBytes: 0,
      },
    },
  }
}

describe('devnet / liveView', () => {
  it('reports a block once every follower has it, with first / median / last', () => {
    const progress = new BlockProgress(3)
    expect(progress.onPublished(published(5))).toEqual([])
    expect(progress.onArrival(1, published(5).blockHash, 1004)).toBeNull()
    expect(progress.onArrival(1, published(5).blockHash, 1100)).toBeNull() // a repeat is ignored
    expect(progress.onArrival(2, published(5).blockHash, 1002)).toBeNull()
    const r = progress.onArrival(3, published(5).blockHash, 1010)
    expect(r).not.toBeNull()
    expect(blockReportJson(r!)).toMatchObject({
      number: 5,
      received: 3,
      followers: 3,
      firstMs: 2,
      medianMs: 4,
      lastMs: 10,
    })
    const line = formatBlockLine(r!)
    expect(line).toContain('#5')
    expect(line).toContain('100.0 KB')
    expect(line).toMatch(/first\s+2\.0 ms\s+median\s+4\.0 ms\s+last\s+10\.0 ms\s+3\/3 nodes$/)
    // reported once only
    expect(progress.onArrival(3, published(5).blockHash, 1010)).toBeNull()
    expect(progress.flushAll()).toEqual([])
  })

  it('keeps arrivals reported before the block was announced', () => {
    const progress = new BlockProgress(2)
    const b = published(9, 500)
    expect(progress.onArrival(1, b.blockHash, 503)).toBeNull()
    expect(progress.onArrival(2, b.blockHash, 501)).toBeNull()
    const [r] = progress.onPublished(b)
    expect(r === undefined ? null : blockReportJson(r)).toMatchObject({
      number: 9,
      received: 2,
      firstMs: 1,
      lastMs: 3,
    })
    // early arrivals of blocks never announced stay bounded
    for (let n = 0; n < MAX_TRACKED_BLOCKS * 3; n++) progress.onArrival(1, `0x${n}`, 0)
    const late = progress.onPublished(published(1000))
    expect(late).toEqual([])
  })

  it('flushes overdue blocks with the missing count, and bounds what it tracks', () => {
    const progress = new BlockProgress(2)
    progress.onPublished(published(1, 0))
    progress.onArrival(1, published(1).blockHash, 3)
    expect(progress.flushOverdue(1000, 2000)).toEqual([])
    const [late] = progress.flushOverdue(2001, 2000)
    expect(formatBlockLine(late!)).toContain('1/2 nodes (1 missing)')
    const pushedOut = []
    for (let n = 10; n < 10 + MAX_TRACKED_BLOCKS + 2; n++)
      pushedOut.push(...progress.onPublished(published(n)))
    expect(pushedOut.map((r) => r.published.number)).toEqual([10, 11])
  })

  it('adds the EL heads when nodes run an EL', () => {
    const a = { ...node(1, 1, 1, 1), elHead: 7 }
    const b = { ...node(2, 1, 1, 1), elHead: 9 }
    expect(formatMeshLine([a, b])).toContain('EL heads 7-9')
  })

  it('summarises peers, mesh and memory over live nodes', () => {
    const line = formatMeshLine([
      node(0, 6, 6, 150),
      node(1, 5, 4, 120),
      node(2, 6, 5, 130),
      node(3, 0, 0, 0, true),
    ])
    expect(line).toBe(
      'peers 5-6 per follower · mesh 4-5 · sequencer peers 6 mesh 6 · max RSS 150 MB · 1 node(s) down',
    )
  })
})
