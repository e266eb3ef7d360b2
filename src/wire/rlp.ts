/**
 * Minimal RLP encoder for what block-hash recomputation needs: byte strings, unsigned integers
 * (minimal big-endian, 0 → empty string) and lists of already-encoded items.
 *
 * Written by hand because the transaction-trie builder (trie.ts) writes every node in place
 * (header, hex-prefix path, value) straight into the keccak wasm memory and hashes it there;
 * viem's `toRlp` only returns a fresh array per call (and is hex-based unless given bytes).
 * For the 21-item header alone the two cost about the same with byte items, so one encoder
 * serves both.
 * Encoding only; nothing here decodes untrusted RLP.
 */

/** Nested RLP value: a byte string or a list of values. */
export type RlpItem = Uint8Array | readonly RlpItem[]

const SHORT_STRING_OFFSET = 0x80
const LONG_STRING_OFFSET = 0xb7
const SHORT_LIST_OFFSET = 0xc0
const LONG_LIST_OFFSET = 0xf7
/** Payloads up to this many bytes use the one-byte header form. */
const SHORT_PAYLOAD_MAX_BYTES = 55

/** Bytes needed for `n` as minimal big-endian (0 → 0). `n` must be a safe integer. */
function byteLengthOfNumber(n: number): number {
  let len = 0
  while (n > 0) {
    len++
    n = Math.floor(n / 256)
  }
  return len
}

/** Size of the RLP header for a payload of `payloadLength` bytes (string or list). */
export function rlpHeaderLength(payloadLength: number): number {
  return payloadLength <= SHORT_PAYLOAD_MAX_BYTES ? 1 : 1 + byteLengthOfNumber(payloadLength)
}

/**
 * Writes a string or list header at `offset` and returns the offset after it.
 * @param listOrString 'list' or 'string'
 */
export function writeRlpHeader(
  out: Uint8Array,
  offset: number,
  payloadLength: number,
  listOrString: 'list' | 'string',
): number {
  const short = listOrString === 'list' ? SHORT_LIST_OFFSET : SHORT_STRING_OFFSET
  if (payloadLength <= SHORT_PAYLOAD_MAX_BYTES) {
    out[offset] = short + payloadLength
    return offset + 1
  }
  const lenBytes = byteLengthOfNumber(payloadLength)
  out[offset] = (listOrString === 'list' ? LONG_LIST_OFFSET : LONG_STRING_OFFSET) + lenBytes
  let n = payloadLength
  for (let i = lenBytes; i >= 1; i--) {
    out[offset + i] = n & 0xff
    n = Math.floor(n / 256)
  }
  return offset + 1 + lenBytes
}

/** Encoded size of a byte string. */
export function rlpStringLength(bytes: Uint8Array): number {
  const n = bytes.length
  if (n === 1 && (bytes[0] as number) < SHORT_STRING_OFFSET) return 1
  return rlpHeaderLength(n) + n
}

/** Writes the RLP encoding of a byte string at `offset`; returns the offset after it. */
export function writeRlpString(out: Uint8Array, offset: number, bytes: Uint8Array): number {
  const n = bytes.length
  if (n === 1 && (bytes[0] as number) < SHORT_STRING_OFFSET) {
    out[offset] = bytes[0] as number
    return offset + 1
  }
  const start = writeRlpHeader(out, offset, n, 'string')
  out.set(bytes, start)
  return start + n
}

/** RLP encoding of a byte string. */
export function encodeRlpBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(rlpStringLength(bytes))
  writeRlpString(out, 0, bytes)
  return out
}

/** Minimal big-endian bytes of an unsigned integer (0 → empty). Throws on negative input. */
export function uintToBytes(value: bigint | number): Uint8Array {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`not a non-negative safe integer: ${value}`)
    }
    const len = byteLengthOfNumber(value)
    const out = new Uint8Array(len)
    let n = value
    for (let i = len - 1; i >= 0; i--) {
      out[i] = n & 0xff
      n = Math.floor(n / 256)
    }
    return out
  }
  if (value < 0n) throw new RangeError(`negative integer: ${value}`)
  if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return uintToBytes(Number(value))
  const hex = value.toString(16)
  return new Uint8Array(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex'))
}

/** RLP encoding of an unsigned integer (minimal big-endian string; 0 → 0x80). */
export function encodeRlpUint(value: bigint | number): Uint8Array {
  return encodeRlpBytes(uintToBytes(value))
}

/** RLP list whose items are already RLP-encoded (concatenated as-is under a list header). */
export function encodeRlpList(encodedItems: readonly Uint8Array[]): Uint8Array {
  let payload = 0
  for (const item of encodedItems) payload += item.length
  const out = new Uint8Array(rlpHeaderLength(payload) + payload)
  let offset = writeRlpHeader(out, 0, payload, 'list')
  for (const item of encodedItems) {
    out.set(item, offset)
    offset += item.length
  }
  return out
}

/** RLP encoding of a nested value (byte strings and lists). */
export function encodeRlp(item: RlpItem): Uint8Array {
  if (item instanceof Uint8Array) return encodeRlpBytes(item)
  return encodeRlpList(item.map(encodeRlp))
}
