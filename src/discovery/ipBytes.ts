/**
 * IP text → the raw bytes an ENR stores (`ip` = 4 bytes, `ip6` = 16 bytes). Written here because
 * node:net validates addresses but has no parser that returns bytes.
 */
import { isIP } from 'node:net'

export function ipToBytes(ip: string): Uint8Array {
  const family = isIP(ip)
  if (family === 4) return Uint8Array.from(ip.split('.').map(Number))
  if (family !== 6) throw new RangeError(`not an IP address: ${ip}`)
  const [head = '', tail] = ip.split('::') as [string, string | undefined]
  const groups = (s: string): number[] => {
    if (s === '') return []
    const parts = s.split(':')
    const last = parts[parts.length - 1] ?? ''
    if (last.includes('.')) {
      // embedded IPv4 (::ffff:1.2.3.4): two 16-bit groups
      const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number)
      parts.splice(parts.length - 1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16))
    }
    return parts.map((p) => Number.parseInt(p, 16))
  }
  const h = groups(head)
  const t = tail === undefined ? [] : groups(tail)
  const all =
    tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t]
  const out = new Uint8Array(16)
  all.forEach((g, i) => {
    out[2 * i] = g >> 8
    out[2 * i + 1] = g & 0xff
  })
  return out
}
