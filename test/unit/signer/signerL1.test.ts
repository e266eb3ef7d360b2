import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { createBlockBuilder, devnetKey } from '../../../src/devnet/blockBuilder.ts'
import { createBlockValidator } from '../../../src/gossip/validator.ts'
import {
  createSignerSource,
  type SignerChange,
  UNSAFE_BLOCK_SIGNER_SLOT,
} from '../../../src/signer/signerSource.ts'
import { addressFromPrivateKey } from '../../../src/wire/signing.ts'

const SYSTEM_CONFIG = '0x1111111111111111111111111111111111111111'
const L1_CHAIN_ID = 900
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`

interface RpcRequest {
  id: number
  method: string
  params: unknown[]
}

/** A minimal L1 JSON-RPC node on 127.0.0.1: one contract slot, a chain id, a block number. */
async function startL1Stub(signer: Uint8Array) {
  const state = { slot: `0x${hex(signer).slice(2).padStart(64, '0')}`, calls: [] as RpcRequest[] }
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = ''
      req.on('data', (d) => {
        body += d
      })
      req.on('end', () => resolve(body))
    })
  const answer = (r: RpcRequest) => {
    state.calls.push(r)
    switch (r.method) {
      case 'eth_chainId':
        return { jsonrpc: '2.0', id: r.id, result: `0x${L1_CHAIN_ID.toString(16)}` }
      case 'eth_blockNumber':
        return { jsonrpc: '2.0', id: r.id, result: '0x10' }
      case 'eth_getStorageAt': {
        const [address, slot, tag] = r.params as [string, string, string]
        const known = address.toLowerCase() === SYSTEM_CONFIG && slot === UNSAFE_BLOCK_SIGNER_SLOT
        return {
          jsonrpc: '2.0',
          id: r.id,
          result: known && tag === 'latest' ? state.slot : `0x${'0'.repeat(64)}`,
        }
      }
      default:
        return { jsonrpc: '2.0', id: r.id, error: { code: -32601, message: 'method not found' } }
    }
  }
  const server: Server = createServer(async (req, res) => {
    const body = JSON.parse(await read(req)) as RpcRequest | RpcRequest[]
    const out = Array.isArray(body) ? body.map(answer) : answer(body)
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(out))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    state,
    rotate(to: Uint8Array) {
      state.slot = `0x${hex(to).slice(2).padStart(64, '0')}`
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

function nextChange(source: ReturnType<typeof createSignerSource>): Promise<SignerChange> {
  return new Promise((resolve) => {
    const off = source.onChange((c) => {
      off()
      resolve(c)
    })
  })
}

describe('signer / L1 over JSON-RPC', () => {
  const keyA = devnetKey('signer test A')
  const keyB = devnetKey('signer test B')
  const addrA = addressFromPrivateKey(keyA)
  const addrB = addressFromPrivateKey(keyB)

  it('reads the slot with viem at latest and picks up a rotation on the next reload', async () => {
    const l1 = await startL1Stub(addrA)
    cleanups.push(l1.close)
    const source = createSignerSource({
      l1Url: l1.url,
      systemConfig: SYSTEM_CONFIG,
      l1ChainId: L1_CHAIN_ID,
      reloadIntervalMs: 100,
    })
    cleanups.push(() => source.stop())
    await source.start()
    expect(hex(source.current()!)).toBe(hex(addrA))
    expect(l1.state.calls.map((c) => c.method)).toEqual(['eth_chainId', 'eth_getStorageAt'])
    expect(l1.state.calls[1]!.params).toEqual([SYSTEM_CONFIG, UNSAFE_BLOCK_SIGNER_SLOT, 'latest'])

    const changed = nextChange(source)
    l1.rotate(addrB)
    const change = await changed
    expect(hex(change.previous!)).toBe(hex(addrA))
    expect(hex(change.signer!)).toBe(hex(addrB))
    expect(hex(source.current()!)).toBe(hex(addrB))
  })

  it('after a rotation on L1, blocks signed by the old key are rejected with WRONG_SIGNER', async () => {
    const l1 = await startL1Stub(addrA)
    cleanups.push(l1.close)
    const chain = createDevnetChain({ systemConfig: SYSTEM_CONFIG, l1ChainId: L1_CHAIN_ID })
    const source = createSignerSource({
      l1Url: l1.url,
      systemConfig: SYSTEM_CONFIG,
      l1ChainId: L1_CHAIN_ID,
      reloadIntervalMs: 100,
    })
    cleanups.push(() => source.stop())
    await source.start()
    const validator = createBlockValidator({ chain, signer: () => source.current() })
    const builderA = createBlockBuilder({ chain, privateKey: keyA, seed: 1 })
    const builderB = createBlockBuilder({ chain, privateKey: keyB, seed: 2 })

    const first = builderA.next()
    expect(validator.validate(first.topic, first.data)).toMatchObject({ verdict: 'accept' })

    const changed = nextChange(source)
    l1.rotate(addrB)
    await changed
    const second = builderA.next()
    expect(validator.validate(second.topic, second.data)).toMatchObject({
      verdict: 'reject',
      reason: 'WRONG_SIGNER',
    })
    const fromB = builderB.next()
    expect(validator.validate(fromB.topic, fromB.data)).toMatchObject({ verdict: 'accept' })
  })

  it('an unreachable L1 at start leaves the last known signer in place until it answers', async () => {
    const l1 = await startL1Stub(addrB)
    const url = l1.url
    await l1.close()
    const source = createSignerSource({
      l1Url: url,
      systemConfig: SYSTEM_CONFIG,
      lastKnownSigner: hex(addrA) as `0x${string}`,
      reloadIntervalMs: 0,
      l1RequestTimeoutMs: 2_000,
    })
    await source.start()
    expect(source.origin()).toBe('last-known')
    expect(hex(source.current()!)).toBe(hex(addrA))
  })
})
