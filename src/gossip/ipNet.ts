/**
 * IP addresses and CIDR subnets as op-node's connection gater sees them (go-libp2p
 * p2p/net/conngater keys an IP by Go's `net.IP.String()` and a subnet by `net.IPNet.String()`):
 * - an IPv4 address and its IPv4-mapped IPv6 form (`::ffff:1.2.3.4`) are the same address, 4 bytes;
 * - every other IPv6 address is 16 bytes, printed in RFC 5952 form like Go (`2001:db8::1`);
 * - a subnet holds its network address (host bits cleared, as `net.ParseCIDR` returns it) and
 *   matches only addresses of its own length (Go's `IPNet.Contains`).
 * Parsing is strict: no zones (`%eth0`), no brackets, no leading zeros in IPv4 octets.
 */
import { isIPv4, isIPv6 } from 'node:net'

/** Longest IP text accepted ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45). */
export const MAX_IP_TEXT_LENGTH_CHARS = 45
/** Longest CIDR text accepted (an IP, a slash, up to 3 digits). */
export const MAX_CIDR_TEXT_LENGTH_CHARS = MAX_IP_TEXT_LENGTH_CHARS + 4

export interface IpNet {
  /** Network address, 4 bytes (IPv4) or 16 bytes (IPv6), host bits zero */
  bytes: Uint8Array
  /** Leading one bits of the mask, 0..32 (IPv4) or 0..128 (IPv6) */
  prefixLength: number
}

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

function isV4Mapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && V4_MAPPED_PREFIX.every((b, i) => bytes[i] === b)
}

function parseV4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number))
}

function parseV6(text: string): Uint8Array | null {
  const halves = text.split('::')
  if (halves.length > 2) return null
  const groupsOf = (part: string): number[] | null => {
    if (part === '') return []
    const out: number[] = []
    const pieces = part.split(':')
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        if (!isIPv4(piece)) return null
        const [a, b, c, d] = parseV4(piece) as unknown as [number, number, number, number]
        out.push((a << 8) | b, (c << 8) | d)
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(Number.parseInt(piece, 16))
      } else {
        return null
      }
    }
    return out
  }
  const head = groupsOf(halves[0] as string)
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : []
  if (head === null || tail === null) return null
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail]
  const bytes = new Uint8Array(16)
  for (const [i, g] of groups.entries()) {
    bytes[2 * i] = g >> 8
    bytes[2 * i + 1] = g & 0xff
  }
  return bytes
}

/**
 * An IP address's bytes: 4 for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; null when `text` is not
 * a plain IP address.
 */
export function parseIp(text: string): Uint8Array | null {
  if (text.length === 0 || text.length > MAX_IP_TEXT_LENGTH_CHARS) return null
  if (isIPv4(text)) return parseV4(text)
  if (!isIPv6(text) || text.includes('%')) return null
  const bytes = parseV6(text)
  if (bytes === null) return null
  return isV4Mapped(bytes) ? bytes.slice(12) : bytes
}

/** Go's `net.IP.String()`: dotted IPv4, RFC 5952 IPv6 (longest run of >= 2 zero groups as ::). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.')
  if (isV4Mapped(bytes)) return [...bytes.subarray(12)].join('.')
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2)
    groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number))
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':')
  if (bestStart < 0) return hex(groups)
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`
}

/** The canonical text of an IP address (formatIp of parseIp), or null when it is not one. */
export function canonicalIp(text: string): string | null {
  const bytes = parseIp(text)
  return bytes === null ? null : formatIp(bytes)
}

function maskBytes(length: number, prefixLength: number): Uint8Array {
  const mask = new Uint8Array(length)
  for (let bit = 0; bit < prefixLength; bit++) {
    mask[bit >> 3] = (mask[bit >> 3] as number) | (0x80 >> (bit & 7))
  }
  return mask
}

function applyMask(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const mask = maskBytes(bytes.length, prefixLength)
  return bytes.map((b, i) => b & (mask[i] as number))
}

/**
 * A subnet from its address bytes and prefix length, the host bits cleared; an IPv4-mapped
 * IPv6 subnet (`::ffff:a.b.c.d/96+`) becomes the IPv4 subnet, as Go's `IPNet` compares it.
 */
export function createIpNet(bytes: Uint8Array, prefixLength: number): IpNet | null {
  const bits = bytes.length * 8
  if ((bits !== 32 && bits !== 128) || !Number.isInteger(prefixLength)) return null
  if (prefixLength < 0 || prefixLength > bits) return null
  if (bits === 128 && isV4Mapped(bytes) && prefixLength >= 96) {
    return { bytes: applyMask(bytes.slice(12), prefixLength - 96), prefixLength: prefixLength - 96 }
  }
  return { bytes: applyMask(bytes, prefixLength), prefixLength }
}

/** `a.b.c.d/n` or `x:y::z/n` (Go's `net.ParseCIDR`); null when `text` is not one. */
export function parseCidr(text: string): IpNet | null {
  if (text.length > MAX_CIDR_TEXT_LENGTH_CHARS) return null
  const slash = text.indexOf('/')
  if (slash < 0) return null
  const prefix = text.slice(slash + 1)
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefix)) return null
  const address = text.slice(0, slash)
  // Parse without folding IPv4-mapped forms first: the prefix counts over the written form.
  let bytes: Uint8Array | null = null
  if (isIPv4(address)) bytes = parseV4(address)
  else if (isIPv6(address) && !address.includes('%')) bytes = parseV6(address)
  return bytes === null ? null : createIpNet(bytes, Number(prefix))
}

/** Go's `net.IPNet.String()` of a canonical subnet: `10.0.0.0/8`, `2001:db8::/32`. */
export function formatCidr(net: IpNet): string {
  return `${formatIp(net.bytes)}/${net.prefixLength}`
}

/** The canonical CIDR text (formatCidr of parseCidr), or null when it is not one. */
export function canonicalCidr(text: string): string | null {
  const net = parseCidr(text)
  return net === null ? null : formatCidr(net)
}

/** The subnet's mask bytes (`net.IPNet.Mask`): as long as its address. */
export function ipNetMask(net: IpNet): Uint8Array {
  return maskBytes(net.bytes.length, net.prefixLength)
}

/**
 * The prefix length of a mask given as bytes (`net.IPMask`), or null when the mask is not
 * contiguous ones then zeros.
 */
export function prefixLengthOfMask(mask: Uint8Array): number | null {
  let ones = 0
  while (ones < mask.length * 8 && ((mask[ones >> 3] as number) & (0x80 >> (ones & 7))) !== 0)
    ones++
  const expected = maskBytes(mask.length, ones)
  return expected.every((b, i) => b === mask[i]) ? ones : null
}

/** Go's `IPNet.Contains` for an address from parseIp. */
export function ipNetContains(net: IpNet, ip: Uint8Array): boolean {
  if (ip.length !== net.bytes.length) return false
  const mask = ipNetMask(net)
  return net.bytes.every((b, i) => ((ip[i] as number) & (mask[i] as number)) === b)
}
