import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngineClient } from '../../../src/engine/engineClient.ts'
import { EngineError } from '../../../src/engine/errors.ts'
import {
  engineVersionAt,
  envelopeToJson,
  FORKCHOICE_UPDATED_METHOD,
  NEW_PAYLOAD_METHOD,
  newPayloadRequest,
  PAYLOAD_STATUSES,
  parseData,
  parseForkchoiceUpdatedResult,
  parsePayloadStatus,
  parseQuantity,
  payloadFromJson,
  payloadShapeVersion,
  payloadToJson,
  SchemaError,
  toData,
  toQuantity,
  ZERO_HASH,
} from '../../../src/engine/schema.ts'
import type { BlockVersion } from '../../../src/wire/types.ts'
import {
  ERA_TIMESTAMP,
  rpcResult,
  STAGGERED_CHAIN,
  sampleEnvelope,
  samplePayload,
  startCaptureServer,
  VALID_STATUS,
} from './helpers.ts'

/** Typed over BlockVersion: a missing version fails to compile. */
const METHOD_CASES: Record<BlockVersion, { method: string; paramCount: number }> = {
  1: { method: 'engine_newPayloadV2', paramCount: 1 },
  2: { method: 'engine_newPayloadV2', paramCount: 1 },
  3: { method: 'engine_newPayloadV3', paramCount: 3 },
  4: { method: 'engine_newPayloadV4', paramCount: 4 },
}

