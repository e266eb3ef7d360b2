import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { getBuiltinChain } from '../../../src/chains/builtin.ts'
import {
  addressFromStorageWord,
  createSignerSource,
  DEFAULT_SIGNER_GRACE_PERIOD_MS,
  parseSignerAddress,
  redactUrl,
  type SignerChange,
  type SignerL1Client,
  SignerSourceError,
  signerOptionsForChain,
  UNSAFE_BLOCK_SIGNER_SLOT,
} from '../../../src/signer/signerSource.ts'
import { createLogger } from '../../../src/util/logger.ts'
import { keccak256 } from '../../../src/wire/keccak.ts'

const SYSTEM_CONFIG = '0x034edd2a225f7f429a63e0f1d2084b9e0a93b538'
const A = '0x57cacbb0d30b01eb2462e5dc940c161aff3230d3'
const B = '0x1111111111111111111111111111111111111111'
const LAST = '0x2222222222222222222222222222222222222222'
const word = (addr: string) => `0x${addr.slice(2).padStart(64, '0')}` as `0x${string}`
const hex = (b: Uint8Array | null) => (b === null ? null : `0x${Buffer.from(b).toString('hex')}`)

function capture() {
  const lines: Array<{ level: number; msg: string }> = []
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l !== '') lines.push(JSON.parse(l))
      cb()
    },
  })
  return { lines, logger: createLogger({ format: 'json', level: 'debug', destination }) }
}

/** An in-process L1: a storage word, a chain id, and a switch to make it fail. */
function stubL1(initial: string | null, chainId = 11155111) {
  const state = {
    word: initial === null ? undefined : word(initial),
    chainId,
    fail: false,
    reads: 0,
  }
  const client: SignerL1Client = {
    async getStorageAt(args) {
      state.reads++
      expect(args).toEqual({
        address: SYSTEM_CONFIG,
        slot: UNSAFE_BLOCK_SIGNER_SLOT,
        blockTag: 'latest',
      })
      if (state.fail) throw new Error('connection refused')
      return state.word
    },
    async getChainId() {
      if (state.fail) throw new Error('connection refused')
      return state.chainId
    },
  }
  return { state, client }
}

