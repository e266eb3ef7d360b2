import { describe, expect, it } from 'vitest'
import { OP_NODE_DEFAULT_BOOTNODES } from '../../../src/chains/bootnodes.ts'
import {
  BootnodeError,
  checkBootnodeSyntax,
  isCompatEnr,
  MAX_BOOTNODE_LENGTH_CHARS,
  parseBootnode,
  parseBootnodes,
  parseEnodeUrl,
  splitBootnodes,
} from '../../../src/discovery/bootnodes.ts'
import { describeEnr } from '../../../src/discovery/enrInfo.ts'
import { ipToBytes } from '../../../src/discovery/ipBytes.ts'

const KEY_HEX =
  '869d07b5932f17e8490990f75a3f94195e9504ddb6b85f7189e5a9c0a8fff8b00aecf6f3ac450ecba6cdabdb5858788a94bde2b613e0f2d82e9b395355f76d1a'
const noDns = async (host: string): Promise<string> => {
  throw new Error(`unexpected lookup of ${host}`)
}

describe('discovery / bootnodes', () => {
  it('enode without discport: UDP = the given port; with discport: UDP from it', () => {
    expect(parseEnodeUrl(`enode://${KEY_HEX}@34.65.67.101:30305`)).toMatchObject({
      host: '34.65.67.101',
      tcp: 30305,
      udp: 30305,
    })
    expect(parseEnodeUrl(`enode://${KEY_HEX}@bootnode.example:0?discport=30301`)).toMatchObject({
      host: 'bootnode.example',
      tcp: 0,
      udp: 30301,
    })
    expect(parseEnodeUrl(`enode://${KEY_HEX}@[2001:db8::1]:9222`)).toMatchObject({
      host: '2001:db8::1',
      tcp: 9222,
    })
  })

  it.each([
    [`enode://${KEY_HEX.slice(2)}@1.2.3.4:30305`, 'expected enode'],
    [`enode://${KEY_HEX}@1.2.3.4`, 'expected enode'],
    [`enode://${KEY_HEX}@1.2.3.4:70000`, 'out of range'],
    [`enode://${KEY_HEX}@1.2.3.4:0`, 'no UDP port'],
    [`enode://${KEY_HEX}@1.2.3.4:1?discport=99999`, 'out of range'],
    [`enode://${'00'.repeat(64)}@1.2.3.4:30305`, 'not a point'],
  ])('rejects %s', (input, reason) => {
    expect(() => parseEnodeUrl(input)).toThrow(BootnodeError)
    expect(() => parseEnodeUrl(input)).toThrow(reason)
  })

  it('turns an enode into an unsigned compat record with the same key, IP and ports', async () => {
    const enr = await parseBootnode(`enode://${KEY_HEX}@34.65.67.101:30305`, noDns)
    expect(isCompatEnr(enr)).toBe(true)
    const info = describeEnr(enr)
    expect(info).toMatchObject({ ip: '34.65.67.101', tcp: 30305, udp: 30305, opstack: null })
    // Node id = keccak256(uncompressed key): same as go-ethereum's for this enode.
    expect(info.nodeId).toMatch(/^[0-9a-f]{64}$/)
  })

  it('resolves host names through the resolver', async () => {
    const lookups: string[] = []
    const enr = await parseBootnode(
      `enode://${KEY_HEX}@bootnode.example:0?discport=30301`,
      async (h) => {
        lookups.push(h)
        return '192.0.2.10'
      },
    )
    expect(lookups).toEqual(['bootnode.example'])
    expect(describeEnr(enr)).toMatchObject({ ip: '192.0.2.10', tcp: null, udp: 30301 })
  })

  it('decodes enr: entries with their signature checked', async () => {
    const [first] = OP_NODE_DEFAULT_BOOTNODES.filter((b) => b.startsWith('enr:'))
    const enr = await parseBootnode(first!, noDns)
    expect(isCompatEnr(enr)).toBe(false)
    const tampered = `${first!.slice(0, 20)}${first![20] === 'A' ? 'B' : 'A'}${first!.slice(21)}`
    await expect(parseBootnode(tampered, noDns)).rejects.toThrow(BootnodeError)
    await expect(parseBootnode('/ip4/1.2.3.4/udp/9000', noDns)).rejects.toThrow(
      'must start with enr: or enode://',
    )
  })

  it('caps entry length at MAX_BOOTNODE_LENGTH_CHARS', () => {
    const at = `enr:${'A'.repeat(MAX_BOOTNODE_LENGTH_CHARS - 4)}`
    expect(() => checkBootnodeSyntax(at)).not.toThrow(/longer than/)
    expect(() => checkBootnodeSyntax(`${at}A`)).toThrow(/longer than/)
  })

  it('splits lists, expands "default", and reports entries that fail without dropping the rest', async () => {
    expect(splitBootnodes(' a , ,b')).toEqual(['a', 'b'])
    expect(splitBootnodes('default')).toEqual(OP_NODE_DEFAULT_BOOTNODES)
    const { enrs, failed } = await parseBootnodes(
      [`enode://${KEY_HEX}@1.2.3.4:1`, `enode://${KEY_HEX}@nowhere.invalid:1`],
      async () => {
        throw new Error('ENOTFOUND')
      },
    )
    expect(enrs).toHaveLength(1)
    expect(failed).toHaveLength(1)
    expect(failed[0]!.message).toContain('cannot resolve nowhere.invalid')
  })

  it('every built-in bootnode passes the syntax check', () => {
    for (const b of OP_NODE_DEFAULT_BOOTNODES) checkBootnodeSyntax(b)
  })
})

describe('discovery / ipBytes', () => {
  it('IPv4 and IPv6 (with ::, leading/trailing ::, embedded IPv4)', () => {
    const hex = (ip: string) => Buffer.from(ipToBytes(ip)).toString('hex')
    expect(hex('127.0.0.1')).toBe('7f000001')
    expect(hex('2001:db8::1')).toBe('20010db8000000000000000000000001')
    expect(hex('::1')).toBe('00000000000000000000000000000001')
    expect(hex('fe80::')).toBe('fe800000000000000000000000000000')
    expect(hex('::ffff:1.2.3.4')).toBe('00000000000000000000ffff01020304')
    expect(hex('1:2:3:4:5:6:7:8')).toBe('00010002000300040005000600070008')
    expect(() => ipToBytes('example.com')).toThrow(RangeError)
  })
})
