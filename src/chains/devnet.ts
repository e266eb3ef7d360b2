import type { ChainConfig, ForkTimes } from './types.ts'

/** Chain id of a local devnet (op-devnet convention: L1 900, L2 901). */
export const DEVNET_CHAIN_ID = 901
export const DEVNET_L1_CHAIN_ID = 900

export interface DevnetChainOptions {
  /** @default DEVNET_CHAIN_ID (901) */
  chainId?: number
  /** @default 'devnet' */
  name?: string
  /** Seconds between blocks. @default 2 */
  blockTime?: number
  /** Fork times to change (e.g. `{ jovian: 0 }`); the rest are Regolith..Isthmus at 0, later null */
  forks?: Partial<ForkTimes>
  /** The sequencer's address, when the devnet signs blocks with a known key */
  unsafeBlockSigner?: `0x${string}`
  /** L1 SystemConfig proxy, when the devnet has an L1 */
  systemConfig?: `0x${string}`
  /** L2 genesis; needed to write a rollup.json (serializeRollupConfig) */
  genesis?: ChainConfig['genesis']
  /** @default DEVNET_L1_CHAIN_ID (900) */
  l1ChainId?: number
}

/**
 * A ChainConfig for a local devnet: every fork through Isthmus active from genesis (so blocks use
 * the v4 topic and Engine API V4), later forks unscheduled, and no bootnodes (a devnet never
 * reaches out to public discovery).
 */
export function createDevnetChain(opts: DevnetChainOptions = {}): ChainConfig {
  const forks: ForkTimes = {
    regolith: 0,
    canyon: 0,
    delta: 0,
    ecotone: 0,
    fjord: 0,
    granite: 0,
    holocene: 0,
    isthmus: 0,
    jovian: null,
    karst: null,
    ...opts.forks,
  }
  const chain: ChainConfig = {
    name: opts.name ?? 'devnet',
    chainId: opts.chainId ?? DEVNET_CHAIN_ID,
    l1ChainId: opts.l1ChainId ?? DEVNET_L1_CHAIN_ID,
    blockTime: opts.blockTime ?? 2,
    forks,
    bootnodes: [],
  }
  if (opts.unsafeBlockSigner !== undefined) chain.unsafeBlockSigner = opts.unsafeBlockSigner
  if (opts.systemConfig !== undefined) chain.systemConfig = opts.systemConfig
  if (opts.genesis !== undefined) chain.genesis = opts.genesis
  return chain
}