describe('signer / signerSource', () => {
  it('the slot is keccak256("systemconfig.unsafeblocksigner")', () => {
    expect(hex(keccak256(new TextEncoder().encode('systemconfig.unsafeblocksigner')))).toBe(
      UNSAFE_BLOCK_SIGNER_SLOT,
    )
  })

  it('the flag wins over L1 and the last known value, and L1 is never read', async () => {
    const l1 = stubL1(B)
    const source = createSignerSource(
      {
        configuredSigner: A,
        systemConfig: SYSTEM_CONFIG,
        lastKnownSigner: LAST,
        reloadIntervalMs: 0,
      },
      { l1Client: l1.client },
    )
    await source.start()
    expect(hex(source.current())).toBe(A)
    expect(source.origin()).toBe('flag')
    expect(l1.state.reads).toBe(0)
  })

  it('reads the signer from L1, and a rotation on the next reload (with a change event)', async () => {
    const l1 = stubL1(A)
    const { lines, logger } = capture()
    const source = createSignerSource(
      {
        systemConfig: SYSTEM_CONFIG,
        l1ChainId: 11155111,
        lastKnownSigner: LAST,
        reloadIntervalMs: 0,
      },
      { l1Client: l1.client, logger },
    )
    const changes: SignerChange[] = []
    source.onChange((c) => changes.push(c))
    expect(source.current()).toBeNull()
    await source.start()
    expect(hex(source.current())).toBe(A)
    expect(source.origin()).toBe('l1')
    l1.state.word = word(B)
    await source.reload()
    expect(hex(source.current())).toBe(B)
    expect(changes.map((c) => [hex(c.previous), hex(c.signer), c.origin])).toEqual([
      [null, A, 'l1'],
      [A, B, 'l1'],
    ])
    const rotated = lines.find((l) => l.msg.startsWith('unsafe block signer rotated on L1'))
    expect(rotated?.level).toBe(30)
    expect(rotated).toMatchObject({ signer: B, previousSigner: A })
    // An unchanged value is no event.
    await source.reload()
    expect(changes).toHaveLength(2)
    source.stop()
  })

  it('keeps the current signer when a reload fails', async () => {
    const l1 = stubL1(A)
    const { lines, logger } = capture()
    const source = createSignerSource(
      { systemConfig: SYSTEM_CONFIG, reloadIntervalMs: 0 },
      { l1Client: l1.client, logger },
    )
    await source.start()
    l1.state.fail = true
    await source.reload()
    expect(hex(source.current())).toBe(A)
    expect(lines.some((l) => l.msg === 'reading the unsafe block signer from L1 failed')).toBe(true)
  })

  it('falls back to the last known signer (warning it may be stale) while L1 is down, then takes L1', async () => {
    const l1 = stubL1(A)
    l1.state.fail = true
    const { lines, logger } = capture()
    const source = createSignerSource(
      {
        systemConfig: SYSTEM_CONFIG,
        l1ChainId: 11155111,
        lastKnownSigner: LAST,
        reloadIntervalMs: 0,
      },
      { l1Client: l1.client, logger },
    )
    await source.start()
    expect(hex(source.current())).toBe(LAST)
    expect(source.origin()).toBe('last-known')
    expect(lines.some((l) => l.level === 40 && l.msg.includes('may be stale'))).toBe(true)
    l1.state.fail = false
    await source.reload()
    expect(hex(source.current())).toBe(A)
    expect(source.origin()).toBe('l1')
  })

  it('without --l1 uses the last known signer with a staleness warning', async () => {
    const { lines, logger } = capture()
    const source = createSignerSource({ lastKnownSigner: LAST }, { logger })
    await source.start()
    expect(hex(source.current())).toBe(LAST)
    expect(lines.filter((l) => l.level === 40 && l.msg.includes('may be stale'))).toHaveLength(1)
  })

  it('with no signer at all: null (blocks ignored) and one loud error, not one per reload', async () => {
    const l1 = stubL1(null)
    const { lines, logger } = capture()
    const source = createSignerSource(
      { systemConfig: SYSTEM_CONFIG, reloadIntervalMs: 0 },
      { l1Client: l1.client, logger },
    )
    await source.start()
    await source.reload()
    await source.reload()
    expect(source.current()).toBeNull()
    expect(source.origin()).toBe('none')
    const loud = lines.filter((l) => l.msg.startsWith('NO UNSAFE BLOCK SIGNER'))
    expect(loud).toHaveLength(1)
    expect(loud[0]!.level).toBe(50)

    const { lines: lines2, logger: logger2 } = capture()
    await createSignerSource({}, { logger: logger2 }).start()
    expect(lines2.filter((l) => l.msg.startsWith('NO UNSAFE BLOCK SIGNER'))).toHaveLength(1)
  })

  it('refuses an L1 of another chain, and --l1 without a SystemConfig address', async () => {
    const l1 = stubL1(A, 1)
    const source = createSignerSource(
      { systemConfig: SYSTEM_CONFIG, l1ChainId: 11155111 },
      { l1Client: l1.client },
    )
    await expect(source.start()).rejects.toMatchObject({ code: 'SIGNER_L1_WRONG_CHAIN' })
    expect(() => createSignerSource({ l1Url: 'http://127.0.0.1:1' })).toThrow(SignerSourceError)
  })

  it('runs one L1 read at a time however often reload is called', async () => {
    const l1 = stubL1(A)
    const source = createSignerSource(
      { systemConfig: SYSTEM_CONFIG, reloadIntervalMs: 0 },
      { l1Client: l1.client },
    )
    await Promise.all([source.reload(), source.reload(), source.reload()])
    expect(l1.state.reads).toBe(1)
  })

  it('helpers: storage word → address, address parsing, URL redaction, options for a chain', () => {
    expect(hex(addressFromStorageWord(word(A)))).toBe(A)
    expect(addressFromStorageWord(word(`0x${'0'.repeat(40)}`))).toBeNull()
    expect(addressFromStorageWord('0x')).toBeNull()
    expect(addressFromStorageWord(undefined)).toBeNull()
    expect(() => parseSignerAddress('0x1234')).toThrow(SignerSourceError)
    expect(redactUrl('https://user:pw@eth.example.com/v2/SECRETKEY?x=1')).toBe(
      'https://eth.example.com',
    )
    const op = getBuiltinChain('op-sepolia')!
    expect(signerOptionsForChain(op, { l1Url: 'http://127.0.0.1:8545' })).toEqual({
      l1Url: 'http://127.0.0.1:8545',
      systemConfig: op.systemConfig,
      l1ChainId: 11155111,
      lastKnownSigner: op.unsafeBlockSigner,
    })
  })
})

