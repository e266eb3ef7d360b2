import { describe, expect, it } from 'vitest'
import {
  expectParams,
  handleJsonRpcBody,
  JsonRpcError,
  JsonRpcErrorCode,
  MAX_RPC_BATCH_LENGTH,
  type RpcMethods,
} from '../../../src/rpc/jsonRpc.ts'

const calls: unknown[][] = []
const methods: RpcMethods = {
  echo(params) {
    calls.push([...params])
    return params[0] ?? null
  },
  nothing() {
    return undefined
  },
  strict(params) {
    expectParams(params, 1, 1)
    if (typeof params[0] !== 'number')
      throw new JsonRpcError(JsonRpcErrorCode.INVALID_PARAMS, 'want a number')
    return params[0] * 2
  },
  async fails() {
    throw new Error('backend down')
  },
}
const ctx = { signal: new AbortController().signal }
const run = (body: string) => handleJsonRpcBody(body, methods, ctx)

describe('rpc / jsonRpc', () => {
  it('answers a call with its id and result (undefined → null)', async () => {
    expect(await run('{"jsonrpc":"2.0","id":7,"method":"echo","params":["hi"]}')).toEqual({
      jsonrpc: '2.0',
      id: 7,
      result: 'hi',
    })
    expect(await run('{"jsonrpc":"2.0","id":"x","method":"nothing"}')).toEqual({
      jsonrpc: '2.0',
      id: 'x',
      result: null,
    })
    expect(await run('{"jsonrpc":"2.0","id":null,"method":"nothing","params":null}')).toMatchObject(
      { id: null, result: null },
    )
  })

  it('maps every kind of bad request to its JSON-RPC error code', async () => {
    const code = async (body: string) =>
      ((await run(body)) as { error: { code: number } }).error.code
    expect(await code('{not json')).toBe(-32700)
    expect(await code('')).toBe(-32700)
    expect(await code('42')).toBe(-32600)
    expect(await code('"str"')).toBe(-32600)
    expect(await code('{"id":1,"method":"echo"}')).toBe(-32600) // no jsonrpc
    expect(await code('{"jsonrpc":"1.0","id":1,"method":"echo"}')).toBe(-32600)
    expect(await code('{"jsonrpc":"2.0","id":1,"method":5}')).toBe(-32600)
    expect(await code('{"jsonrpc":"2.0","id":{"a":1},"method":"echo"}')).toBe(-32600)
    expect(await code('{"jsonrpc":"2.0","id":1,"method":"nope"}')).toBe(-32601)
    expect(await code('{"jsonrpc":"2.0","id":1,"method":"toString"}')).toBe(-32601) // no prototype lookups
    expect(await code(`{"jsonrpc":"2.0","id":1,"method":"${'m'.repeat(10_000)}"}`)).toBe(-32601)
    expect(await code('{"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":1}}')).toBe(-32602)
    expect(await code('{"jsonrpc":"2.0","id":1,"method":"strict","params":[]}')).toBe(-32602)
    expect(await code('{"jsonrpc":"2.0","id":1,"method":"strict","params":[1,2]}')).toBe(-32602)
    expect(await code('{"jsonrpc":"2.0","id":1,"method":"strict","params":["1"]}')).toBe(-32602)
    expect(await code('{"jsonrpc":"2.0","id":1,"method":"fails"}')).toBe(-32000)
  })

  it('keeps messages short and ids where they can be read', async () => {
    const res = (await run(`{"jsonrpc":"2.0","id":3,"method":"${'m'.repeat(500)}"}`)) as {
      id: number
      error: { message: string }
    }
    expect(res.id).toBe(3)
    expect(res.error.message.length).toBeLessThan(120)
    expect(await run('{"jsonrpc":"2.0","id":4,"method":"fails"}')).toEqual({
      jsonrpc: '2.0',
      id: 4,
      error: { code: -32000, message: 'backend down' },
    })
  })

  it('handles batches in order, drops notifications, and rejects empty or oversized batches', async () => {
    calls.length = 0
    const res = await run(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'echo', params: ['a'] },
        { jsonrpc: '2.0', method: 'echo', params: ['notification'] },
        { jsonrpc: '2.0', id: 2, method: 'nope' },
        7,
        { jsonrpc: '2.0', id: 3, method: 'strict', params: [21] },
      ]),
    )
    expect(res).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'a' },
      {
        jsonrpc: '2.0',
        id: 2,
        error: { code: -32601, message: 'the method nope does not exist/is not available' },
      },
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'invalid request: not an object' },
      },
      { jsonrpc: '2.0', id: 3, result: 42 },
    ])
    expect(calls).toEqual([['a'], ['notification']]) // the notification ran, without an answer
    expect(await run('[{"jsonrpc":"2.0","method":"echo"}]')).toBeNull()
    expect(await run('{"jsonrpc":"2.0","method":"echo"}')).toBeNull()
    expect(await run('[]')).toMatchObject({ id: null, error: { code: -32600 } })
    const atLimit = JSON.stringify(
      Array.from({ length: MAX_RPC_BATCH_LENGTH }, (_, i) => ({
        jsonrpc: '2.0',
        id: i,
        method: 'nothing',
      })),
    )
    expect(await run(atLimit)).toHaveLength(MAX_RPC_BATCH_LENGTH)
    const past = JSON.stringify(
      Array.from({ length: MAX_RPC_BATCH_LENGTH + 1 }, (_, i) => ({
        jsonrpc: '2.0',
        id: i,
        method: 'nothing',
      })),
    )
    expect(await run(past)).toMatchObject({ id: null, error: { code: -32600 } })
  })
})
