/**
 * Snappy block ("raw") format for gossip messages (op-gossip.md §2.1), strict like Go's
 * golang/snappy `DecodedLen` / `Decode`, which op-node uses.
 *
 * Why the decoder is hand-written: snappyjs's `uncompress` is lenient where Go is strict. It
 * accepts truncated streams (returning a zero-padded buffer of the declared length), copies and
 * literals that run past the declared length (silently dropped writes), a truncated 1-byte-offset
 * copy at the end of the stream, and trailing elements after the output is full. It is also
 * stricter than Go in two places: it rejects length headers longer than 5 bytes (Go's
 * `binary.Uvarint` accepts up to 10, zero-padded), and it rejects a long-form literal near the end
 * of the stream when fewer than 4 bytes follow its tag. Matching op-node's accept/reject set exactly
 * therefore needs our own parser, which checks each element as it copies it (one pass).
 * snappyjs is still used for compression.
 */
import snappyjs from 'snappyjs'
import { GossipValidationError } from './errors.ts'

/** op-node `maxGossipSize`: cap on the decoded (and the compressed) message, 10 MiB. */
export const MAX_GOSSIP_SIZE_BYTES = 10 * 2 ** 20

/** op-node `minGossipSize`: 65-byte signature plus at least one byte of payload. */
export const MIN_GOSSIP_SIZE_BYTES = 66

/** golang/snappy `decodedLen`: the length header must fit in 32 bits (ErrCorrupt otherwise). */
export const MAX_SNAPPY_DECODED_LENGTH_BYTES = 0xffff_ffff

/** Go `binary.MaxVarintLen64`: a uvarint longer than this is an overflow. */
export const MAX_SNAPPY_HEADER_SIZE_BYTES = 10

/** Element tags (low two bits of each tag byte). */
const TAG_LITERAL = 0
const TAG_COPY_1 = 1
const TAG_COPY_2 = 2

/** Literal and copy runs at or above this length use `set`/`copyWithin`; shorter ones a loop. */
const BULK_COPY_THRESHOLD_BYTES = 16

interface SnappyHeader {
  decodedLength: number
  headerSize: number
}

/** Go's `binary.Uvarint` followed by golang/snappy's 32-bit limit. */
function readHeader(data: Uint8Array): SnappyHeader {
  let value = 0
  let scale = 1
  const limit = Math.min(data.length, MAX_SNAPPY_HEADER_SIZE_BYTES)
  for (let i = 0; i < limit; i++) {
    const b = data[i]!
    if (b < 0x80) {
      // The 10th byte may only contribute the 64th bit; larger is a 64-bit overflow in Go.
      if (i === MAX_SNAPPY_HEADER_SIZE_BYTES - 1 && b > 1) break
      value += b * scale
      if (value > MAX_SNAPPY_DECODED_LENGTH_BYTES) break
      return { decodedLength: value, headerSize: i + 1 }
    }
    value += (b & 0x7f) * scale
    // Bits only add up, so once past 32 bits the final value is too (exact: value < 2^53 here).
    if (value > MAX_SNAPPY_DECODED_LENGTH_BYTES) break
    scale *= 128
  }
  throw new GossipValidationError(
    'SNAPPY_BAD_HEADER',
    data.length === 0
      ? 'snappy message is empty'
      : 'snappy length header is truncated or exceeds 32 bits',
  )
}

/**
 * The decoded length declared by a Snappy block's uvarint header, read without allocating.
 * The caller checks it against MIN/MAX_GOSSIP_SIZE_BYTES before calling `snappyUncompress`.
 * @throws GossipValidationError SNAPPY_BAD_HEADER when the header is empty, truncated or > 32 bits
 */
export function snappyDecodedLength(data: Uint8Array): number {
  return readHeader(data).decodedLength
}

function corrupt(reason: string, at: number): GossipValidationError {
  return new GossipValidationError(
    'SNAPPY_CORRUPT',
    `snappy stream corrupt at byte ${at}: ${reason}`,
  )
}

/**
 * Decodes the element stream into `out` in one pass, throwing unless the stream is exactly what
 * golang/snappy's `decode` accepts: every element complete, every copy offset in 1..bytesWritten,
 * no element running past the declared length, and the output ending exactly at its end.
 * Checking while copying (rather than a separate validation pass) parses every tag once; the
 * output is at most 10 MiB, already bounded by the header check, like Go's `Decode`.
 */
