/**
 * `opgossip_signer`: who may sign unsafe blocks now, and the rotated-out signer while its grace
 * window is open (op-node has no such method; `optimism_syncStatus` is op-node's shape and has no
 * place for it). Addresses are 0x-hex, times unix seconds.
 */

import type { SignerOrigin } from '../signer/signerSource.ts'
import type { SignerStatusSource } from '../status/statusSources.ts'
import { expectParams, type RpcMethods } from './jsonRpc.ts'

export interface SignerJson {
  /** null when no signer is configured (every block is ignored) */
  signer: string | null
  /** flag, l1, last-known or none */
  origin: SignerOrigin
  /** The previous signer while its grace window is open, else null */
  previousSigner: string | null
  /** When that window closes (unix seconds), null when none is open */
  graceWindowEndsAt: number | null
  gracePeriodSeconds: number
}

export function signerJson(source: SignerStatusSource): SignerJson {
  const s = source.status()
  return {
    signer: s.signer,
    origin: s.origin,
    previousSigner: s.previousSigner,
    graceWindowEndsAt: s.graceWindowEndsAtMs === null ? null : s.graceWindowEndsAtMs / 1000,
    gracePeriodSeconds: s.gracePeriodMs / 1000,
  }
}

export function createSignerApi(source: SignerStatusSource): RpcMethods {
  return {
    opgossip_signer(params): SignerJson {
      expectParams(params, 0, 0)
      return signerJson(source)
    },
  }
}
