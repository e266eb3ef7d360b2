/**
 * The remaining one-line errors (exit status 2), each run in this process as main() would print
 * it: el-sim's port in use, `devnet --dir` on a file, a bad --p2p.static entry, a bad ENR, an
 * unreadable key file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { register as registerDevnet } from '../../../src/cli/commands/devnet.ts'
import { register as registerElSim } from '../../../src/cli/commands/elSim.ts'
import { register as registerEnr } from '../../../src/cli/commands/enr.ts'
import { MAX_ENR_BYTES } from '../../../src/cli/enrProblem.ts'
import { describeFailure, withSystemReason } from '../../../src/cli/failure.ts'
import { addRunOptions, type RunFlags } from '../../../src/cli/run/flags.ts'
import { parseRunFlags } from '../../../src/cli/run/parse.ts'
import { loadOrCreatePeerKey } from '../../../src/gossip/peerIdentity.ts'
import { failureInProcess, parseFlags } from '../../utils/cli.ts'

const tmp = mkdtempSync(join(tmpdir(), 'opg-error-lines-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** A record from Base's bootnode list shape: a valid v4 ENR on 127.0.0.1. */
const GOOD_ENR =
  'enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8'

function expectOneLine(failure: { status: number; text: string } | null, line: string): void {
  expect(failure).toEqual({ status: 2, text: `op-gossip: ${line}\n` })
}

async function listening(): Promise<Server> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return server
}

describe('cli / one-line errors', () => {
  it('el-sim on a port in use names --port', async () => {
    const busy = await listening()
    const port = (busy.address() as { port: number }).port
    const jwt = join(tmp, 'jwt.hex')
    writeFileSync(jwt, '11'.repeat(32))
    try {
      const args = ['el-sim', '--port', String(port), '--jwt-secret', jwt, '--chain-id', '901']
      expectOneLine(
        await failureInProcess(registerElSim, [...args, '--log.level', 'silent']),
        `--port: cannot listen on 127.0.0.1:${port}: EADDRINUSE`,
      )
    } finally {
      busy.close()
    }
  })

  it('devnet --dir on a file (or under one) names --dir before anything starts', async () => {
    const file = join(tmp, 'a-file')
    writeFileSync(file, 'x')
    const args = ['devnet', '--nodes', '1', '--blocks', '1']
    expectOneLine(
      await failureInProcess(registerDevnet, [...args, '--dir', file]),
      `--dir ${file} is a file, not a directory`,
    )
    expectOneLine(
      await failureInProcess(registerDevnet, [...args, '--dir', join(file, 'sub')]),
      `--dir ${join(file, 'sub')} is under a file (${file}), not a directory`,
    )
  })

  it('a bad --p2p.static entry names the flag and says what is wrong', async () => {
    const failure = async (entry: string) => {
      const flags = await parseFlags<RunFlags>(addRunOptions, [
        '--network',
        'op-sepolia',
        '--p2p.static',
        entry,
      ])
      return describeFailure(await parseRunFlags(flags).catch((e: unknown) => e))
    }
    expectOneLine(
      await failure('/ip4/1.2.3.4/tcp/9222'),
      '--p2p.static: expected /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>/p2p/<peerId>, got /ip4/1.2.3.4/tcp/9222',
    )
    expectOneLine(await failure('1.2.3.4:9222'), '--p2p.static: not a multiaddr: 1.2.3.4:9222')
  })

  it.each([
    ['abc', "a record starts with 'enr:'"],
    ['enr:!!!!', "the text after 'enr:' must be base64url (A-Z, a-z, 0-9, -, _)"],
    [GOOD_ENR.slice(0, 60), 'the record is cut short (copy the whole enr:… text)'],
    [
      `${GOOD_ENR.slice(0, -4)}AAAA`,
      'its signature does not match its contents (the record was altered)',
    ],
    [
      `enr:${'A'.repeat(Math.ceil((MAX_ENR_BYTES * 4) / 3) + 4)}`,
      `the record is longer than ${MAX_ENR_BYTES} bytes, the most EIP-778 allows`,
    ],
  ])('a bad ENR (%s) says what is wrong in our words', async (record, why) => {
    expectOneLine(await failureInProcess(registerEnr, ['enr', record]), `not a valid ENR: ${why}`)
  })

  it('a bad ENR in --p2p.bootnodes is explained in the same words, naming the flag', async () => {
    const flags = await parseFlags<RunFlags>(addRunOptions, [
      '--network',
      'op-sepolia',
      '--p2p.bootnodes',
      GOOD_ENR.slice(0, 60),
    ])
    expectOneLine(
      describeFailure(await parseRunFlags(flags).catch((e: unknown) => e)),
      `--p2p.bootnodes: bad bootnode ${GOOD_ENR.slice(0, 60)}: the record is cut short (copy the whole enr:… text)`,
    )
  })

  it('an ENR of exactly the largest size is not refused for its size', async () => {
    const atLimit = `enr:${'A'.repeat(Math.floor((MAX_ENR_BYTES * 4) / 3))}`
    const failure = await failureInProcess(registerEnr, ['enr', atLimit])
    expect(failure?.text).not.toContain('longer than')
  })

  it('an unreadable key file says why', () => {
    const dir = join(tmp, 'key-is-a-dir')
    mkdirSync(dir)
    const err = (() => {
      try {
        loadOrCreatePeerKey(dir)
      } catch (e) {
        return e
      }
      throw new Error('a directory loaded as a key')
    })()
    expect(describeFailure(err)).toEqual({
      status: 2,
      text: `op-gossip: cannot read peer key file ${dir}: it is a directory (EISDIR)\n`,
    })
    // Root reads every file, so permission is shown on a made-up cause.
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })
    const line = 'cannot read peer key file /k'
    expect(withSystemReason(line, new Error(line, { cause: denied }))).toBe(
      'cannot read peer key file /k: permission denied (EACCES)',
    )
    expect(
      withSystemReason('listen EADDRINUSE', Object.assign(new Error(), { code: 'EADDRINUSE' })),
    ).toBe('listen EADDRINUSE')
  })
})
