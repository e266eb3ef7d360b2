import { describe, expect, it } from 'vitest'
import { handleJsonRpcBody } from '../../../src/rpc/jsonRpc.ts'
import { createSignerApi } from '../../../src/rpc/signerApi.ts'
import type { SignerStatus } from '../../../src/signer/signerSource.ts'

const call = (body: string, status: SignerStatus) =>
  handleJsonRpcBody(body, createSignerApi({ status: () => status }), {
    signal: new AbortController().signal,
  })

describe('rpc / opgossip_signer', () => {
  it('gives the signer, where it came from, and the previous one with its window end in unix seconds', async () => {
    const res = await call('{"jsonrpc":"2.0","id":1,"method":"opgossip_signer","params":[]}', {
      signer: `0x${'bb'.repeat(20)}`,
      origin: 'l1',
      previousSigner: `0x${'aa'.repeat(20)}`,
      graceWindowEndsAtMs: 1_800_010_800_000,
      gracePeriodMs: 10_800_000,
    })
    expect(res).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {
        signer: `0x${'bb'.repeat(20)}`,
        origin: 'l1',
        previousSigner: `0x${'aa'.repeat(20)}`,
        graceWindowEndsAt: 1_800_010_800,
        gracePeriodSeconds: 10_800,
      },
    })
  })

  it('takes no parameters (-32602 past none)', async () => {
    const res = (await call('{"jsonrpc":"2.0","id":2,"method":"opgossip_signer","params":[1]}', {
      signer: null,
      origin: 'none',
      previousSigner: null,
      graceWindowEndsAtMs: null,
      gracePeriodMs: 0,
    })) as { error: { code: number } }
    expect(res.error.code).toBe(-32602)
  })
})