function decodeBody(src: Uint8Array, start: number, out: Uint8Array): void {
  const end = src.length
  const decodedLength = out.length
  let s = start
  let d = 0
  while (s < end) {
    const tag = src[s]!
    const kind = tag & 3
    let length: number
    let offset: number
    if (kind === TAG_LITERAL) {
      let x = tag >>> 2
      if (x < 60) {
        s += 1
      } else {
        // 60..63: the literal length - 1 follows in 1..4 little-endian bytes
        const extra = x - 59
        if (s + 1 + extra > end) throw corrupt('truncated literal length', s)
        x = src[s + 1]!
        if (extra > 1) x += src[s + 2]! * 0x100
        if (extra > 2) x += src[s + 3]! * 0x1_0000
        if (extra > 3) x += src[s + 4]! * 0x100_0000
        s += 1 + extra
      }
      length = x + 1
      if (length > decodedLength - d) throw corrupt('literal runs past the declared length', s)
      if (length > end - s) throw corrupt('truncated literal', s)
      if (length >= BULK_COPY_THRESHOLD_BYTES) {
        out.set(src.subarray(s, s + length), d)
      } else {
        for (let i = 0; i < length; i++) out[d + i] = src[s + i]!
      }
      d += length
      s += length
      continue
    }
    if (kind === TAG_COPY_1) {
      if (s + 2 > end) throw corrupt('truncated copy', s)
      length = 4 + ((tag >>> 2) & 7)
      offset = ((tag & 0xe0) << 3) | src[s + 1]!
      s += 2
    } else if (kind === TAG_COPY_2) {
      if (s + 3 > end) throw corrupt('truncated copy', s)
      length = 1 + (tag >>> 2)
      offset = src[s + 1]! | (src[s + 2]! << 8)
      s += 3
    } else {
      if (s + 5 > end) throw corrupt('truncated copy', s)
      length = 1 + (tag >>> 2)
      offset = src[s + 1]! + src[s + 2]! * 0x100 + src[s + 3]! * 0x1_0000 + src[s + 4]! * 0x100_0000
      s += 5
    }
    if (offset === 0) throw corrupt('copy offset 0', s)
    if (offset > d) throw corrupt('copy offset before the start of the output', s)
    if (length > decodedLength - d) throw corrupt('copy runs past the declared length', s)
    const from = d - offset
    if (offset >= length && length >= BULK_COPY_THRESHOLD_BYTES) {
      out.copyWithin(d, from, from + length)
    } else {
      // Overlapping copies repeat a pattern and must run forwards byte by byte.
      for (let i = 0; i < length; i++) out[d + i] = out[from + i]!
    }
    d += length
  }
  if (d !== decodedLength) {
    throw corrupt(`stream ends after ${d} of ${decodedLength} declared bytes`, s)
  }
}

/**
 * Decompresses a Snappy block, accepting exactly the streams golang/snappy `Decode` accepts.
 * @param decodedLength the value `snappyDecodedLength(data)` returned (already size-checked)
 * @returns a fresh buffer of exactly `decodedLength` bytes
 * @throws GossipValidationError SNAPPY_BAD_HEADER (unreadable header) or SNAPPY_CORRUPT
 */
export function snappyUncompress(data: Uint8Array, decodedLength: number): Uint8Array {
  const header = readHeader(data)
  if (header.decodedLength !== decodedLength) {
    throw new GossipValidationError(
      'SNAPPY_CORRUPT',
      `snappy header declares ${header.decodedLength} bytes, caller expected ${decodedLength}`,
    )
  }
  // Uninitialised memory is safe: decodeBody either writes every byte or throws and the buffer
  // is dropped. A non-pooled buffer keeps the result's ArrayBuffer its own.
  const backing = Buffer.allocUnsafeSlow(decodedLength)
  const out = new Uint8Array(backing.buffer, backing.byteOffset, decodedLength)
  decodeBody(data, header.headerSize, out)
  return out
}

/** Compresses into the Snappy block format (what gossip carries). */
export function snappyCompress(data: Uint8Array): Uint8Array {
  // snappyjs returns a Buffer for Buffer input; normalise to a plain Uint8Array view.
  const plain =
    data.constructor === Uint8Array
      ? data
      : new Uint8Array(data.buffer, data.byteOffset, data.length)
  return snappyjs.compress(plain)
}
