import { MessageStatus, RejectReason, ValidateError } from '@libp2p/gossipsub/types'
import type { PeerId } from '@libp2p/interface'
import { describe, expect, it, vi } from 'vitest'
import { gossipSubPrototype } from '../../../src/patches/gossipsubInternals.ts'
import {
  IDONTWANT_IDS_PER_RPC,
  installIdontwantPerRpc,
} from '../../../src/patches/idontwantPerRpc.ts'
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

  it('idontwantPerRpc: the IDs of one microtask run go out once per topic and sender, 10 at most per RPC', async () => {
    expect(installIdontwantPerRpc()).toBe(true)
    const sent: Array<{ to: string[]; ids: number[] }> = []
    const router = {
      mesh: new Map([
        ['t', new Set(['sender', 'v12', 'v11'])],
        ['u', new Set(['v12'])],
      ]),
      streamsOutbound: new Map([
        ['sender', { protocol: '/meshsub/1.2.0' }],
        ['v12', { protocol: '/meshsub/1.2.0' }],
        ['v11', { protocol: '/meshsub/1.1.0' }],
      ]),
      sendRpcInBatch(
        tosend: Set<string>,
        rpc: { control: { idontwant: Array<{ messageIDs: Uint8Array[] }> } },
      ) {
        const ids = rpc.control.idontwant.flatMap((i) => i.messageIDs.map((m) => m[0] as number))
        sent.push({ to: [...tosend], ids })
      },
    }
    const send = (
      proto() as unknown as {
        sendIDontWants: (this: unknown, id: Uint8Array, topic: string, source: string) => void
      }
    ).sendIDontWants
    const count = IDONTWANT_IDS_PER_RPC + 2
    for (let i = 0; i < count; i++) send.call(router, Uint8Array.of(i), 't', 'sender')
    send.call(router, Uint8Array.of(100), 'u', 'other')
    expect(sent).toEqual([])
    await Promise.resolve()
    // Not back to the sender, not to a peer whose protocol has no IDONTWANT.
    expect(sent).toEqual([
      { to: ['v12'], ids: Array.from({ length: IDONTWANT_IDS_PER_RPC }, (_, i) => i) },
      { to: ['v12'], ids: [IDONTWANT_IDS_PER_RPC, IDONTWANT_IDS_PER_RPC + 1] },
      { to: ['v12'], ids: [100] },
    ])
    // The next run starts a new batch.
    send.call(router, Uint8Array.of(7), 't', 'sender')
    await Promise.resolve()
    expect(sent.at(-1)).toEqual({ to: ['v12'], ids: [7] })
  })
})
