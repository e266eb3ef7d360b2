import { encode } from 'it-length-prefixed'
import { describe, expect, it } from 'vitest'
import { raiseLengthPrefixedEncodeLimit } from '../../../src/patches/lengthPrefixedEncodeLimit.ts'
import { MAX_GOSSIP_SIZE_BYTES } from '../../../src/wire/snappy.ts'

/** it-length-prefixed's own default limit, which gossipsub's encode.single calls get. */
const LIBRARY_DEFAULT_MAX_BYTES = 4 * 1024 * 1024

describe('patches / lengthPrefixedEncodeLimit', () => {
  it('lets encode.single without options frame up to 10 MiB, not past it', () => {
    const over4MiB = new Uint8Array(LIBRARY_DEFAULT_MAX_BYTES + 1)
    expect(() => encode.single(over4MiB)).toThrow()
    expect(raiseLengthPrefixedEncodeLimit()).toBe(true)
    expect(encode.single(over4MiB).byteLength).toBeGreaterThan(over4MiB.length)
    expect(encode.single(new Uint8Array(MAX_GOSSIP_SIZE_BYTES)).byteLength).toBeGreaterThan(
      MAX_GOSSIP_SIZE_BYTES,
    )
    expect(() => encode.single(new Uint8Array(MAX_GOSSIP_SIZE_BYTES + 1))).toThrow()
  })

  it('keeps a limit a caller passes, and installs once', () => {
    raiseLengthPrefixedEncodeLimit()
    const installed = encode.single
    expect(raiseLengthPrefixedEncodeLimit()).toBe(true)
    expect(encode.single).toBe(installed)
    expect(() => encode.single(new Uint8Array(11), { maxDataLength: 10 })).toThrow()
  })
})
