/**
 * Chain configuration: what op-gossip needs from a rollup config (op-gossip.md §10).
 * Fork times are Unix seconds; a fork is active when `timestamp >= time`; null = not scheduled.
 */
export const FORK_NAMES = [
  'regolith',
  'canyon',
  'delta',
  'ecotone',
  'fjord',
  'granite',
  'holocene',
  'isthmus',
  'jovian',
  'karst',
] as const

export type ForkName = (typeof FORK_NAMES)[number]

export type ForkTimes = Record<ForkName, number | null>

export interface ChainConfig {
  /** Short name (built-in chains) or 'custom' for a rollup.json */
  name: string
  /** L2 chain id */
  chainId: number
  /** Seconds between L2 blocks */
  blockTime: number
  forks: ForkTimes
  /** L2 genesis (from rollup.json), when known; `l1` is the L1 block the rollup starts after */
  genesis?: {
    l2Time: number
    l2Number: number
    l2Hash: `0x${string}`
    l1?: { number: number; hash: `0x${string}` }
  }
  /** L1 chain id (1 = Ethereum, 11155111 = Sepolia), when known: checked against `--l1` */
  l1ChainId?: number
  /** L1 SystemConfig proxy address, when known */
  systemConfig?: `0x${string}`
  /** Last known unsafe block signer (may be stale: the live value is on L1) */
  unsafeBlockSigner?: `0x${string}`
  /** discv5 bootnodes (enr: or enode://) */
  bootnodes?: string[]
  /**
   * Values the spec could not confirm (e.g. 'forks.karst', 'unsafeBlockSigner'), as paths into
   * this object: shown by `op-gossip chains` so nobody mistakes them for verified facts.
   */
  unconfirmed?: readonly string[]
  /**
   * For a chain that left the OP Stack: which of its forks op-gossip verifies and which it does
   * not. Logged once at start as a warning and shown by `op-gossip chains`.
   */
  verificationWarning?: string
}

/** True when `fork` is active at `timestamp` (seconds). */
export function isForkActive(
  chain: ChainConfig,
  fork: ForkName,
  timestamp: number | bigint,
): boolean {
  const t = chain.forks[fork]
  return t !== null && BigInt(timestamp) >= BigInt(t)
}
