/**
 * A real L1 node for tests that read L1: Foundry's `anvil`, from the npm package
 * `@foundry-rs/anvil` (its platform package carries the binary), on 127.0.0.1 and a free port.
 * Storage the node reads (the SystemConfig signer slot) is written with `anvil_setStorageAt`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { UNSAFE_BLOCK_SIGNER_SLOT } from '../../src/signer/signerAddress.ts'
import { freePort } from './freePort.ts'

const require = createRequire(import.meta.url)

/** How long anvil may take to answer its first request. */
const ANVIL_START_TIMEOUT_MS = 15_000

/** The anvil binary of this platform's `@foundry-rs/anvil-<os>-<arch>` package. */
export function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'anvil')
}

export interface Anvil {
  url: string
  /** JSON-RPC call; throws on an error answer */
  rpc(method: string, params?: unknown[]): Promise<unknown>
  /** Writes a 32-byte storage word (anvil_setStorageAt) and mines a block so `latest` has it */
  setStorage(address: string, slot: string, word: string): Promise<void>
  /** Sets the SystemConfig's unsafe-block signer slot (null: the zero address) */
  setUnsafeBlockSigner(systemConfig: string, signer: string | null): Promise<void>
  stop(): Promise<void>
}

export async function startAnvil(opts: { chainId?: number } = {}): Promise<Anvil> {
  const port = await freePort()
  const child: ChildProcess = spawn(
    anvilBinary(),
    [
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--chain-id',
      String(opts.chainId ?? 31337),
      '--silent',
      '--no-request-size-limit',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  const url = `http://127.0.0.1:${port}`
  let id = 0
  async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    })
    const body = (await res.json()) as { result?: unknown; error?: { message: string } }
    if (body.error !== undefined) throw new Error(`anvil ${method}: ${body.error.message}`)
    return body.result
  }
  const deadline = Date.now() + ANVIL_START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited at start: ${stderr.trim()}`)
    try {
      await rpc('eth_chainId')
      break
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`anvil did not answer within ${ANVIL_START_TIMEOUT_MS} ms: ${err}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  async function setStorage(address: string, slot: string, word: string): Promise<void> {
    await rpc('anvil_setStorageAt', [address, slot, word])
    await rpc('evm_mine')
  }
  return {
    url,
    rpc,
    setStorage,
    async setUnsafeBlockSigner(systemConfig, signer) {
      // The address sits right-aligned in the 32-byte word.
      const word = `0x${(signer ?? '0x').slice(2).padStart(64, '0')}`
      await setStorage(systemConfig, UNSAFE_BLOCK_SIGNER_SLOT, word)
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    },
  }
}
