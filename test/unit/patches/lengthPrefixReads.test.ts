import { LengthPrefixedDecoder } from '@libp2p/utils'
import { describe, expect, it } from 'vitest'
import { quietEmptyLengthPrefixReads } from '../../../src/patches/lengthPrefixReads.ts'

quietEmptyLengthPrefixReads()

/** noise's framing: a 2-byte big-endian length, then the frame */
function uint16Frames(lengths: number[]): { wire: Uint8Array; frames: Uint8Array[] } {
  const frames = lengths.map((n, k) => Uint8Array.from({ length: n }, (_, i) => (i + k) & 0xff))
  const wire = Buffer.concat(frames.flatMap((f) => [Buffer.from([f.length >> 8, f.length]), f]))
  return { wire, frames }
}

/** A uint16 length decoder like noise's, recording the remainder sizes it was called with. */
function recordingUint16Decoder() {
  const calls: number[] = []
  const lengthDecoder = (data: { byteLength: number; subarray(): Uint8Array }) => {
    calls.push(data.byteLength)
    if (data.byteLength < 2) throw new RangeError('Could not decode int16BE')
    const b = data.subarray()
    return ((b[0] as number) << 8) | (b[1] as number)
  }
  return { calls, lengthDecoder }
}

function decodeChunks(decoder: LengthPrefixedDecoder, chunks: Uint8Array[]): Uint8Array[] {
  return chunks.flatMap((c) => [...decoder.decode(c)].map((f) => Uint8Array.from(f.subarray())))
}

describe('patches / lengthPrefixReads', () => {
  const { wire, frames } = uint16Frames([5, 300, 1, 70])

  it('decodes reads that end on a frame boundary without calling the length decoder on nothing', () => {
    const { calls, lengthDecoder } = recordingUint16Decoder()
    const decoder = new LengthPrefixedDecoder({ lengthDecoder, encodingLength: () => 2 })
    // each read ends exactly where a frame ends
    const ends = [7, 309, 312, wire.length]
    const chunks = ends.map((end, k) => wire.subarray(k === 0 ? 0 : ends[k - 1], end))
    expect(decodeChunks(decoder, chunks)).toEqual(frames)
    expect(calls).toHaveLength(frames.length)
    expect(calls).not.toContain(0)
  })

  it('still hands a remainder shorter than its prefix to the library decoder, one byte at a time', () => {
    const { calls, lengthDecoder } = recordingUint16Decoder()
    const decoder = new LengthPrefixedDecoder({ lengthDecoder, encodingLength: () => 2 })
    const bytes = Array.from(wire, (b) => Uint8Array.of(b))
    expect(decodeChunks(decoder, bytes)).toEqual(frames)
    expect(calls).toContain(1)
    expect(calls).not.toContain(0)
  })

  it('installs once per process (every host start calls it)', () => {
    const installed = LengthPrefixedDecoder.prototype.decode
    quietEmptyLengthPrefixReads()
    expect(LengthPrefixedDecoder.prototype.decode).toBe(installed)
  })

  it('keeps the default varint framing working across any split', () => {
    const payloads = [Uint8Array.of(1, 2, 3), new Uint8Array(200).fill(7), Uint8Array.of(9)]
    const varint = (n: number) => (n < 128 ? [n] : [(n & 0x7f) | 0x80, n >> 7])
    const stream = Buffer.concat(payloads.flatMap((p) => [Buffer.from(varint(p.length)), p]))
    for (let split = 0; split <= stream.length; split++) {
      const decoder = new LengthPrefixedDecoder()
      const out = decodeChunks(decoder, [stream.subarray(0, split), stream.subarray(split)])
      expect(out).toEqual(payloads)
    }
  })
})
