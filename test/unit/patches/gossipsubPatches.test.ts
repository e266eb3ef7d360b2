import { MessageStatus, RejectReason, ValidateError } from '@libp2p/gossipsub/types'
import type { PeerId } from '@libp2p/interface'
import { describe, expect, it, vi } from 'vitest'
import { gossipSubPrototype } from '../../../src/patches/gossipsubInternals.ts'
import {
  installInboundMessageGate,
  setInboundMessageGate,
} from '../../../src/patches/inboundMessageGate.ts'
import { rejectStrictNoSignAuthor } from '../../../src/patches/strictNoSignAuthor.ts'
import { forgetUnvalidatedMessage } from '../../../src/patches/unvalidatedNotSeen.ts'

const FROM = { toString: () => 'peer-a' } as unknown as PeerId

function proto() {
  const p = gossipSubPrototype()
  if (p === null) throw new Error('gossipsub router class not found')
  return p
}

describe('patches / gossipsub', () => {
  it('strictNoSignAuthor: under StrictNoSign a `from` field alone makes the message invalid', async () => {
    expect(rejectStrictNoSignAuthor()).toBe(true)
    const router = { globalSignaturePolicy: 'StrictNoSign' }
    const result = await proto().validateReceivedMessage.call(router, FROM, {
      topic: 't',
      data: new Uint8Array(1),
      from: new Uint8Array([1, 2, 3]),
    })
    // As the library refuses a StrictNoSign message with a key: invalid, penalised (P4).
    expect(result).toEqual({
      code: MessageStatus.invalid,
      reason: RejectReason.Error,
      error: ValidateError.FromPresent,
    })
  })

  it('inboundMessageGate: a refused message is dropped before anything else runs', async () => {
    expect(installInboundMessageGate()).toBe(true)
    const gate = vi.fn(() => false)
    // A router with no state at all: the library's handler would throw on it.
    const router = {} as Record<PropertyKey, unknown>
    setInboundMessageGate(router, gate)
    const msg = { topic: 't', data: new Uint8Array(1) }
    await expect(
      proto().handleReceivedMessage.call(router as never, FROM, msg),
    ).resolves.toBeUndefined()
    expect(gate).toHaveBeenCalledWith(FROM, msg)
    // Without a gate (or once removed) the library's handler runs as before.
    setInboundMessageGate(router, null)
    await expect(proto().handleReceivedMessage.call(router as never, FROM, msg)).rejects.toThrow()
  })

  it('unvalidatedNotSeen: forgets the ID and reopens its delivery record', () => {
    const entries = new Map<string, unknown>([
      ['a', {}],
      ['b', {}],
    ])
    const records = new Map([['a', { status: 3 /* ignored */ }]])
    const router = {
      seenCache: { entries },
      score: { deliveryRecords: { getRecord: (id: string) => records.get(id) } },
    }
    expect(forgetUnvalidatedMessage(router, 'a')).toBe(true)
    expect([...entries.keys()]).toEqual(['b'])
    expect(records.get('a')?.status).toBe(0 /* unknown */)
    // A router without the expected state is left alone.
    expect(forgetUnvalidatedMessage({}, 'a')).toBe(false)
  })
})
