import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getAddress } from 'viem'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createBlockBuilder, devnetKey } from '../../../src/blocks/blockBuilder.ts'
import { createDevnetChain } from '../../../src/chains/devnet.ts'
import { serializeRollupConfig } from '../../../src/chains/rollupConfig.ts'
import { register as registerInspect } from '../../../src/cli/commands/inspect.ts'
import { computeMessageId } from '../../../src/wire/msgId.ts'
import { addressFromPrivateKey } from '../../../src/wire/signing.ts'
import { failureInProcess, runCli } from '../../utils/cli.ts'
import { bytesToHex } from '../../utils/vectors.ts'

const KEY = devnetKey('inspect test sequencer')
const SIGNER = getAddress(bytesToHex(addressFromPrivateKey(KEY)))
const T = 4_000_000_000n
const hex = bytesToHex

const chain = createDevnetChain()
const builder = createBlockBuilder({ chain, privateKey: KEY, startTimestamp: T, txCount: 4 })
const block = builder.next()
const dataHex = hex(block.data)
const base = ['inspect', '--topic', block.topic, '--now', String(T)]
const tmp = mkdtempSync(join(tmpdir(), 'op-gossip-inspect-'))

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

// Tests that run the CLI as a child process are independent of each other and run side by side
// (it.concurrent); the in-process ones, which watch this process's stdout, run on their own.
describe('e2e / cli / inspect', () => {
  it.concurrent('accept: exit 0 and every field of the JSON object', async () => {
    const r = await runCli([...base, '--hex', dataHex, '--signer', SIGNER])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({
      verdict: 'accept',
      reason: null,
      version: 4,
      topic: block.topic,
      messageId: hex(computeMessageId(block.topic, block.data)),
      signer: SIGNER,
      signedBy: 'current',
      parentBeaconBlockRoot: hex(block.envelope.parentBeaconBlockRoot as Uint8Array),
      computedBlockHash: hex(block.blockHash),
    })
    expect(out.messageId).toMatch(/^0x[0-9a-f]{40}$/)
    const p = block.envelope.payload
    expect(out.payload).toEqual({
      blockNumber: Number(p.blockNumber),
      blockHash: hex(p.blockHash),
      parentHash: hex(p.parentHash),
      timestamp: Number(T),
      gasUsed: Number(p.gasUsed),
      gasLimit: Number(p.gasLimit),
      transactions: 5,
      feeRecipient: '0x4200000000000000000000000000000000000011',
      stateRoot: hex(p.stateRoot),
      receiptsRoot: hex(p.receiptsRoot),
      prevRandao: hex(p.prevRandao),
      extraData: hex(p.extraData),
      baseFeePerGas: Number(p.baseFeePerGas),
      withdrawals: 0,
      blobGasUsed: 0,
      excessBlobGas: 0,
      withdrawalsRoot: hex(p.withdrawalsRoot as Uint8Array),
    })
  })

  it.concurrent('reject: exit 1, reason, and the payload still decoded', async () => {
    const other = getAddress(bytesToHex(addressFromPrivateKey(devnetKey('someone else'))))
    const r = await runCli([...base, '--hex', dataHex, '--signer', other])
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({ verdict: 'reject', reason: 'WRONG_SIGNER', signer: SIGNER })
    expect(out.computedBlockHash).toBe(hex(block.blockHash))
    expect(out.payload.blockNumber).toBe(Number(block.blockNumber))
  })

  it.concurrent('--previous-signer judges as a node inside that signer rotation grace window', async () => {
    const next = getAddress(bytesToHex(addressFromPrivateKey(devnetKey('next signer'))))
    const inWindow = await runCli([
      ...base,
      '--hex',
      dataHex,
      '--signer',
      next,
      '--previous-signer',
      SIGNER,
    ])
    expect(inWindow.code).toBe(0)
    expect(JSON.parse(inWindow.stdout)).toMatchObject({
      verdict: 'accept',
      signer: SIGNER,
      signedBy: 'previous',
    })
    const bad = await runCli([...base, '--hex', dataHex, '--previous-signer', '0x12'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--previous-signer must be')
  })

  it.concurrent('ignore without --signer (op-node: no signer configured), exit 1', async () => {
    const r = await runCli([...base, '--hex', dataHex])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'ignore', reason: 'SIGNER_UNKNOWN' })
  })

  it('usage errors: exit 2 with one line on stderr (in process; --previous-signer above runs one)', async () => {
    const cases = [
      [...base], // no input
      [...base, '--hex', 'zz'],
      [...base, '--hex', dataHex, '--file', 'x'],
      ['inspect', '--hex', dataHex, '--topic', '/optimism/x/3/blocks'],
      [...base, '--hex', dataHex, '--signer', '0x1234'],
      ['inspect', '--hex', dataHex, '--topic', block.topic, '--now', '-5'],
    ]
    const stdout = vi.spyOn(process.stdout, 'write')
    try {
      for (const args of cases) {
        const name = args.join(' ')
        const r = await failureInProcess(registerInspect, args)
        expect(r?.status, name).toBe(2)
        expect(r?.text.trimEnd().split('\n'), name).toHaveLength(1)
        expect(r?.text).toMatch(/^op-gossip: /)
      }
      expect(stdout).not.toHaveBeenCalled()
    } finally {
      stdout.mockRestore()
    }
  })

  it('bad hex says what is wrong with it, naming --hex', async () => {
    const zz = await failureInProcess(registerInspect, [...base, '--hex', '0xzz'])
    expect(zz).toEqual({
      status: 2,
      text: "op-gossip: --hex must be hex (0-9, a-f), found 'z' at character 1 after any 0x\n",
    })
    const odd = await failureInProcess(registerInspect, [...base, '--hex', '0xabc'])
    expect(odd?.text).toBe(
      'op-gossip: --hex must have an even number of hex digits (two per byte), got 3\n',
    )
  })

  it.concurrent('reads hex from stdin with `-`, with and without 0x', async () => {
    const inputs = [`${dataHex}\n`, `${dataHex.slice(2)}\n`]
    const results = await Promise.all(
      inputs.map((i) => runCli([...base, '-', '--signer', SIGNER], { stdin: i })),
    )
    for (const r of results) {
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout).computedBlockHash).toBe(hex(block.blockHash))
    }
  })

  it.concurrent('reads raw bytes with --file', async () => {
    const path = join(tmp, 'message.bin')
    writeFileSync(path, block.data)
    const r = await runCli([...base, '--file', path, '--signer', SIGNER])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).verdict).toBe('accept')
  })

  it.concurrent('prints integers beyond 2^53 as decimal strings', async () => {
    const big = builder.next({
      timestamp: T,
      modify: (p) => {
        p.blockNumber = 2n ** 53n + 1n
        p.gasLimit = 2n ** 63n
        p.baseFeePerGas = 10n ** 30n
      },
    })
    const r = await runCli([...base, '--hex', hex(big.data), '--signer', SIGNER])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.payload.blockNumber).toBe('9007199254740993')
    expect(out.payload.gasLimit).toBe('9223372036854775808')
    expect(out.payload.baseFeePerGas).toBe('1000000000000000000000000000000')
    expect(out.payload.timestamp).toBe(Number(T))
  })

  it.concurrent('takes fork times from --rollup.config, else assumes every v4-era fork (Jovian) active', async () => {
    const withFootprint = builder.next({
      timestamp: T,
      modify: (p) => {
        p.blobGasUsed = 40_000n
      },
    })
    const args = [...base, '--hex', hex(withFootprint.data), '--signer', SIGNER]
    // Chain 901 is not built in: on the v4 topic every fork through Karst counts as active.
    const assumed = await runCli(args)
    expect(JSON.parse(assumed.stdout).verdict).toBe('accept')
    // The devnet's own rollup.json leaves Jovian unscheduled: non-zero blobGasUsed is rejected.
    const path = join(tmp, 'rollup.json')
    writeFileSync(
      path,
      serializeRollupConfig({
        ...chain,
        genesis: { l2Time: 1, l2Number: 0, l2Hash: `0x${'22'.repeat(32)}` },
      }),
    )
    const configured = await runCli([...args, '--rollup.config', path])
    expect(configured.code).toBe(1)
    expect(JSON.parse(configured.stdout).reason).toBe('BLOB_GAS_USED_NOT_ZERO')
    const wrongChain = await runCli([
      'inspect',
      '--topic',
      '/optimism/10/3/blocks',
      '--hex',
      dataHex,
      '--rollup.config',
      path,
    ])
    expect(wrongChain.code).toBe(2)
  })

  it.concurrent('applies --timestamp-threshold and the default --now (the current time)', async () => {
    const late = String(T + 100n)
    const args = ['inspect', '--topic', block.topic, '--hex', dataHex, '--signer', SIGNER]
    const [old, ok, now] = await Promise.all([
      runCli([...args, '--now', late]),
      runCli([...args, '--now', late, '--timestamp-threshold', '100']),
      runCli(args), // T is in 2096: with the real clock the block is from the future
    ])
    expect(JSON.parse(old.stdout).reason).toBe('TIMESTAMP_TOO_OLD')
    expect(JSON.parse(ok.stdout).verdict).toBe('accept')
    expect(JSON.parse(now.stdout).reason).toBe('TIMESTAMP_TOO_NEW')
  })
})
