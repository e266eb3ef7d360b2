/**
 * The two L1 reads the signer source makes, and viem's public client for them.
 */
import type { PublicClient } from 'viem'

/** The two L1 calls the source makes; viem's public client satisfies it, tests may stub it. */
export interface SignerL1Client {
  getStorageAt(args: {
    address: `0x${string}`
    slot: `0x${string}`
    blockTag: 'latest'
  }): Promise<`0x${string}` | undefined>
  getChainId(): Promise<number>
}

/**
 * viem's public client on `url`, loaded on first use: viem is large, and a node that reads no L1
 * (a fixed signer, every devnet node) should not pay its memory and start-up time.
 */
export function viemL1Client(url: string, timeoutMs: number): SignerL1Client {
  let client: Promise<PublicClient> | undefined
  const get = () =>
    (client ??= import('viem').then(
      ({ createPublicClient, http }) =>
        createPublicClient({
          transport: http(url, { timeout: timeoutMs, retryCount: 1 }),
        }) as PublicClient,
    ))
  return {
    getStorageAt: async (args) => (await get()).getStorageAt(args),
    getChainId: async () => (await get()).getChainId(),
  }
}
