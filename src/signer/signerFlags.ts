/**
 * The signer flags of `op-gossip run` as data (commander-free) and their translation into
 * createSignerSource options. `--l1` and `--l1.runtime-config-reload-interval` are op-node's names.
 */
import type { ChainConfig } from '../chains/types.ts'
import { OpGossipError } from '../util/errors.ts'
import { parseDurationMs } from './duration.ts'
import {
  DEFAULT_RUNTIME_CONFIG_RELOAD_INTERVAL_MS,
  DEFAULT_SIGNER_GRACE_PERIOD_MS,
  parseSignerAddress,
  type SignerSourceOptions,
  signerOptionsForChain,
} from './signerSource.ts'

export const SIGNER_FLAG_SPECS: readonly {
  flags: string
  description: string
  defaultValue?: string
}[] = [
  {
    flags: '--p2p.unsafe-block-signer <address>',
    description: 'accept blocks signed by this address (overrides L1 and the last known value)',
  },
  {
    flags: '--l1 <url>',
    description: 'L1 JSON-RPC URL: the unsafe block signer is read from the chain SystemConfig',
  },
  {
    flags: '--l1.runtime-config-reload-interval <duration>',
    description: 're-read the signer from L1 this often (Go duration, 0 = never)',
    defaultValue: `${DEFAULT_RUNTIME_CONFIG_RELOAD_INTERVAL_MS / 60_000}m`,
  },
  {
    flags: '--p2p.signer.grace-period <duration>',
    description:
      "after an L1 signer rotation, keep accepting the previous signer this long, or until a block of the new one verifies (op-node's DefaultSignerGracePeriod)",
    defaultValue: `${DEFAULT_SIGNER_GRACE_PERIOD_MS / 3_600_000}h`,
  },
]

/** Commander's keys for the flags above. */
export interface SignerFlagValues {
  'p2p.unsafeBlockSigner'?: string
  l1?: string
  'l1.runtimeConfigReloadInterval'?: string
  'p2p.signer.gracePeriod'?: string
}

/** A signer flag with a bad value; `flag` is its `--name`. */
export class SignerFlagError extends OpGossipError<'SIGNER_BAD_FLAG'> {
  override readonly name = 'SignerFlagError'
  constructor(flag: string, message: string, cause?: unknown) {
    super('SIGNER_BAD_FLAG', message, { kind: 'configuration', flag, cause })
  }
}

/** @throws SignerFlagError naming the flag */
export function parseSignerFlags(flags: SignerFlagValues, chain: ChainConfig): SignerSourceOptions {
  const picked: Pick<
    SignerSourceOptions,
    'configuredSigner' | 'l1Url' | 'reloadIntervalMs' | 'gracePeriodMs'
  > = {}
  const signer = flags['p2p.unsafeBlockSigner']
  if (signer !== undefined) {
    try {
      parseSignerAddress(signer)
    } catch (err) {
      throw new SignerFlagError(
        '--p2p.unsafe-block-signer',
        `--p2p.unsafe-block-signer: ${(err as Error).message}`,
        err,
      )
    }
    picked.configuredSigner = signer
  }
  if (flags.l1 !== undefined) {
    let url: URL
    try {
      url = new URL(flags.l1)
    } catch {
      throw new SignerFlagError('--l1', '--l1 must be an http(s) URL')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SignerFlagError('--l1', '--l1 must be an http(s) URL')
    }
    if (chain.systemConfig === undefined && signer === undefined) {
      throw new SignerFlagError(
        '--l1',
        `--l1: chain ${chain.name} has no L1 SystemConfig address (rollup.json l1_system_config_address)`,
      )
    }
    picked.l1Url = flags.l1
  }
  const interval = flags['l1.runtimeConfigReloadInterval']
  if (interval !== undefined) {
    try {
      picked.reloadIntervalMs = parseDurationMs(interval)
    } catch (err) {
      throw new SignerFlagError(
        '--l1.runtime-config-reload-interval',
        `--l1.runtime-config-reload-interval: ${(err as Error).message}`,
        err,
      )
    }
  }
  const grace = flags['p2p.signer.gracePeriod']
  if (grace !== undefined) {
    try {
      picked.gracePeriodMs = parseDurationMs(grace)
    } catch (err) {
      throw new SignerFlagError(
        '--p2p.signer.grace-period',
        `--p2p.signer.grace-period: ${(err as Error).message}`,
        err,
      )
    }
  }
  return signerOptionsForChain(chain, picked)
}
