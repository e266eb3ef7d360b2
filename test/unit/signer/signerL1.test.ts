/**
 * The signer source against a real L1 node (Foundry's anvil): the SystemConfig slot is read with
 * viem at `latest`, a rotation is picked up by the reload timer and opens the grace window, a
 * wrong L1 chain id stops the start, and an unreachable L1 leaves the last known signer in place.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createBlockBuilder, devnetKey } from '../../../src/blocks/blockBuilder.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { createBlockValidator } from '../../../src/gossip/validator.ts'
import {
  createSignerSource,
  type SignerChange,
  SignerSourceError,
} from '../../../src/signer/signerSource.ts'
import { addressFromPrivateKey } from '../../../src/wire/signing.ts'
import { startAnvil } from '../../utils/anvil.ts'

const SYSTEM_CONFIG = '0x1111111111111111111111111111111111111111'
const L1_CHAIN_ID = 900
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`

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

async function l1With(signer: Uint8Array, chainId = L1_CHAIN_ID) {
  const anvil = await startAnvil({ chainId })
  cleanups.push(() => anvil.stop())
  await anvil.setUnsafeBlockSigner(SYSTEM_CONFIG, hex(signer))
  return anvil
}

describe('signer / L1 over JSON-RPC (anvil)', () => {
  const keyA = devnetKey('signer test A')
  const keyB = devnetKey('signer test B')
  const addrA = addressFromPrivateKey(keyA)
  const addrB = addressFromPrivateKey(keyB)

  it('reads the slot at latest, and a rotation on the next reload opens the grace window', async () => {
    const l1 = await l1With(addrA)
    const chain = createDevnetChain({ systemConfig: SYSTEM_CONFIG, l1ChainId: L1_CHAIN_ID })
    const source = createSignerSource({
      l1Url: l1.url,
      systemConfig: SYSTEM_CONFIG,
      l1ChainId: L1_CHAIN_ID,
      reloadIntervalMs: 100,
    })
    cleanups.push(() => source.stop())
    await source.start()
    expect(hex(source.current()!)).toBe(hex(addrA))
    const validator = createBlockValidator({ chain, signer: source })
    const builderA = createBlockBuilder({ chain, privateKey: keyA, seed: 1 })
    const builderB = createBlockBuilder({ chain, privateKey: keyB, seed: 2 })

    const changed = nextChange(source)
    await l1.setUnsafeBlockSigner(SYSTEM_CONFIG, hex(addrB))
    const change = await changed
    expect([hex(change.previous!), hex(change.signer!)]).toEqual([hex(addrA), hex(addrB)])
    expect(hex(source.previousInGrace()!)).toBe(hex(addrA))

    const inWindow = builderA.next()
    expect(validator.validate(inWindow.topic, inWindow.data).verdict).toBe('accept')
    const fromB = builderB.next()
    expect(validator.validate(fromB.topic, fromB.data).verdict).toBe('accept')
    const late = builderA.next()
    expect(validator.validate(late.topic, late.data)).toMatchObject({
      verdict: 'reject',
      reason: 'WRONG_SIGNER',
    })
  })

  it('an L1 of another chain stops the start with L1_WRONG_CHAIN', async () => {
    const l1 = await l1With(addrA, 1)
    const source = createSignerSource({
      l1Url: l1.url,
      systemConfig: SYSTEM_CONFIG,
      l1ChainId: L1_CHAIN_ID,
      reloadIntervalMs: 0,
    })
    const err = await source.start().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SignerSourceError)
    expect((err as SignerSourceError).code).toBe('SIGNER_L1_WRONG_CHAIN')
  })

  it('an unreachable L1 at start leaves the last known signer in place until it answers', async () => {
    const l1 = await l1With(addrB)
    const url = l1.url
    await l1.stop()
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
