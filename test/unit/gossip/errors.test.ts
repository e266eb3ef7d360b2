import { describe, expect, it } from 'vitest'
import {
  GOSSIP_HOST_ERROR_KINDS,
  GossipHostError,
  GossipHostErrorCode,
} from '../../../src/gossip/errors.ts'
import {
  EXIT_CONFIGURATION,
  EXIT_RUNTIME,
  exitStatusOf,
  OpGossipError,
} from '../../../src/util/errors.ts'

describe('gossip / errors', () => {
  it('is an OpGossipError keeping its name, code, message and cause', () => {
    const cause = new Error('socket')
    const err = new GossipHostError('GOSSIP_LISTEN_FAILED', 'cannot listen', { cause })
    expect(err).toBeInstanceOf(OpGossipError)
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('GossipHostError')
    expect(err.code).toBe('GOSSIP_LISTEN_FAILED')
    expect(err.message).toBe('cannot listen')
    expect(err.cause).toBe(cause)
    expect(new GossipHostError('GOSSIP_NOT_STARTED', 'not running').cause).toBeUndefined()
  })

  it('bad addresses, keys, options and listen addresses are configuration errors; the rest runtime', () => {
    const configuration = Object.keys(GossipHostErrorCode).filter(
      (code) => new GossipHostError(code as GossipHostErrorCode, 'x').kind === 'configuration',
    )
    expect(configuration.sort()).toEqual([
      'GOSSIP_BAD_MULTIADDR',
      'GOSSIP_BAD_OPTION',
      'GOSSIP_BAD_PEER_KEY',
      'GOSSIP_LISTEN_FAILED',
    ])
    expect(Object.keys(GOSSIP_HOST_ERROR_KINDS).sort()).toEqual(
      Object.keys(GossipHostErrorCode).sort(),
    )
    expect(exitStatusOf(new GossipHostError('GOSSIP_BAD_OPTION', 'x'))).toBe(EXIT_CONFIGURATION)
    expect(exitStatusOf(new GossipHostError('GOSSIP_PUBLISH_INVALID', 'x'))).toBe(EXIT_RUNTIME)
  })
})
