/**
 * The `opstack` ENR entry (op-gossip.md §8.1): an RLP byte string whose content is
 * `uvarint(chainId) || uvarint(version)` (Go `binary.PutUvarint`), version always 0. The ENR
 * library handles the RLP layer and hands us the content bytes.
 * The varint code is written here because it is ten lines and must match Go's `ReadUvarint`
 * exactly (overflow rules); no dependency needed.
 */

/** ENR key of the entry. */
export const OPSTACK_ENR_KEY = 'opstack'

/** The only version op-node and kona accept (and advertise). */
export const OPSTACK_ENR_VERSION = 0n

/** Go's binary.MaxVarintLen64: a uint64 takes at most 10 bytes. */
export const MAX_UVARINT_LENGTH_BYTES = 10

const UINT64_MAX = (1n << 64n) - 1n

export class OpStackEntryError extends Error {
  override readonly name = 'OpStackEntryError'
  readonly code = 'DISCOVERY_BAD_OPSTACK_ENTRY'
}

export interface OpStackEntry {
  chainId: bigint
  version: bigint
}

/** Unsigned LEB128 of a uint64 (Go binary.PutUvarint). */
export function encodeUvarint(value: bigint | number): Uint8Array {
  let v = BigInt(value)
  if (v < 0n || v > UINT64_MAX) throw new RangeError(`uvarint out of uint64 range: ${v}`)
  const out: number[] = []
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return Uint8Array.from(out)
}

/**
 * Reads one uvarint at `offset` like Go's binary.ReadUvarint: errors on a truncated value and on
 * overflow (more than 10 bytes, or a 10th byte above 1).
 */
export function decodeUvarint(bytes: Uint8Array, offset = 0): { value: bigint; length: number } {
  let value = 0n
  let shift = 0n
  for (let i = 0; i < MAX_UVARINT_LENGTH_BYTES; i++) {
    const b = bytes[offset + i]
    if (b === undefined) throw new OpStackEntryError('truncated uvarint')
    if (b < 0x80) {
      if (i === MAX_UVARINT_LENGTH_BYTES - 1 && b > 1)
        throw new OpStackEntryError('uvarint overflows uint64')
      return { value: value | (BigInt(b) << shift), length: i + 1 }
    }
    value |= BigInt(b & 0x7f) << shift
    shift += 7n
  }
  throw new OpStackEntryError('uvarint overflows uint64')
}

/** Content of the `opstack` entry for a chain: `uvarint(chainId) || uvarint(version)`. */
export function encodeOpStackEntry(
  chainId: number | bigint,
  version: bigint | number = OPSTACK_ENR_VERSION,
): Uint8Array {
  const a = encodeUvarint(chainId)
  const b = encodeUvarint(version)
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/**
 * Parses the entry content as op-node does: two uvarints; trailing bytes are allowed (op-node
 * leaves room for future data tagged with a newer version).
 * @throws OpStackEntryError when either varint is missing or overflows
 */
export function decodeOpStackEntry(content: Uint8Array): OpStackEntry {
  const chainId = decodeUvarint(content, 0)
  const version = decodeUvarint(content, chainId.length)
  return { chainId: chainId.value, version: version.value }
}
