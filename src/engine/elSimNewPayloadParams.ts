/**
 * The checks op-geth makes on engine_newPayloadV* params before it looks at the payload
 * (engine-sync.md §2.1, §2.5): method version vs fork (-38005), presence of fork fields
 * (-32602, with geth's messages), OP rules (empty withdrawals, withdrawalsRoot exactly from
 * Isthmus, Holocene / Jovian extraData), and the parameter count and content per version.
 */
import type { ChainConfig } from '../chains/types.ts'
import { isForkActive } from '../chains/types.ts'
import type { BlockVersion } from '../wire/types.ts'
import { type ElSimPayload, ElSimRpcError } from './elSimBlockStore.ts'
import { RpcErrorCode } from './errors.ts'
import { engineVersionAt, HASH_SIZE_BYTES, parseData, payloadFromJson } from './schema.ts'

/** Holocene's extraData: version 0, then denominator and elasticity (4 bytes each). */
const HOLOCENE_EXTRA_DATA_SIZE_BYTES = 9
/** Jovian's extraData: version 1, Holocene's fields, then the minimum base fee (8 bytes). */
const JOVIAN_EXTRA_DATA_SIZE_BYTES = 17

const invalidParams = (message: string) => new ElSimRpcError(RpcErrorCode.INVALID_PARAMS, message)

/** The params of `method` (engine_newPayloadV2..V4) as a payload to execute, or a JSON-RPC error. */
export function parseNewPayloadParams(
  chain: ChainConfig,
  method: string,
  params: unknown[],
): ElSimPayload {
  const payload = payloadFromJson(params[0], 'params[0]')
  const ts = payload.timestamp
  const version: BlockVersion = engineVersionAt(chain, ts)
  const methodVersion = Number(method.slice(-1))
  const expectedMethod = version <= 2 ? 2 : version
  if (methodVersion !== expectedMethod) {
    throw new ElSimRpcError(
      RpcErrorCode.UNSUPPORTED_FORK,
      `Unsupported fork: ${method} for a V${version} payload timestamp`,
    )
  }
  const canyon = isForkActive(chain, 'canyon', ts)
  if (canyon && payload.withdrawals === undefined)
    throw invalidParams('nil withdrawals post-shanghai')
  if (!canyon && payload.withdrawals !== undefined)
    throw invalidParams('non-nil withdrawals pre-shanghai')
  if (payload.withdrawals !== undefined && payload.withdrawals.length > 0) {
    throw invalidParams('non-empty withdrawals post-Canyon')
  }
  const ecotone = isForkActive(chain, 'ecotone', ts)
  if (ecotone && (payload.blobGasUsed === undefined || payload.excessBlobGas === undefined)) {
    throw invalidParams('nil blobGasUsed or excessBlobGas post-cancun')
  }
  if (!ecotone && (payload.blobGasUsed !== undefined || payload.excessBlobGas !== undefined)) {
    throw invalidParams('non-nil blobGasUsed or excessBlobGas pre-cancun')
  }
  const isthmus = isForkActive(chain, 'isthmus', ts)
  if (isthmus && payload.withdrawalsRoot === undefined)
    throw invalidParams('nil withdrawalsRoot post-isthmus')
  if (!isthmus && payload.withdrawalsRoot !== undefined)
    throw invalidParams('non-nil withdrawalsRoot pre-isthmus')
  if (isForkActive(chain, 'jovian', ts)) {
    if (payload.extraData.length !== JOVIAN_EXTRA_DATA_SIZE_BYTES || payload.extraData[0] !== 1) {
      throw invalidParams('jovian extraData must be 17 bytes with version 1')
    }
  } else if (isForkActive(chain, 'holocene', ts)) {
    if (payload.extraData.length !== HOLOCENE_EXTRA_DATA_SIZE_BYTES || payload.extraData[0] !== 0) {
      throw invalidParams('holocene extraData must be 9 bytes with version 0')
    }
  }
  const expectedParams = version <= 2 ? 1 : version === 3 ? 3 : 4
  if (params.length !== expectedParams) {
    throw invalidParams(`${method} takes ${expectedParams} params, got ${params.length}`)
  }
  const data: ElSimPayload = { payload, version }
  if (version >= 3) {
    if (!Array.isArray(params[1])) throw invalidParams('nil versionedHashes post-cancun')
    if (params[1].length !== 0) throw invalidParams('blob versioned hashes must be empty on L2')
    if (params[2] === null || params[2] === undefined)
      throw invalidParams('nil beaconRoot post-cancun')
    data.parentBeaconBlockRoot = parseData(params[2], 'params[2]', { exact: HASH_SIZE_BYTES })
  }
  if (version === 4) {
    if (!Array.isArray(params[3])) throw invalidParams('nil executionRequests post-prague')
    if (params[3].length !== 0) throw invalidParams('executionRequests must be empty on OP')
  }
  return data
}
