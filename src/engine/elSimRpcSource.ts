/**
 * An el-sim upstream reached over JSON-RPC: another el-sim's `elsim_getPayloadByHash`, on its
 * open port or (with a JWT secret) its authenticated one.
 */
import type { ChainConfig } from '../chains/types.ts'
import type { ElSimPayload } from './elSimBlockStore.ts'
import type { ElSimBlockSource } from './elSimSync.ts'
import { createRpcClient } from './rpcClient.ts'
import { engineVersionAt, HASH_SIZE_BYTES, parseData, payloadFromJson } from './schema.ts'

/** Per-read timeout: a sync step retries after its delay, so one slow read must not stall it. */
export const ELSIM_UPSTREAM_TIMEOUT_MS = 5_000

export function createElSimRpcSource(
  url: string,
  chain: ChainConfig,
  jwtSecret?: Uint8Array,
): ElSimBlockSource {
  const rpc = createRpcClient({
    url,
    retries: 0,
    timeoutMs: ELSIM_UPSTREAM_TIMEOUT_MS,
    ...(jwtSecret === undefined ? {} : { jwtSecret }),
  })
  return {
    async getPayloadByHash(hash) {
      const res = (await rpc.call('elsim_getPayloadByHash', [hash])) as Record<
        string,
        unknown
      > | null
      if (res === null) return null
      const payload = payloadFromJson(res.executionPayload)
      const data: ElSimPayload = { payload, version: engineVersionAt(chain, payload.timestamp) }
      if (typeof res.parentBeaconBlockRoot === 'string') {
        data.parentBeaconBlockRoot = parseData(res.parentBeaconBlockRoot, 'parentBeaconBlockRoot', {
          exact: HASH_SIZE_BYTES,
        })
      }
      return data
    },
  }
}