describe('engine / schema', () => {
  describe('method per fork (engine-sync.md §2.1)', () => {
    for (const [v, { method, paramCount }] of Object.entries(METHOD_CASES)) {
      const version = Number(v) as BlockVersion
      it(`V${version} payload → ${method} with ${paramCount} param(s)`, () => {
        expect(engineVersionAt(STAGGERED_CHAIN, ERA_TIMESTAMP[version])).toBe(version)
        expect(NEW_PAYLOAD_METHOD[version]).toBe(method)
        const req = newPayloadRequest(sampleEnvelope(version), STAGGERED_CHAIN)
        expect(req.method).toBe(method)
        expect(req.params).toHaveLength(paramCount)
      })
    }

    it('fork boundaries: the first second of a fork selects its version', () => {
      expect(engineVersionAt(STAGGERED_CHAIN, 999)).toBe(1)
      expect(engineVersionAt(STAGGERED_CHAIN, 1000)).toBe(2)
      expect(engineVersionAt(STAGGERED_CHAIN, 1999)).toBe(2)
      expect(engineVersionAt(STAGGERED_CHAIN, 2000)).toBe(3)
      expect(engineVersionAt(STAGGERED_CHAIN, 3000)).toBe(3) // Holocene: still V3
      expect(engineVersionAt(STAGGERED_CHAIN, 4000)).toBe(4)
    })

    it('forkchoiceUpdated without attributes is always V3', () => {
      expect(FORKCHOICE_UPDATED_METHOD).toBe('engine_forkchoiceUpdatedV3')
    })

    it('refuses a block whose gossip version disagrees with its fork', () => {
      const env = sampleEnvelope(3)
      env.payload.timestamp = BigInt(ERA_TIMESTAMP[4])
      expect(() => newPayloadRequest(env, STAGGERED_CHAIN)).toThrow(EngineError)
      try {
        newPayloadRequest(env, STAGGERED_CHAIN)
      } catch (err) {
        expect((err as EngineError).code).toBe('ENGINE_VERSION_MISMATCH')
      }
    })

    it('refuses a V3 block without parentBeaconBlockRoot', () => {
      const env = sampleEnvelope(3)
      delete env.parentBeaconBlockRoot
      expect(() => newPayloadRequest(env, STAGGERED_CHAIN)).toThrow(/parentBeaconBlockRoot/)
    })
  })

  describe('hex encodings (§2.3)', () => {
    it('QUANTITY has no leading zeros, zero is 0x0', () => {
      expect(toQuantity(0n)).toBe('0x0')
      expect(toQuantity(1n)).toBe('0x1')
      expect(toQuantity(256n)).toBe('0x100')
      expect(toQuantity(2n ** 256n - 1n)).toBe(`0x${'f'.repeat(64)}`)
      expect(() => toQuantity(-1n)).toThrow(RangeError)
    })

    it('parses QUANTITY strictly', () => {
      expect(parseQuantity('0x0', 'x')).toBe(0n)
      expect(parseQuantity('0xAbC', 'x')).toBe(0xabcn)
      for (const bad of ['0x', '0x01', '10', 16, null, '0xg']) {
        expect(() => parseQuantity(bad, 'x')).toThrow(SchemaError)
      }
    })

    it('DATA is even-length, lower-case, with exact sizes where stated', () => {
      expect(toData(new Uint8Array([0, 1, 0xab]))).toBe('0x0001ab')
      expect(toData(new Uint8Array(0))).toBe('0x')
      expect(parseData('0x00ff', 'x', { exact: 2 })).toEqual(new Uint8Array([0, 255]))
      expect(() => parseData('0x0', 'x')).toThrow(/even length/)
      expect(() => parseData('0x00', 'x', { exact: 2 })).toThrow(/expected 2 bytes, got 1/)
      expect(() => parseData(`0x${'00'.repeat(33)}`, 'x', { max: 32 })).toThrow(/at most 32/)
    })

    it('encodes a view into a larger buffer without leaking neighbours', () => {
      const big = new Uint8Array([9, 9, 1, 2, 9])
      expect(toData(big.subarray(2, 4))).toBe('0x0102')
    })
  })

  describe('payload JSON', () => {
    for (const version of [1, 2, 3, 4] as const) {
      it(`V${version} round-trips and carries exactly its fork's keys`, () => {
        const json = payloadToJson(samplePayload(version), version)
        expect('withdrawals' in json).toBe(version >= 2)
        expect('blobGasUsed' in json).toBe(version >= 3)
        expect('excessBlobGas' in json).toBe(version >= 3)
        expect('withdrawalsRoot' in json).toBe(version === 4)
        const back = payloadFromJson(JSON.parse(JSON.stringify(json)))
        expect(back).toEqual(samplePayload(version))
        expect(payloadShapeVersion(back)).toBe(version)
      })
    }

    it('names the missing field when a version needs it', () => {
      const p = samplePayload(4)
      delete p.withdrawalsRoot
      expect(() => payloadToJson(p, 4)).toThrow(/withdrawalsRoot/)
    })

    it('names the bad field when parsing', () => {
      const json = payloadToJson(samplePayload(2), 2) as unknown as Record<string, unknown>
      json.gasUsed = '0x00'
      expect(() => payloadFromJson(json)).toThrow(/executionPayload\.gasUsed/)
    })

    it('op-node envelope: parentBeaconBlockRoot only from Ecotone', () => {
      expect('parentBeaconBlockRoot' in envelopeToJson(sampleEnvelope(2))).toBe(false)
      expect(envelopeToJson(sampleEnvelope(3)).parentBeaconBlockRoot).toBe(`0x${'77'.repeat(32)}`)
    })
  })

  describe('exact request bodies (engine spec shapes, one block per version)', () => {
    let server: Awaited<ReturnType<typeof startCaptureServer>>
    beforeAll(async () => {
      server = await startCaptureServer((req) =>
        rpcResult(
          req.id,
          req.method.startsWith('engine_newPayload')
            ? VALID_STATUS
            : { payloadStatus: VALID_STATUS, payloadId: null },
        ),
      )
    })
    afterAll(() => server.close())

    async function bodyOf(version: BlockVersion): Promise<string> {
      const client = createEngineClient({
        url: server.url,
        jwtSecret: new Uint8Array(32),
        chain: STAGGERED_CHAIN,
      })
      const status = await client.newPayload(sampleEnvelope(version))
      expect(status.status).toBe('VALID')
      return server.requests.at(-1)!.body
    }

    it('engine_newPayloadV2 with an ExecutionPayloadV1 (Bedrock/Regolith: no withdrawals key)', async () => {
      expect(await bodyOf(1)).toMatchInlineSnapshot(
        `"{"jsonrpc":"2.0","id":1,"method":"engine_newPayloadV2","params":[{"parentHash":"0x1111111111111111111111111111111111111111111111111111111111111111","feeRecipient":"0x4200000000000000000000000000000000000011","stateRoot":"0x2222222222222222222222222222222222222222222222222222222222222222","receiptsRoot":"0x3333333333333333333333333333333333333333333333333333333333333333","logsBloom":"0x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000","prevRandao":"0x4444444444444444444444444444444444444444444444444444444444444444","blockNumber":"0x10","gasLimit":"0x1c9c380","gasUsed":"0x0","timestamp":"0x1f4","extraData":"0x","baseFeePerGas":"0x3b9aca07","blockHash":"0x5555555555555555555555555555555555555555555555555555555555555555","transactions":["0x7e01","0x02abcd"]}]}"`,
      )
    })

    it('engine_newPayloadV2 with an ExecutionPayloadV2 (Canyon/Delta: withdrawals [])', async () => {
      expect(await bodyOf(2)).toMatchInlineSnapshot(
        `"{"jsonrpc":"2.0","id":1,"method":"engine_newPayloadV2","params":[{"parentHash":"0x1111111111111111111111111111111111111111111111111111111111111111","feeRecipient":"0x4200000000000000000000000000000000000011","stateRoot":"0x2222222222222222222222222222222222222222222222222222222222222222","receiptsRoot":"0x3333333333333333333333333333333333333333333333333333333333333333","logsBloom":"0x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000","prevRandao":"0x4444444444444444444444444444444444444444444444444444444444444444","blockNumber":"0x10","gasLimit":"0x1c9c380","gasUsed":"0x0","timestamp":"0x5dc","extraData":"0x","baseFeePerGas":"0x3b9aca07","blockHash":"0x5555555555555555555555555555555555555555555555555555555555555555","transactions":["0x7e01","0x02abcd"],"withdrawals":[]}]}"`,
      )
    })

    it('engine_newPayloadV3 (Ecotone..Holocene): payload, [], parentBeaconBlockRoot', async () => {
      expect(await bodyOf(3)).toMatchInlineSnapshot(
        `"{"jsonrpc":"2.0","id":1,"method":"engine_newPayloadV3","params":[{"parentHash":"0x1111111111111111111111111111111111111111111111111111111111111111","feeRecipient":"0x4200000000000000000000000000000000000011","stateRoot":"0x2222222222222222222222222222222222222222222222222222222222222222","receiptsRoot":"0x3333333333333333333333333333333333333333333333333333333333333333","logsBloom":"0x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000","prevRandao":"0x4444444444444444444444444444444444444444444444444444444444444444","blockNumber":"0x10","gasLimit":"0x1c9c380","gasUsed":"0x0","timestamp":"0x9c4","extraData":"0x","baseFeePerGas":"0x3b9aca07","blockHash":"0x5555555555555555555555555555555555555555555555555555555555555555","transactions":["0x7e01","0x02abcd"],"withdrawals":[],"blobGasUsed":"0x0","excessBlobGas":"0x0"},[],"0x7777777777777777777777777777777777777777777777777777777777777777"]}"`,
      )
    })

    it('engine_newPayloadV4 (Isthmus): payload with withdrawalsRoot, [], root, []', async () => {
      expect(await bodyOf(4)).toMatchInlineSnapshot(
        `"{"jsonrpc":"2.0","id":1,"method":"engine_newPayloadV4","params":[{"parentHash":"0x1111111111111111111111111111111111111111111111111111111111111111","feeRecipient":"0x4200000000000000000000000000000000000011","stateRoot":"0x2222222222222222222222222222222222222222222222222222222222222222","receiptsRoot":"0x3333333333333333333333333333333333333333333333333333333333333333","logsBloom":"0x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000","prevRandao":"0x4444444444444444444444444444444444444444444444444444444444444444","blockNumber":"0x10","gasLimit":"0x1c9c380","gasUsed":"0x0","timestamp":"0x1194","extraData":"0x00000000fa00000006","baseFeePerGas":"0x3b9aca07","blockHash":"0x5555555555555555555555555555555555555555555555555555555555555555","transactions":["0x7e01","0x02abcd"],"withdrawals":[],"blobGasUsed":"0x0","excessBlobGas":"0x0","withdrawalsRoot":"0x6666666666666666666666666666666666666666666666666666666666666666"},[],"0x7777777777777777777777777777777777777777777777777777777777777777",[]]}"`,
      )
    })

    it('engine_forkchoiceUpdatedV3 with null attributes', async () => {
      const client = createEngineClient({
        url: server.url,
        jwtSecret: new Uint8Array(32),
        chain: STAGGERED_CHAIN,
      })
      const res = await client.forkchoiceUpdated({
        headBlockHash: `0x${'55'.repeat(32)}`,
        safeBlockHash: ZERO_HASH,
        finalizedBlockHash: ZERO_HASH,
      })
      expect(res.payloadStatus.status).toBe('VALID')
      expect(server.requests.at(-1)!.body).toMatchInlineSnapshot(
        `"{"jsonrpc":"2.0","id":1,"method":"engine_forkchoiceUpdatedV3","params":[{"headBlockHash":"0x5555555555555555555555555555555555555555555555555555555555555555","safeBlockHash":"0x0000000000000000000000000000000000000000000000000000000000000000","finalizedBlockHash":"0x0000000000000000000000000000000000000000000000000000000000000000"},null]}"`,
      )
    })
  })

  describe('results', () => {
    it('parses every payload status and keeps latestValidHash / validationError', () => {
      expect(PAYLOAD_STATUSES).toContain('INVALID_TERMINAL_BLOCK')
      for (const status of PAYLOAD_STATUSES) {
        expect(
          parsePayloadStatus({ status, latestValidHash: null, validationError: null }).status,
        ).toBe(status)
      }
      expect(
        parsePayloadStatus({
          status: 'INVALID',
          latestValidHash: `0x${'AB'.repeat(32)}`,
          validationError: 'bad',
        }),
      ).toEqual({
        status: 'INVALID',
        latestValidHash: `0x${'ab'.repeat(32)}`,
        validationError: 'bad',
      })
    })

    it('rejects an unknown status', () => {
      expect(() => parsePayloadStatus({ status: 'MAYBE' })).toThrow(/unknown payload status/)
    })

    it('parses a forkchoiceUpdated result', () => {
      expect(
        parseForkchoiceUpdatedResult({
          payloadStatus: { status: 'SYNCING', latestValidHash: null },
          payloadId: null,
        }),
      ).toEqual({
        payloadStatus: { status: 'SYNCING', latestValidHash: null, validationError: null },
        payloadId: null,
      })
    })
  })
})
