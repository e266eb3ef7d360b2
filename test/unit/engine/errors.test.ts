/** EngineError in the one error model: an OpGossipError whose kind says whose mistake it is. */
import { describe, expect, it } from 'vitest'
import {
  ENGINE_ERROR_KIND,
  EngineError,
  EngineErrorCode,
  isTransientEngineError,
} from '../../../src/engine/errors.ts'
import {
  EXIT_CONFIGURATION,
  EXIT_RUNTIME,
  exitStatusOf,
  OpGossipError,
} from '../../../src/util/errors.ts'

const CONFIGURATION_CODES = [
  'ENGINE_JWT_SECRET_INVALID',
  'ENGINE_CONFIG_INVALID',
  'ENGINE_AUTH_FAILED',
  'ENGINE_WRONG_CHAIN',
]

describe('engine / errors', () => {
  it.each(Object.keys(EngineErrorCode) as Array<keyof typeof EngineErrorCode>)(
    '%s has its kind and keeps name, code and details',
    (code) => {
      const cause = new Error('underneath')
      const err = new EngineError(code, 'message', {
        rpcCode: -1,
        httpStatus: 500,
        method: 'm',
        cause,
      })
      expect(err).toBeInstanceOf(OpGossipError)
      expect(err).toBeInstanceOf(Error)
      expect(err).toMatchObject({
        name: 'EngineError',
        code,
        rpcCode: -1,
        httpStatus: 500,
        method: 'm',
      })
      expect(err.cause).toBe(cause)
      const kind = CONFIGURATION_CODES.includes(code) ? 'configuration' : 'runtime'
      expect(err.kind).toBe(kind)
      expect(ENGINE_ERROR_KIND[code]).toBe(kind)
      expect(exitStatusOf(err)).toBe(kind === 'configuration' ? EXIT_CONFIGURATION : EXIT_RUNTIME)
    },
  )

  it('carries a flag when the caller names one; transient errors stay runtime', () => {
    const err = new EngineError('ENGINE_JWT_SECRET_INVALID', 'bad', { flag: '--l2.jwt-secret' })
    expect(err.flag).toBe('--l2.jwt-secret')
    expect(new EngineError('ENGINE_AUTH_FAILED', 'x').flag).toBeUndefined()
    const down = new EngineError('ENGINE_TRANSPORT', 'ECONNREFUSED')
    expect(isTransientEngineError(down)).toBe(true)
    expect(down.kind).toBe('runtime')
  })
})
