/**
 * A minimal PNG reader for screenshot tests: 8-bit RGB or RGBA, non-interlaced (what Chromium
 * writes). Enough to check a screenshot's size and count pixels of a chart colour.
 */
import { inflateSync } from 'node:zlib'

export interface Png {
  width: number
  height: number
  /** RGBA, 4 bytes per pixel, row-major */
  rgba: Uint8Array
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const COLOR_RGB = 2
const COLOR_RGBA = 6

/** Width and height from the IHDR chunk (the first chunk, right after the signature). */
export function pngSize(data: Uint8Array): { width: number; height: number } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG')
  if (buf.toString('latin1', 12, 16) !== 'IHDR') throw new Error('PNG without IHDR first')
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c
  const pa = Math.abs(p - a)
  const pb = Math.abs(p - b)
  const pc = Math.abs(p - c)
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
}

export function decodePng(data: Uint8Array): Png {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const { width, height } = pngSize(buf)
  const bitDepth = buf[24]
  const colorType = buf[25]
  const interlace = buf[28]
  if (bitDepth !== 8 || (colorType !== COLOR_RGB && colorType !== COLOR_RGBA) || interlace !== 0) {
    throw new Error(`unsupported PNG: depth ${bitDepth}, colour type ${colorType}`)
  }
  const idat: Buffer[] = []
  for (let at = 8; at < buf.length; ) {
    const length = buf.readUInt32BE(at)
    const type = buf.toString('latin1', at + 4, at + 8)
    if (type === 'IDAT') idat.push(buf.subarray(at + 8, at + 8 + length))
    if (type === 'IEND') break
    at += 12 + length
  }
  const raw = inflateSync(Buffer.concat(idat))
  const bpp = colorType === COLOR_RGBA ? 4 : 3
  const stride = width * bpp
  const pixels = new Uint8Array(height * stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]
    const src = y * (stride + 1) + 1
    const dst = y * stride
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i] as number
      const a = i >= bpp ? (pixels[dst + i - bpp] as number) : 0
      const b = y > 0 ? (pixels[dst - stride + i] as number) : 0
      const c = y > 0 && i >= bpp ? (pixels[dst - stride + i - bpp] as number) : 0
      const predictor =
        filter === 0
          ? 0
          : filter === 1
            ? a
            : filter === 2
              ? b
              : filter === 3
                ? (a + b) >> 1
                : paeth(a, b, c)
      pixels[dst + i] = (x + predictor) & 0xff
    }
  }
  const rgba = new Uint8Array(width * height * 4)
  for (let p = 0; p < width * height; p++) {
    rgba[p * 4] = pixels[p * bpp] as number
    rgba[p * 4 + 1] = pixels[p * bpp + 1] as number
    rgba[p * 4 + 2] = pixels[p * bpp + 2] as number
    rgba[p * 4 + 3] = bpp === 4 ? (pixels[p * bpp + 3] as number) : 255
  }
  return { width, height, rgba }
}

/** Pixels within `tolerance` (per channel) of a '#rrggbb' colour. */
export function countColor(png: Png, hex: string, tolerance = 12): number {
  const r = Number.parseInt(hex.slice(1, 3), 16)
  const g = Number.parseInt(hex.slice(3, 5), 16)
  const b = Number.parseInt(hex.slice(5, 7), 16)
  let n = 0
  for (let p = 0; p < png.rgba.length; p += 4) {
    if (
      Math.abs((png.rgba[p] as number) - r) <= tolerance &&
      Math.abs((png.rgba[p + 1] as number) - g) <= tolerance &&
      Math.abs((png.rgba[p + 2] as number) - b) <= tolerance
    ) {
      n++
    }
  }
  return n
}

/** Pixels that are not (near) white. */
export function countInk(png: Png, threshold = 240): number {
  let n = 0
  for (let p = 0; p < png.rgba.length; p += 4) {
    if (
      (png.rgba[p] as number) < threshold ||
      (png.rgba[p + 1] as number) < threshold ||
      (png.rgba[p + 2] as number) < threshold
    ) {
      n++
    }
  }
  return n
}