describe('signer / rotation grace window (op-node PR #20063)', () => {
  const C = '0x3333333333333333333333333333333333333333'
  const HOUR = 3_600_000
  async function rotating(initial: string, gracePeriodMs?: number) {
    const l1 = stubL1(initial)
    let t = 1_000_000
    const source = createSignerSource(
      {
        systemConfig: SYSTEM_CONFIG,
        reloadIntervalMs: 0,
        ...(gracePeriodMs === undefined ? {} : { gracePeriodMs }),
      },
      { l1Client: l1.client, now: () => t },
    )
    await source.start()
    const to = async (address: string | null) => {
      l1.state.word = address === null ? `0x${'00'.repeat(32)}` : word(address)
      await source.reload()
    }
    const advance = (ms: number) => {
      t += ms
    }
    const previous = () => hex(source.previousInGrace())
    return { source, to, advance, previous, now: () => t }
  }

  it('defaults to op-node DefaultSignerGracePeriod: 3 hours', () => {
    expect(DEFAULT_SIGNER_GRACE_PERIOD_MS).toBe(3 * HOUR)
  })

  it('A → B opens a window at the reload, still open at exactly its end, closed 1 ms later', async () => {
    const r = await rotating(A)
    expect(r.previous()).toBeNull()
    await r.to(B)
    expect(hex(r.source.current())).toBe(B)
    expect(r.previous()).toBe(A)
    expect(r.source.status()).toMatchObject({
      signer: B,
      previousSigner: A,
      graceWindowEndsAtMs: r.now() + 3 * HOUR,
      gracePeriodMs: 3 * HOUR,
    })
    r.advance(3 * HOUR)
    expect(r.previous()).toBe(A)
    r.advance(1)
    expect(r.previous()).toBeNull()
    expect(r.source.status()).toMatchObject({ previousSigner: null, graceWindowEndsAtMs: null })
  })

  it('a block verified for the current signer closes the window early', async () => {
    const r = await rotating(A)
    await r.to(B)
    r.source.currentSignerVerified()
    expect(r.previous()).toBeNull()
    // Reloading the same B keeps it closed.
    await r.to(B)
    expect(r.previous()).toBeNull()
  })

  it('B → A (a change back) is a rotation: B gets a new window', async () => {
    const r = await rotating(A)
    await r.to(B)
    r.advance(HOUR)
    await r.to(A)
    expect(hex(r.source.current())).toBe(A)
    expect(r.previous()).toBe(B)
    expect(r.source.status().graceWindowEndsAtMs).toBe(r.now() + 3 * HOUR)
  })

  it('B → C drops A at once', async () => {
    const r = await rotating(A)
    await r.to(B)
    await r.to(C)
    expect(r.previous()).toBe(B)
  })

  it('a reload reading zero unsets the signer (every block ignored); zero → C opens no new window', async () => {
    const r = await rotating(A)
    await r.to(null)
    expect(r.source.current()).toBeNull()
    // op-node keeps A as the previous signer, but the unset check comes first in gossip.
    expect(r.previous()).toBe(A)
    r.advance(HOUR)
    await r.to(C)
    expect(hex(r.source.current())).toBe(C)
    // The window from the A → zero reload is kept as it was, not restarted.
    expect(r.previous()).toBe(A)
    expect(r.source.status().graceWindowEndsAtMs).toBe(r.now() - HOUR + 3 * HOUR)
  })

  it('the first L1 value opens no window, and a fixed signer never rotates', async () => {
    const r = await rotating(A)
    expect(r.previous()).toBeNull()
    const fixed = createSignerSource({ configuredSigner: A })
    await fixed.start()
    expect(fixed.previousInGrace()).toBeNull()
    expect(fixed.status()).toMatchObject({ signer: A, origin: 'flag', previousSigner: null })
  })

  it('takes the grace period from the option and refuses a negative one', async () => {
    const r = await rotating(A, 60_000)
    await r.to(B)
    r.advance(60_001)
    expect(r.previous()).toBeNull()
    expect(() => createSignerSource({ gracePeriodMs: -1 })).toThrow(RangeError)
  })
})
